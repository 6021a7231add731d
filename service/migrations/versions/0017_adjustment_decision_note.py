"""The approver's note on an adjustment line is kept apart from the centre's (it used to overwrite it).

Revision ID: 0017_adjustment_decision_note
Revises: 0016_money_totals
"""
from alembic import op
import sqlalchemy as sa


revision = '0017_adjustment_decision_note'
down_revision = '0016_money_totals'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('adjustment_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('adjustment_lines', schema=None) as batch_op:
        batch_op.drop_column('decision_note')
