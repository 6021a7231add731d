"""Reports upward read monthly totals (money_totals) kept by the commands that approve, end and pay awards; this
creates the table and fills it from the awards and paid instalments already there.

Revision ID: 0016_money_totals
Revises: 0015_reports
"""
from alembic import op
import sqlalchemy as sa
import bangfu.db


revision = '0016_money_totals'
down_revision = '0015_reports'
branch_labels = None
depends_on = None

KEYS = "programme, fund_source, COALESCE(category, '') AS category, organisation_id"


def upgrade():
    op.create_table('money_totals',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('programme', sa.String(length=32), nullable=False),
    sa.Column('fund_source', sa.String(length=32), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('times', sa.Integer(), nullable=False),
    sa.Column('awarded', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.Column('paid', bangfu.db.Money(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                            name=op.f('fk_money_totals_organisation_id_organisations')),
    sa.PrimaryKeyConstraint('month', 'programme', 'fund_source', 'category', 'organisation_id',
                            name=op.f('pk_money_totals'))
    )
    # Amounts are summed in the column's own unit (whole fen on SQLite, NUMERIC on PostgreSQL), as the table's.
    if op.get_bind().dialect.name == 'postgresql':
        month = "date_trunc('month', {})::date"
    else:
        month = "substr({}, 1, 8) || '01'"
    op.execute(f"""
        INSERT INTO money_totals (month, programme, fund_source, category, organisation_id, times, awarded, paid)
        SELECT month, programme, fund_source, category, organisation_id, SUM(times), SUM(awarded), SUM(paid)
        FROM (SELECT {month.format('approved_on')} AS month, {KEYS},
                     CASE WHEN supersedes_id IS NULL THEN 1 ELSE 0 END AS times, amount AS awarded, 0 AS paid
              FROM awards
              UNION ALL
              SELECT {month.format('paid_on')}, {KEYS}, 0, 0, amount
              FROM instalments WHERE status = 'paid' AND paid_on IS NOT NULL) AS changes
        GROUP BY month, programme, fund_source, category, organisation_id""")


def downgrade():
    op.drop_table('money_totals')
