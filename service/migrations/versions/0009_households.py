"""households (一户一档): the register, its members and status history; cases.household_id; backfill

Revision ID: 0009_households
Revises: 0008_messages
Create Date: 2026-11-30 10:20:00

Backfill: every submitted case of the hardship application gets a household from its (latest) declaration
in the stored workflow state: cases that completed 建档 (a file number) are 在档 from the day of 建档 (the
case's closing status decides otherwise: 审批未通过 closes the file as 未建档), cases still in progress are
申报中, cases that ended without a file are 未建档 with the reason. When a worker has several cases, only the
latest stays open; earlier ones are closed as 未建档 so the one-open-file rule holds.

The resident ID digest needs the app's SECRET_KEY: `bangfu.migrate.upgrade` hands it over
(config.attributes["id_digest_key"]); a bare alembic run reads BANGFU_SECRET_KEY. Without a key and with
cases to backfill, the upgrade stops and says so.
"""
import hashlib
import hmac
import json
import os
import zlib
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import context, op

import bangfu.db

revision = '0009_households'
down_revision = '0008_messages'
branch_labels = None
depends_on = None

OPEN_SQL = "status IN ('declared', 'filed')"
CHINA = timezone(timedelta(hours=8))
UNFILED = {"not_eligible": "not_eligible", "not_approved": "not_approved", "withdrawn": "withdrawn"}


def upgrade():
    op.create_table(
        'households',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_number', sa.String(length=32), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('worker_name', sa.String(length=100), nullable=False),
        sa.Column('worker_id_number', sa.String(length=32), nullable=False),
        sa.Column('worker_id_digest', sa.String(length=64), nullable=False),
        sa.Column('phone', sa.String(length=32), nullable=True),
        sa.Column('employer', sa.String(length=200), nullable=True),
        sa.Column('bank_name', sa.String(length=200), nullable=True),
        sa.Column('bank_account_name', sa.String(length=100), nullable=True),
        sa.Column('bank_card_number', sa.String(length=32), nullable=True),
        sa.Column('category', sa.String(length=32), nullable=True),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('exit_reason', sa.String(length=32), nullable=True),
        sa.Column('exit_reason_text', sa.Text(), nullable=True),
        sa.Column('declared_on', sa.Date(), nullable=False),
        sa.Column('filed_on', sa.Date(), nullable=True),
        sa.Column('closed_on', sa.Date(), nullable=True),
        sa.Column('next_review_due', sa.Date(), nullable=True),
        sa.Column('application_case_id', sa.Integer(), nullable=True),
        sa.Column('previous_household_id', sa.Integer(), nullable=True),
        sa.Column('created_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_households_organisation_id_organisations')),
        sa.ForeignKeyConstraint(['previous_household_id'], ['households.id'],
                                name=op.f('fk_households_previous_household_id_households')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
        sa.UniqueConstraint('file_number', name=op.f('uq_households_file_number')),
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('uq_households_open_worker', ['worker_id_digest'], unique=True,
                              sqlite_where=sa.text(OPEN_SQL), postgresql_where=sa.text(OPEN_SQL))
        batch_op.create_index(batch_op.f('ix_households_worker_id_digest'), ['worker_id_digest'], unique=False)
        batch_op.create_index('ix_households_status_filed', ['status', 'filed_on'], unique=False)
        batch_op.create_index('ix_households_org_status', ['organisation_id', 'status'], unique=False)
        batch_op.create_index('ix_households_next_review', ['next_review_due'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_application_case_id'), ['application_case_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_households_previous_household_id'), ['previous_household_id'],
                              unique=False)
    op.create_table(
        'household_members',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('relation', sa.String(length=32), nullable=True),
        sa.Column('id_number', sa.String(length=32), nullable=True),
        sa.Column('id_digest', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE',
                                name=op.f('fk_household_members_household_id_households')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_members')),
    )
    with op.batch_alter_table('household_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_members_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_household_members_id_digest'), ['id_digest'], unique=False)
    op.create_table(
        'household_status_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('from_status', sa.String(length=32), nullable=True),
        sa.Column('to_status', sa.String(length=32), nullable=False),
        sa.Column('changed_on', sa.Date(), nullable=False),
        sa.Column('occurred_at', bangfu.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=32), nullable=True),
        sa.Column('reason_text', sa.Text(), nullable=True),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['household_id'], ['households.id'], ondelete='CASCADE',
                                name=op.f('fk_household_status_changes_household_id_households')),
        sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_household_status_changes_actor_id_users')),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], ondelete='SET NULL',
                                name=op.f('fk_household_status_changes_case_id_cases')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_household_status_changes')),
    )
    with op.batch_alter_table('household_status_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_household_status_changes_household_id'), ['household_id'],
                              unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Not a batch copy of cases: `bangfu init` runs with foreign keys on, and human_tasks and case_events
        # reference the rows a copy would drop. SQLite adds a nullable column with its reference in place.
        op.execute("ALTER TABLE cases ADD COLUMN household_id INTEGER "
                   "CONSTRAINT fk_cases_household_id_households REFERENCES households (id)")
    else:
        op.add_column('cases', sa.Column('household_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_cases_household_id_households'), 'cases', 'households',
                              ['household_id'], ['id'])
    op.create_index(op.f('ix_cases_household_id'), 'cases', ['household_id'], unique=False)
    _backfill(op.get_bind())


