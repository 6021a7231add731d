"""sensitivity marks on the forms of model versions deployed before them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:40:00

Masking reads a form field's "x-sensitive" mark from the copy of the form a model version was deployed
with. Versions deployed before the bundled forms carried marks would keep showing a family's free text
(困难情况说明, 走访情况, reviewers' opinions...) to finance and supervisors; this adds the marks the bundled
forms carry at this revision to those copies, where the same form has the same field unmarked. Nothing
else in a version changes, and the marks only ever hide more. A downgrade leaves them: removing them
would expose the text again.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

CIRCUMSTANCES = "circumstances"
# form file -> the paths (from the schema's root) of its fields that describe health, income or assets
MARKED = {
    "answer_irregularity.schema.json": [("properties", "response"), ("properties", "corrective_action")],
    "approval.schema.json": [("properties", "opinion")],
    "assign_third_party.schema.json": [("properties", "notes")],
    "declaration.schema.json": [("properties", "hardship_reasons"), ("properties", "hardship_description")],
    "household_visit.schema.json": [("properties", "findings")],
    "open_file.schema.json": [("properties", "proposal_notes")],
    "preliminary_review.schema.json": [("properties", "opinion")],
    "public_notice.schema.json": [("properties", "opinion"),
                                  ("properties", "objections", "items", "properties", "content"),
                                  ("properties", "objections", "items", "properties", "finding")],
    "re_review.schema.json": [("properties", "opinion")],
    "visit_oversight.schema.json": [("properties", "opinion")],
}


def _field(schema, path):
    node = schema
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def marked(forms):
    """The version's forms with the marks added; the same object when none was missing."""
    changed = False
    for name, paths in MARKED.items():
        for path in paths:
            field = _field(forms.get(name), path)
            if field is not None and "x-sensitive" not in field:
                field["x-sensitive"] = CIRCUMSTANCES
                changed = True
    return changed


def upgrade():
    conn = op.get_bind()
    for version_id, forms_json in conn.execute(sa.text("SELECT id, forms_json FROM process_model_versions")).all():
        forms = json.loads(forms_json or "{}")
        if marked(forms):
            conn.execute(sa.text("UPDATE process_model_versions SET forms_json = :forms WHERE id = :id"),
                         {"forms": json.dumps(forms, ensure_ascii=False, sort_keys=True), "id": version_id})


def downgrade():
    pass
