"""cases: submitted_at (a declaration past its draft) and the withdrawn status

Revision ID: 0003_withdrawn
Revises: 0002
Create Date: 2026-11-30 08:10:00
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0003_withdrawn'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', bangfu.db.UTCDateTime(timezone=True), nullable=True))
    # A case is submitted once any of its steps was completed: the time of the first completion.
    op.execute("UPDATE cases SET submitted_at = (SELECT MIN(h.completed_at) FROM human_tasks h "
               "WHERE h.case_id = cases.id AND h.state = 'completed')")


def downgrade():
    op.execute("UPDATE cases SET status = 'completed' WHERE status = 'withdrawn'")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')
