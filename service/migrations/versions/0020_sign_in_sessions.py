"""Sign-in throttling and server-side page sessions: failed sign-ins counted per account name and per client
address (with the lock they earn) where every serving process sees them, and a row per signed-in page session
that signing out deletes.

Revision ID: 0020_sign_in_sessions
Revises: 0019_audit_log
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0020_sign_in_sessions'
down_revision = '0019_audit_log'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_throttles',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('locked_until', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_sign_in_throttles'))
    )
    op.create_table('page_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_page_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_page_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_page_sessions_token_hash'))
    )
    with op.batch_alter_table('page_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_page_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('page_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_sessions_user_id'))
    op.drop_table('page_sessions')
    op.drop_table('sign_in_throttles')
