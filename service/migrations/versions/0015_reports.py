"""Reports upward: paid instalments carry their award's fund source, category and union (copied from the award,
so a year's report reads the instalments alone), and the indexes the report's queries read from.

Revision ID: 0015_reports
Revises: 0011_money
"""
from alembic import op
import sqlalchemy as sa


revision = '0015_reports'
down_revision = '0011_money'
branch_labels = None
depends_on = None

AWARD_KEYS = ['programme', 'fund_source', 'category', 'organisation_id']


def upgrade():
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fund_source', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('category', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('organisation_id', sa.Integer(), nullable=True))
    op.execute("UPDATE instalments SET fund_source = (SELECT fund_source FROM awards WHERE awards.id = instalments.award_id), "
               "category = (SELECT category FROM awards WHERE awards.id = instalments.award_id), "
               "organisation_id = (SELECT organisation_id FROM awards WHERE awards.id = instalments.award_id)")
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.alter_column('fund_source', existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column('organisation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(op.f('fk_instalments_organisation_id_organisations'), 'organisations',
                                    ['organisation_id'], ['id'])
        batch_op.create_index('ix_instalments_report', AWARD_KEYS + ['paid_on', 'status', 'amount'], unique=False)
        batch_op.create_index('ix_instalments_paid_on', ['paid_on'], unique=False, postgresql_include=[
            'status'] + AWARD_KEYS + ['amount'])
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index('ix_awards_report', AWARD_KEYS + ['approved_on', 'supersedes_id', 'amount'],
                              unique=False)
        batch_op.create_index('ix_awards_approved_on', ['approved_on'], unique=False, postgresql_include=(
            AWARD_KEYS + ['supersedes_id', 'amount']))
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_register_report', ['organisation_id', 'filed_on', 'closed_on'],
                              unique=False)
    with op.batch_alter_table('household_status_changes', schema=None) as batch_op:
        batch_op.create_index('ix_household_status_changes_into', ['to_status', 'changed_on', 'from_status'],
                              unique=False)
        batch_op.create_index('ix_household_status_changes_out', ['from_status', 'changed_on', 'to_status'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('household_status_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_household_status_changes_out')
        batch_op.drop_index('ix_household_status_changes_into')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_register_report')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index('ix_awards_approved_on')
        batch_op.drop_index('ix_awards_report')
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.drop_index('ix_instalments_paid_on')
        batch_op.drop_index('ix_instalments_report')
        batch_op.drop_constraint(op.f('fk_instalments_organisation_id_organisations'), type_='foreignkey')
        batch_op.drop_column('organisation_id')
        batch_op.drop_column('category')
        batch_op.drop_column('fund_source')
