"""Programme cases (金秋助学, 医疗救助, 意外致困) approved before this carry their award's amount as the case's
approved amount, as approval now writes it: the case list, the case page and the register's export showed —.

Revision ID: 0018_programme_case_amounts
Revises: 0017_adjustment_decision_note
"""
from alembic import op


revision = '0018_programme_case_amounts'
down_revision = '0017_adjustment_decision_note'
branch_labels = None
depends_on = None


def upgrade():
    # awards.amount is whole fen on SQLite (bangfu.db.Money), cases.approved_amount a plain NUMERIC in yuan
    # what was approved: every instalment of the case's awards, those cancelled by an early end included
    total = "SUM(i.amount) / 100.0" if op.get_bind().dialect.name == 'sqlite' else "SUM(i.amount)"
    op.execute(f"UPDATE cases SET approved_amount = (SELECT {total} FROM instalments i JOIN awards a "
               "ON a.id = i.award_id WHERE a.case_id = cases.id) "
               "WHERE approved_amount IS NULL AND EXISTS (SELECT 1 FROM awards WHERE awards.case_id = cases.id)")


def downgrade():
    pass  # the amounts are right under the old code too
