"""the oversight exchange marked "oversight" on model versions already deployed

Revision ID: 0023_oversight_marks
Revises: 0020_sign_in_sessions

The inspectors no longer read the family's circumstances, but they must read their own 审核意见 at 走访监督
and the centre's 整改答复 to it. The bundled forms now mark those fields "x-sensitive": "oversight" (read by
the inspectors as well as by the roles that read the circumstances); versions deployed before carry
"circumstances" there (bundled, or added by 0005), which would hide the inspectors' own opinion from them.
Only a field marked "circumstances" at those paths changes: a mark a designer chose otherwise stays. The
downgrade puts "circumstances" back, which hides the text from the inspectors again.
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0023_oversight_marks'
down_revision = '0020_sign_in_sessions'
branch_labels = None
depends_on = None

# form file -> the fields (under the schema's "properties") of the oversight exchange
OVERSIGHT = {
    "visit_oversight.schema.json": ["opinion"],
    "answer_irregularity.schema.json": ["response", "corrective_action"],
}


def remarked(forms, old, new):
    """Change the oversight fields' mark from `old` to `new` in place; whether any changed."""
    changed = False
    for name, fields in OVERSIGHT.items():
        properties = (forms.get(name) or {}).get("properties")
        for field in fields:
            node = properties.get(field) if isinstance(properties, dict) else None
            if isinstance(node, dict) and node.get("x-sensitive") == old:
                node["x-sensitive"] = new
                changed = True
    return changed


def _rewrite(old, new):
    conn = op.get_bind()
    for version_id, forms_json in conn.execute(sa.text("SELECT id, forms_json FROM process_model_versions")).all():
        forms = json.loads(forms_json or "{}")
        if remarked(forms, old, new):
            conn.execute(sa.text("UPDATE process_model_versions SET forms_json = :forms WHERE id = :id"),
                         {"forms": json.dumps(forms, ensure_ascii=False, sort_keys=True), "id": version_id})


def upgrade():
    _rewrite("circumstances", "oversight")


def downgrade():
    _rewrite("oversight", "circumstances")
