"""the scheduler's due work: case timers, recurring jobs and their firings

Revision ID: 0007_scheduler
Revises: 0006_calendar
Create Date: 2026-11-30 10:40:00

`timers` (one row per case waiting on a timer event, with its earliest due time), `scheduled_jobs`
(recurring jobs and timer start events with cycles) and `scheduled_firings` (one row per job and due
time, unique).

None of the bundled models has a timer event, so their cases need nothing. A running case of a designer's
model with a timer event may wait on one, and nothing else would ever touch it: each such case gets a row
due now (the migration does not restore workflows to read the real due time); the first tick fires what is
really due and rewrites the row with the case's real next due time. A model version deployed before this
revision whose start event is a cycle timer is scheduled when it is deployed again.
"""

from alembic import op
import sqlalchemy as sa
import bangfu.clock
import bangfu.db


revision = '0007_scheduler'
down_revision = '0006_calendar'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'timers',
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('due_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_timers_case_id_cases'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_timers')),
    )
    op.create_index('ix_timers_due_at', 'timers', ['due_at', 'case_id'], unique=False)
    op.create_table(
        'scheduled_jobs',
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('next_due_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('last_fired_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('due_for', bangfu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('cycle', sa.String(length=200), nullable=True),
        sa.Column('anchor_at', bangfu.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('updated_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_scheduled_jobs')),
    )
    op.create_index('ix_scheduled_jobs_next_due_at', 'scheduled_jobs', ['next_due_at', 'name'], unique=False)
    op.create_table(
        'scheduled_firings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('job_name', sa.String(length=150), nullable=False),
        sa.Column('due_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('fired_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_scheduled_firings_case_id_cases'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_firings')),
        sa.UniqueConstraint('job_name', 'due_at', name=op.f('uq_scheduled_firings_job_name')),
    )
    cases = sa.table('cases', sa.column('id', sa.Integer()), sa.column('status', sa.String()),
                     sa.column('process_version_id', sa.Integer()))
    versions = sa.table('process_model_versions', sa.column('id', sa.Integer()), sa.column('bpmn_xml', sa.Text()))
    timers = sa.table('timers', sa.column('case_id', sa.Integer()), sa.column('due_at', bangfu.db.UTCDateTime()),
                      sa.column('name', sa.String()), sa.column('attempts', sa.Integer()))
    now = bangfu.clock.now()
    op.execute(timers.insert().from_select(
        ['case_id', 'due_at', 'name', 'attempts'],
        sa.select(cases.c.id, sa.literal(now, bangfu.db.UTCDateTime()), sa.literal('待核对'), sa.literal(0))
        .select_from(cases.join(versions, versions.c.id == cases.c.process_version_id))
        .where(cases.c.status == 'active', versions.c.bpmn_xml.like('%timerEventDefinition%'))))


def downgrade():
    op.drop_table('scheduled_firings')
    op.drop_index('ix_scheduled_jobs_next_due_at', table_name='scheduled_jobs')
    op.drop_table('scheduled_jobs')
    op.drop_index('ix_timers_due_at', table_name='timers')
    op.drop_table('timers')
