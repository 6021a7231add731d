"""inbox in due order: indexes on the human tasks' due dates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:30:00
"""
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_inbox_due', ['state', 'role', 'organisation_id', 'due_at', 'created_at', 'id', 'assignee_id'], unique=False)
        batch_op.create_index('ix_human_tasks_assignee_due', ['assignee_id', 'state', 'due_at', 'created_at', 'id', 'role', 'organisation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_assignee_due')
        batch_op.drop_index('ix_human_tasks_inbox_due')
