"""The tamper-evident audit log (audit_entries): a hash chain only ever appended to. Triggers refuse UPDATE and
DELETE of its rows (and TRUNCATE, on PostgreSQL) whoever asks: the service's role can only add entries. Only
the table's owner could drop a trigger, so production serves as a role that does not own the tables (README).

Revision ID: 0019_audit_log
Revises: 0018_programme_case_amounts
"""
from alembic import op
import sqlalchemy as sa


revision = '0019_audit_log'
down_revision = '0018_programme_case_amounts'
branch_labels = None
depends_on = None

REFUSAL = 'audit_entries is append-only'
POSTGRES = [
    f"""CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{REFUSAL}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege'; END $$""",
    """CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries
        FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()""",
    """CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()""",
]
SQLITE = [
    f"""CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}: DELETE refused'); END""",
]


def upgrade():
    sequence = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
    op.create_table('audit_entries',
    sa.Column('seq', sequence, autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=120), nullable=False),
    sa.Column('subject_kind', sa.String(length=32), nullable=True),
    sa.Column('subject_id', sa.BigInteger(), nullable=True),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('hash', name=op.f('uq_audit_entries_hash'))
    )
    op.create_index(op.f('ix_audit_entries_at'), 'audit_entries', ['at'], unique=False)
    op.create_index(op.f('ix_audit_entries_actor_name'), 'audit_entries', ['actor_name'], unique=False)
    op.create_index(op.f('ix_audit_entries_action'), 'audit_entries', ['action'], unique=False)
    op.create_index(op.f('ix_audit_entries_household_id'), 'audit_entries', ['household_id'], unique=False)
    op.create_index('ix_audit_entries_subject', 'audit_entries', ['subject_kind', 'subject_id'], unique=False)
    for statement in POSTGRES if op.get_bind().dialect.name == 'postgresql' else SQLITE:
        op.execute(statement)


def downgrade():
    op.drop_table('audit_entries')  # its triggers go with it
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION audit_entries_append_only()")
