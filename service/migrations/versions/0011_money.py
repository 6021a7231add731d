"""Money: fund standards with their items, programme budgets, awards and their instalments, payment batches
and lines (one live line per instalment, a partial unique index), the bank's result imports, account
verifications after a failed transfer, and the half-yearly adjustment lists. Amounts are db.Money.

Revision ID: 0011_money
Revises: 0010_annual_review
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0011_money'
down_revision = '0010_annual_review'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('fund_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('period_kind', sa.String(length=16), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('document_number', sa.String(length=100), nullable=False),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('issuer', sa.String(length=200), nullable=False),
    sa.Column('dibao_line', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('relative_multiplier', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('sudden_multiplier', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('drafted_by_id', sa.Integer(), nullable=False),
    sa.Column('drafted_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> drafted_by_id', name=op.f('ck_fund_standards_four_eyes')),
    sa.CheckConstraint('effective_to IS NULL OR effective_to >= effective_from', name=op.f('ck_fund_standards_period')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_fund_standards_approved_by_id_users')),
    sa.ForeignKeyConstraint(['drafted_by_id'], ['users.id'], name=op.f('fk_fund_standards_drafted_by_id_users')),
    sa.ForeignKeyConstraint(['replaces_id'], ['fund_standards.id'], name=op.f('fk_fund_standards_replaces_id_fund_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_standards'))
    )
    with op.batch_alter_table('fund_standards', schema=None) as batch_op:
        batch_op.create_index('ix_fund_standards_status_from', ['status', 'effective_from'], unique=False)

    op.create_table('payment_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('due_through', sa.Date(), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('total_amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('bank_layout', sa.String(length=32), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('built_by_id', sa.Integer(), nullable=False),
    sa.Column('built_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('exported_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('settled_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> built_by_id', name=op.f('ck_payment_batches_maker_checker')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_payment_batches_approved_by_id_users')),
    sa.ForeignKeyConstraint(['built_by_id'], ['users.id'], name=op.f('fk_payment_batches_built_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_batches')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_batches_reference'))
    )
    op.create_table('programme_budgets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('fund_source', sa.String(length=32), nullable=False),
    sa.Column('amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('set_by_id', sa.Integer(), nullable=True),
    sa.Column('set_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_programme_budgets_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_programme_budgets')),
    sa.UniqueConstraint('programme', 'year', name='uq_programme_budgets_year')
    )
    op.create_table('adjustment_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('approved_by_id IS NULL OR approved_by_id <> created_by_id', name=op.f('ck_adjustment_lists_four_eyes')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_adjustment_lists_approved_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_adjustment_lists_created_by_id_users')),
    sa.ForeignKeyConstraint(['standard_id'], ['fund_standards.id'], name=op.f('fk_adjustment_lists_standard_id_fund_standards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment_lists')),
    sa.UniqueConstraint('standard_id', name='uq_adjustment_lists_standard')
    )
    op.create_table('bank_result_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('paid_count', sa.Integer(), nullable=False),
    sa.Column('failed_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=False),
    sa.Column('imported_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['payment_batches.id'], name=op.f('fk_bank_result_imports_batch_id_payment_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_bank_result_imports_imported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_result_imports')),
    sa.UniqueConstraint('batch_id', 'digest', name='uq_bank_result_imports_digest')
    )
    op.create_table('fund_standard_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('school_level', sa.String(length=32), nullable=True),
    sa.Column('rule', sa.String(length=8), nullable=False),
    sa.Column('amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('unit', sa.String(length=32), nullable=False),
    sa.CheckConstraint("rule IN ('fixed', 'cap')", name=op.f('ck_fund_standard_items_rule')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_fund_standard_items_amount')),
    sa.ForeignKeyConstraint(['standard_id'], ['fund_standards.id'], name=op.f('fk_fund_standard_items_standard_id_fund_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_standard_items'))
    )
    with op.batch_alter_table('fund_standard_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_standard_items_standard_id'), ['standard_id'], unique=False)

    op.create_table('awards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('monthly_amount', bangfu.db.Money(precision=14, scale=2), nullable=True),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=True),
    sa.Column('standard_item_id', sa.Integer(), nullable=True),
    sa.Column('fund_source', sa.String(length=32), nullable=False),
    sa.Column('budget_year', sa.Integer(), nullable=False),
    sa.Column('student_name', sa.String(length=100), nullable=True),
    sa.Column('student_id_digest', sa.String(length=64), nullable=True),
    sa.Column('school_level', sa.String(length=32), nullable=True),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('created_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_awards_amount')),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_awards_approved_by_id_users')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_awards_case_id_cases'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_awards_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_awards_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['standard_id'], ['fund_standards.id'], name=op.f('fk_awards_standard_id_fund_standards')),
    sa.ForeignKeyConstraint(['standard_item_id'], ['fund_standard_items.id'], name=op.f('fk_awards_standard_item_id_fund_standard_items')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['awards.id'], name=op.f('fk_awards_supersedes_id_awards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_awards'))
    )
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_awards_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_awards_household', ['household_id', 'approved_on'], unique=False)
        batch_op.create_index('ix_awards_programme_approved', ['programme', 'approved_on'], unique=False)

    op.create_table('adjustment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('current_award_id', sa.Integer(), nullable=True),
    sa.Column('current_amount', bangfu.db.Money(precision=14, scale=2), nullable=True),
    sa.Column('proposed_amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('edited_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('new_award_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['current_award_id'], ['awards.id'], name=op.f('fk_adjustment_lines_current_award_id_awards')),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_adjustment_lines_edited_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_adjustment_lines_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['adjustment_lists.id'], name=op.f('fk_adjustment_lines_list_id_adjustment_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['new_award_id'], ['awards.id'], name=op.f('fk_adjustment_lines_new_award_id_awards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment_lines')),
    sa.UniqueConstraint('list_id', 'household_id', name='uq_adjustment_lines_household')
    )
    op.create_table('instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('award_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_instalments_amount')),
    sa.ForeignKeyConstraint(['award_id'], ['awards.id'], name=op.f('fk_instalments_award_id_awards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_instalments_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalments')),
    sa.UniqueConstraint('award_id', 'sequence', name='uq_instalments_award_sequence')
    )
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.create_index('ix_instalments_household', ['household_id'], unique=False)
        batch_op.create_index('ix_instalments_status_due', ['status', 'due_on'], unique=False)

    op.create_table('payment_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=48), nullable=False),
    sa.Column('instalment_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('payee_name', sa.String(length=100), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('amount', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('purpose', sa.String(length=100), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('failure_reason', sa.String(length=200), nullable=True),
    sa.Column('bank_reference', sa.String(length=100), nullable=True),
    sa.Column('settled_on', sa.Date(), nullable=True),
    sa.Column('result_import_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_lines_amount')),
    sa.ForeignKeyConstraint(['batch_id'], ['payment_batches.id'], name=op.f('fk_payment_lines_batch_id_payment_batches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_payment_lines_household_id_households')),
    sa.ForeignKeyConstraint(['instalment_id'], ['instalments.id'], name=op.f('fk_payment_lines_instalment_id_instalments')),
    sa.ForeignKeyConstraint(['result_import_id'], ['bank_result_imports.id'], name=op.f('fk_payment_lines_result_import_id_bank_result_imports')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_lines')),
    sa.UniqueConstraint('batch_id', 'sequence', name='uq_payment_lines_batch_sequence'),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_lines_reference'))
    )
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.create_index('ix_payment_lines_household', ['household_id'], unique=False)
        batch_op.create_index('uq_payment_lines_live_instalment', ['instalment_id'], unique=True, sqlite_where=sa.text("state IN ('pending', 'paid')"), postgresql_where=sa.text("state IN ('pending', 'paid')"))

    op.create_table('account_verifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=True),
    sa.Column('bank_name', sa.String(length=200), nullable=False),
    sa.Column('account_number', sa.String(length=32), nullable=False),
    sa.Column('account_holder', sa.String(length=100), nullable=False),
    sa.Column('verified_with', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('verified_by_id', sa.Integer(), nullable=False),
    sa.Column('verified_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_account_verifications_household_id_households'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line_id'], ['payment_lines.id'], name=op.f('fk_account_verifications_line_id_payment_lines'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['verified_by_id'], ['users.id'], name=op.f('fk_account_verifications_verified_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_verifications'))
    )
    with op.batch_alter_table('account_verifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_verifications_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_verifications_line_id'), ['line_id'], unique=False)



def downgrade():
    with op.batch_alter_table('account_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_verifications_line_id'))
        batch_op.drop_index(batch_op.f('ix_account_verifications_household_id'))

    op.drop_table('account_verifications')
    with op.batch_alter_table('payment_lines', schema=None) as batch_op:
        batch_op.drop_index('uq_payment_lines_live_instalment', sqlite_where=sa.text("state IN ('pending', 'paid')"), postgresql_where=sa.text("state IN ('pending', 'paid')"))
        batch_op.drop_index('ix_payment_lines_household')

    op.drop_table('payment_lines')
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.drop_index('ix_instalments_status_due')
        batch_op.drop_index('ix_instalments_household')

    op.drop_table('instalments')
    op.drop_table('adjustment_lines')
    with op.batch_alter_table('awards', schema=None) as batch_op:
        batch_op.drop_index('ix_awards_programme_approved')
        batch_op.drop_index('ix_awards_household')
        batch_op.drop_index(batch_op.f('ix_awards_case_id'))

    op.drop_table('awards')
    with op.batch_alter_table('fund_standard_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_standard_items_standard_id'))

    op.drop_table('fund_standard_items')
    op.drop_table('bank_result_imports')
    op.drop_table('adjustment_lists')
    op.drop_table('programme_budgets')
    op.drop_table('payment_batches')
    with op.batch_alter_table('fund_standards', schema=None) as batch_op:
        batch_op.drop_index('ix_fund_standards_status_from')

    op.drop_table('fund_standards')