def downgrade():
    # The register goes; the cases stay as they were before it (their file numbers are still in cases).
    op.execute("UPDATE cases SET household_id = NULL")
    op.drop_table('household_status_changes')
    op.drop_table('household_members')
    op.drop_index(op.f('ix_cases_household_id'), table_name='cases')
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops the column by copying the table; human_tasks and case_events reference its rows, so
        # their check waits for the commit, when the copy holds them again.
        op.execute("PRAGMA defer_foreign_keys = ON")
        with op.batch_alter_table('cases', schema=None) as batch_op:
            batch_op.drop_column('household_id')
    else:
        op.drop_constraint(op.f('fk_cases_household_id_households'), 'cases', type_='foreignkey')
        op.drop_column('cases', 'household_id')
    op.drop_table('households')


# ---------------------------------------------------------------- backfill

def _key():
    key = (context.config.attributes.get("id_digest_key") or os.environ.get("BANGFU_LOOKUP_KEY")
           or os.environ.get("BANGFU_SECRET_KEY"))
    if not key:
        raise RuntimeError("0009_households needs the app's SECRET_KEY to index resident IDs: run "
                           "`bangfu migrate` (or set BANGFU_SECRET_KEY for a bare alembic run)")
    return key.encode() if isinstance(key, str) else key


def _normalise(number):
    return "".join(ch for ch in str(number or "") if ch not in " -").upper()


def _digest(key, number):
    # Must equal bangfu.households.register.id_digest.
    return hmac.new(key, b"bangfu.resident-id:" + _normalise(number).encode(), hashlib.sha256).hexdigest()


def _declaration(state):
    """The latest submitted declaration in a stored workflow state, or None."""
    try:
        data = json.loads(zlib.decompress(state).decode("utf-8"))
    except (zlib.error, ValueError, TypeError):
        return None
    found = []
    for task in (data.get("tasks") or {}).values():
        # SpiffWorkflow keeps a task's data whole on some tasks and as a delta of updates on others.
        for holder in (task.get("data"), (task.get("delta") or {}).get("updates")):
            value = (holder or {}).get("declaration") if isinstance(holder, dict) else None
            if isinstance(value, dict) and value.get("id_number"):
                found.append((task.get("last_state_change") or 0, value))
    value = (data.get("data") or {}).get("declaration")
    if isinstance(value, dict) and value.get("id_number"):
        found.append((float("inf"), value))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _day(instant):
    if instant is None:
        return None
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(CHINA).date()


def _years_later(day, years=1):
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 2, 28)


