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
    # Earlier code knows no withdrawn status; turning them into anything else would be a false record.
    withdrawn = op.get_bind().execute(sa.text("SELECT COUNT(*) FROM cases WHERE status = 'withdrawn'")).scalar()
    if withdrawn:
        raise RuntimeError(f"{withdrawn} withdrawn declarations exist; revision 0002 cannot represent them")
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('submitted_at')
