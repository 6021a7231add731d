"""A delegation over by itself after its last day is recorded: the scheduler's nightly job ends it with an
audit entry of its own, once, however many service processes run the job."""
import json
from datetime import datetime, time, timedelta

import pytest

from sqlalchemy import select
from sqlalchemy.orm import Session

from bangfu import clock as service_clock, db
from bangfu.audit.models import AuditEntry
from bangfu.config import LOCAL_TIMEZONE
from bangfu.people.delegations import end_lapsed, end_listed, lapsed
from bangfu.people.models import Delegation
from bangfu.unit_of_work import run_in
from test_roles import _add_user, _delegate


def _lapsed_entries(app):
    def read(session):
        return session.execute(select(AuditEntry.subject_kind, AuditEntry.subject_id, AuditEntry.actor_name,
                                      AuditEntry.detail).where(AuditEntry.action == "delegation_lapsed")).all()
    return run_in(app, read)


def _detail(entry):
    return entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)


def test_the_nightly_job_ends_a_lapsed_delegation_once_with_an_audit_entry(api, app, clock):
    from bangfu.scheduler.tick import tick
    _add_user(api, "center2", "assistance_center")
    today = service_clock.today()
    ending = _delegate(api, "center1", "center2", today, today + timedelta(days=1))
    later = _delegate(api, "center2", "center1", today + timedelta(days=2), today + timedelta(days=9))
    tick(app)  # the job's row: first due at the coming midnight
    assert _lapsed_entries(app) == []

    clock.advance(days=3)  # two midnights after its last day passed: the job fires for each, oldest first
    fired = tick(app)
    assert fired.failures == [] and fired.jobs_fired >= 2
    assert tick(app).jobs_fired == 0
    entries = _lapsed_entries(app)
    assert [(e.subject_kind, e.actor_name, _detail(e)["delegation"], _detail(e)["ends_on"]) for e in entries] == [
        ("user", "system", ending["id"], (today + timedelta(days=1)).isoformat())]
    ended = run_in(app, lambda session: session.get(Delegation, ending["id"]).ended_at)
    assert ended == datetime.combine(today + timedelta(days=2), time(0), LOCAL_TIMEZONE)
    given = api.get("/api/v1/delegations", "center2").get_json()
    assert [d["id"] for d in given["items"]] == [later["id"]] and given["items"][0]["status"] == "生效中"
    assert api.post(f"/api/v1/delegations/{ending['id']}/end", "center1").status_code == 409

    assert run_in(app, end_lapsed) == []  # run again (another process, a later night): nothing new
    assert len(_lapsed_entries(app)) == 1


def test_two_processes_ending_the_same_lapsed_delegation_record_it_once(api, app, clock, is_postgres):
    """Two processes run the check at once: both list the delegation, the first ends it and commits, and the
    second's UPDATE then finds it ended (its condition, checked by the database when it writes), so the second
    writes no entry."""
    if not is_postgres:
        pytest.skip("SQLite has one writer (BEGIN IMMEDIATE): the second lists only after the first commits")
    _add_user(api, "center2", "assistance_center")
    today = service_clock.today()
    delegation = _delegate(api, "center1", "center2", today, today)
    clock.advance(days=1)
    engine = db.engine_of(app)
    with app.app_context(), Session(engine) as first, Session(engine) as second:
        listed = lapsed(second)
        assert [row.id for row in listed] == [delegation["id"]]
        assert end_lapsed(first) == [delegation["id"]]
        first.commit()
        assert end_listed(second, listed) == []
        second.commit()
    assert [_detail(e)["delegation"] for e in _lapsed_entries(app)] == [delegation["id"]]
