"""Domain rules by name: process model versions deployed before this revision bound their rules to task ids.

Every version already stored is marked `rules_by_task_id`: its tasks keep running the operations their ids had
(named_operations/binding.TASK_ID_RULES), so open cases on old versions keep their rules whatever the stored spec
says. Versions deployed from now on call operations by name only. The stored specs are left as they were
deployed: a version is what it was when its cases started.

Revision ID: 0031_named_operations
Revises: 0028_form_drafts
"""
import sqlalchemy as sa
from alembic import op

revision = '0031_named_operations'
down_revision = '0028_form_drafts'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("process_model_versions") as batch:
        batch.add_column(sa.Column("rules_by_task_id", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE process_model_versions SET rules_by_task_id = :yes").bindparams(yes=True))


def downgrade():
    with op.batch_alter_table("process_model_versions") as batch:
        batch.drop_column("rules_by_task_id")
