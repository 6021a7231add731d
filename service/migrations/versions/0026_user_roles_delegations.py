"""A user may hold several roles (user_roles; users.role stays the primary one and is held there too), and may
delegate their claimed tasks to a colleague for a period (delegations).

Revision ID: 0026_user_roles_delegations
Revises: 0031_named_operations
"""
from alembic import op
import sqlalchemy as sa

import bangfu.db

revision = '0026_user_roles_delegations'
down_revision = '0031_named_operations'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_roles',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('granted_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_roles_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'role', name=op.f('pk_user_roles'))
    )
    op.execute("INSERT INTO user_roles (user_id, role, granted_at) SELECT id, role, created_at FROM users")
    op.create_table('delegations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delegator_id', sa.Integer(), nullable=False),
    sa.Column('delegate_id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('created_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('delegator_id <> delegate_id', name=op.f('ck_delegations_not_to_oneself')),
    sa.CheckConstraint('starts_on <= ends_on', name=op.f('ck_delegations_period_in_order')),
    sa.ForeignKeyConstraint(['delegate_id'], ['users.id'], name=op.f('fk_delegations_delegate_id_users')),
    sa.ForeignKeyConstraint(['delegator_id'], ['users.id'], name=op.f('fk_delegations_delegator_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delegations_delegate_id'), ['delegate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delegations_delegator_id'), ['delegator_id'], unique=False)


def downgrade():
    with op.batch_alter_table('delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delegations_delegator_id'))
        batch_op.drop_index(batch_op.f('ix_delegations_delegate_id'))
    op.drop_table('delegations')
    op.drop_table('user_roles')
