"""Annual review, exit and return: a case knows the review year it belongs to (one per household and year,
enforced by a unique index), a scheduled start has no user (created_by_id nullable), households carry
their 防返困 follow-up, and monthly incomes recorded at visits (for the 脱困 suggestion) get a table.

Revision ID: 0010_annual_review
Revises: 0009_households
"""
import sqlalchemy as sa
from alembic import op

import bangfu.db

revision = '0010_annual_review'
down_revision = '0009_households'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_year', sa.Integer(), nullable=True))
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('uq_cases_household_review_year', ['household_id', 'review_year'], unique=True)
        batch_op.create_index('ix_cases_review_year_status', ['review_year', 'status'], unique=False)
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_done_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_result', sa.String(length=32), nullable=True))
    op.create_table(
        'household_incomes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('household_income', sa.Numeric(12, 2), nullable=False),
        sa.Column('household_size', sa.Integer(), nullable=False),
        sa.Column('per_capita_income', sa.Numeric(12, 2), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('recorded_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE',
                                name=op.f('fk_household_incomes_household_id_households')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL',
                                name=op.f('fk_household_incomes_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_incomes')),
        sa.UniqueConstraint('household_id', 'month', name='uq_household_incomes_month'),
    )


def downgrade():
    # Earlier code knows neither annual reviews nor cases ended by an exit, and needs a user on every case:
    # refuse rather than leave rows it would misread (as 0003 refuses withdrawn declarations).
    count = op.get_bind().execute(sa.text(
        "SELECT COUNT(*) FROM cases WHERE review_year IS NOT NULL OR status = 'closed_on_exit' "
        "OR created_by_id IS NULL")).scalar()
    if count:
        raise RuntimeError(f"0010_annual_review cannot be downgraded: {count} annual review case(s), case(s) "
                           "closed on a household's exit or started by the scheduler would be lost or misread")
    op.drop_table('household_incomes')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_column('follow_up_result')
        batch_op.drop_column('follow_up_done_on')
        batch_op.drop_column('follow_up_due')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_review_year_status')
        batch_op.drop_index('uq_cases_household_review_year')
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('review_year')
