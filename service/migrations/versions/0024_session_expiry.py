"""Page sessions expire: each row says when its session was last used (written at most once a minute), so an
idle session and one past its absolute lifetime end. Existing sessions count as last used when opened.

Revision ID: 0024_session_expiry
Revises: 0023_oversight_marks
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0024_session_expiry'
down_revision = '0023_oversight_marks'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('page_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', bangfu.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE page_sessions SET last_seen_at = created_at")
    with op.batch_alter_table('page_sessions', schema=None) as batch_op:
        batch_op.alter_column('last_seen_at', existing_type=bangfu.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.create_index(batch_op.f('ix_page_sessions_last_seen_at'), ['last_seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('page_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_page_sessions_last_seen_at'))
        batch_op.drop_column('last_seen_at')
