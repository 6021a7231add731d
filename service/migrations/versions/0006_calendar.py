"""China's working-day calendar: years and days the administrator imports; task due dates that wait for them

Revision ID: 0006_calendar
Revises: 0005
Create Date: 2026-11-30 10:40:00

calendar_years lists the years imported whole (a year counts as known only then); calendar_days their
holidays and make-up working days. human_tasks gains due_working_days and due_pending_year: a task due in
working days whose due date falls in a year without data opens undated and is dated when the year arrives.
cases gains the public notice's days and the ID number as posted (masked), for the notice list.
"""
import sqlalchemy as sa
from alembic import op

import bangfu.db

revision = '0006_calendar'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notice_end', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('notice_id_number', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_notice_start'), ['notice_start'], unique=False)
    op.create_table(
        'calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('imported_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('imported_by', sa.String(length=100), nullable=True),
        sa.Column('source', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_years')),
    )
    op.create_table(
        'calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('is_working_day', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=50), nullable=False),
        sa.Column('note', sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(['year'], ['calendar_years.year'], ondelete='CASCADE',
                                name=op.f('fk_calendar_days_year_calendar_years')),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_days')),
    )
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_days_year'), ['year'], unique=False)
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('due_working_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('due_pending_year', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_human_tasks_due_pending_year'), ['due_pending_year'], unique=False)


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_human_tasks_due_pending_year'))
        batch_op.drop_column('due_pending_year')
        batch_op.drop_column('due_working_days')
    with op.batch_alter_table('calendar_days', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_days_year'))
    op.drop_table('calendar_days')
    op.drop_table('calendar_years')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_notice_start'))
        batch_op.drop_column('notice_id_number')
        batch_op.drop_column('notice_end')
        batch_op.drop_column('notice_start')
