"""messages: what each user has read (message_reads, messages_read_before)

Revision ID: 0008_messages
Revises: 0007_scheduler
Create Date: 2026-11-30 10:30:00

Messages themselves are derived from human_tasks; only reading is stored.
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0008_messages'
down_revision = '0007_scheduler'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'message_reads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('read_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['task_id'], ['human_tasks.id'], name=op.f('fk_message_reads_task_id_human_tasks'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_reads_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'task_id', 'kind', name=op.f('pk_message_reads')),
    )
    op.create_table(
        'messages_read_before',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('read_before', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_messages_read_before_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_messages_read_before')),
    )


def downgrade():
    op.drop_table('messages_read_before')
    op.drop_table('message_reads')