def _backfill(bind):
    cases = bind.execute(sa.text(
        "SELECT c.id, c.organisation_id, c.status, c.file_number, c.category, c.created_at, c.submitted_at, "
        "c.closed_at, c.workflow_state, c.created_by_id FROM cases c "
        "JOIN process_model_versions v ON v.id = c.process_version_id "
        "JOIN process_models m ON m.id = v.process_model_id "
        "WHERE m.key = 'hardship_assistance' AND c.submitted_at IS NOT NULL ORDER BY c.id")).mappings().all()
    if not cases:
        return
    key = _key()
    households = sa.table(
        'households', *(sa.column(n) for n in (
            'id', 'file_number', 'organisation_id', 'worker_name', 'worker_id_number', 'worker_id_digest',
            'phone', 'employer', 'bank_name', 'bank_account_name', 'bank_card_number', 'category', 'status',
            'exit_reason', 'declared_on', 'filed_on', 'closed_on', 'next_review_due', 'application_case_id',
            'previous_household_id', 'created_at', 'updated_at')))
    members = sa.table('household_members', *(sa.column(n) for n in (
        'household_id', 'position', 'name', 'relation', 'id_number', 'id_digest')))
    changes = sa.table('household_status_changes', *(sa.column(n) for n in (
        'household_id', 'from_status', 'to_status', 'changed_on', 'occurred_at', 'reason', 'actor_id',
        'case_id')))
    latest_open = {}  # worker digest -> (household id, status) of the open one so far
    latest_closed = {}  # worker digest -> id of the latest closed one
    for case in cases:
        declaration = _declaration(case["workflow_state"])
        if declaration is None:
            continue
        filed_at = bind.execute(sa.text(
            "SELECT MAX(occurred_at) FROM case_events WHERE case_id = :id AND action = 'completed' "
            "AND task_name = 'open_file'"), {"id": case["id"]}).scalar()
        declared_on = _day(case["submitted_at"])
        filed_on = _day(filed_at) if case["file_number"] else None
        closed_on = _day(case["closed_at"]) or declared_on
        reason = None
        if case["status"] in UNFILED:
            status, reason = "not_filed", UNFILED[case["status"]]
        elif case["file_number"]:
            status = "filed"
            filed_on = filed_on or closed_on or declared_on
        elif case["status"] in ("active", "incident"):
            status = "declared"
        else:
            status, reason = "not_filed", "ended"
        number = _normalise(declaration.get("id_number"))
        digest = _digest(key, number)
        if status in ("declared", "filed") and digest in latest_open:
            # An older open household of the same worker: close it, the later case is the one that counts.
            old_id, old_status = latest_open.pop(digest)
            bind.execute(households.update().where(households.c.id == old_id).values(
                status="not_filed", exit_reason="ended", closed_on=declared_on, next_review_due=None))
            bind.execute(changes.insert().values(
                household_id=old_id, from_status=old_status, to_status="not_filed", changed_on=declared_on,
                occurred_at=datetime.now(timezone.utc), reason="ended", actor_id=None, case_id=None))
            latest_closed[digest] = old_id
        now = datetime.now(timezone.utc)
        household_id = bind.execute(households.insert().values(
            file_number=case["file_number"], organisation_id=case["organisation_id"],
            worker_name=(declaration.get("name") or "").strip() or "（未填写）", worker_id_number=number,
            worker_id_digest=digest, phone=declaration.get("phone"), employer=declaration.get("employer"),
            bank_name=declaration.get("bank_name"), bank_account_name=declaration.get("bank_account_name"),
            bank_card_number=(declaration.get("bank_card_number") or "").replace(" ", "") or None,
            category=case["category"] if case["file_number"] else None, status=status, exit_reason=reason,
            declared_on=declared_on, filed_on=filed_on,
            closed_on=closed_on if status == "not_filed" else None,
            next_review_due=_years_later(filed_on) if status == "filed" else None,
            application_case_id=case["id"], previous_household_id=latest_closed.get(digest),
            created_at=now, updated_at=now).returning(households.c.id)).scalar()
        for position, member in enumerate(m for m in declaration.get("family_members") or []
                                          if isinstance(m, dict)):
            member_number = _normalise(member.get("id_number")) or None
            bind.execute(members.insert().values(
                household_id=household_id, position=position, name=(member.get("name") or "").strip(),
                relation=member.get("relation"), id_number=member_number,
                id_digest=_digest(key, member_number) if member_number else None))
        history = [(None, "declared", declared_on, None)]
        if filed_on:
            history.append(("declared", "filed", filed_on, None))
        if status == "not_filed":
            history.append((history[-1][1], "not_filed", closed_on, reason))
        for from_status, to_status, on, why in history:
            bind.execute(changes.insert().values(
                household_id=household_id, from_status=from_status, to_status=to_status, changed_on=on,
                occurred_at=now, reason=why, actor_id=None, case_id=case["id"]))
        bind.execute(sa.text("UPDATE cases SET household_id = :h WHERE id = :c"),
                     {"h": household_id, "c": case["id"]})
        if status in ("declared", "filed"):
            latest_open[digest] = (household_id, status)
        else:
            latest_closed[digest] = household_id
