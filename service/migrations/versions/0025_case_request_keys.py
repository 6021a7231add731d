"""A case remembers the Idempotency-Key its API client sent with the declaration, unique per user, so a
retried request (its first answer lost with a killed server or a dropped connection) starts no second case.

Revision ID: 0025_case_request_keys
Revises: 0024_session_expiry
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_case_request_keys'
down_revision = '0024_session_expiry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_key', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_cases_creator_request_key', ['created_by_id', 'request_key'], unique=True)


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('uq_cases_creator_request_key')
        batch_op.drop_column('request_key')
