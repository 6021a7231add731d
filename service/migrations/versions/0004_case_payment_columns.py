"""case payment date and bank reference

Revision ID: 0004
Revises: 0003_withdrawn
Create Date: 2026-11-30 08:05:00

The payment step's date and bank reference, copied to the case row when the payment is confirmed so that
the case list and its export read them without opening a workflow. Cases paid before this revision keep
them only in their workflow data.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003_withdrawn'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paid_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('bank_reference', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('bank_reference')
        batch_op.drop_column('paid_on')
