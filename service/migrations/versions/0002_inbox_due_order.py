"""inbox in due order: indexes on the human tasks' due dates, and due dates for tasks already open

Tasks opened before this revision never had a due date; they get the one their model gives now
(dueInDays calendar days from the day they opened, to the end of that day in China), so that they too
become overdue. Self-contained on purpose: the application's rules may change after this revision.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 08:30:00
"""
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa
from alembic import op
from lxml import etree

CHINA = timezone(timedelta(hours=8))
_DUE_DAYS = ("//bpmn:userTask[@id=$task]/bpmn:extensionElements/spiffworkflow:properties"
             "/spiffworkflow:property[@name='dueInDays']/@value")
_NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
       "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_human_tasks_inbox_due', ['state', 'role', 'organisation_id', 'due_at', 'created_at', 'id', 'assignee_id'], unique=False)
        batch_op.create_index('ix_human_tasks_assignee_due', ['assignee_id', 'state', 'due_at', 'created_at', 'id', 'role', 'organisation_id'], unique=False)
    _backfill_due_dates()


def _backfill_due_dates():
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT h.id, h.spec_name, h.created_at, c.process_version_id FROM human_tasks h "
        "JOIN cases c ON c.id = h.case_id WHERE h.state = 'open' AND h.due_at IS NULL")).all()
    models = {}
    for task_id, spec_name, created_at, version_id in rows:
        if version_id not in models:
            xml = conn.execute(sa.text("SELECT bpmn_xml FROM process_model_versions WHERE id = :id"),
                               {"id": version_id}).scalar()
            models[version_id] = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False))
        found = models[version_id].xpath(_DUE_DAYS, namespaces=_NS, task=spec_name)
        if not found or not found[0].strip().isdigit():
            continue
        opened = created_at if isinstance(created_at, datetime) else datetime.fromisoformat(str(created_at))
        opened = opened.replace(tzinfo=opened.tzinfo or timezone.utc)
        last_day = opened.astimezone(CHINA).date() + timedelta(days=int(found[0]))
        due = datetime.combine(last_day + timedelta(days=1), time(), CHINA) - timedelta(microseconds=1)
        conn.execute(sa.text("UPDATE human_tasks SET due_at = :due WHERE id = :id"),
                     {"due": _stored(conn, due), "id": task_id})


def _stored(conn, instant):
    """The instant as the UTCDateTime column stores it on this database."""
    instant = instant.astimezone(timezone.utc)
    return instant if conn.dialect.name == "postgresql" else instant.strftime("%Y-%m-%d %H:%M:%S.%f")


def downgrade():
    with op.batch_alter_table('human_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_human_tasks_assignee_due')
        batch_op.drop_index('ix_human_tasks_inbox_due')
