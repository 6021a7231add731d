"""The scheduler's due work and its tick, with the settable clock: a case's timer is a row with its due time,
fired once by the tick and shown in the history; recurring jobs and timer start events with cycles fire
once per due time; a firing that fails is neither lost nor retried every tick."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bangfu import db
from bangfu.cases.models import Case
from bangfu.scheduler import jobs, tick as tick_module
from bangfu.scheduler.models import ScheduledFiring, ScheduledJob, Timer
from bangfu.scheduler.tick import MAX_ATTEMPTS, tick
from bangfu.unit_of_work import run_in
from test_migrations import own_database  # noqa: F401 (a fixture)
from test_process_models import upload
from test_timers import oversized_after_timer

DATA = Path(__file__).parent / "data"


def timer_model(duration="P1D"):
    return (DATA / "timer.bpmn").read_text(encoding="utf-8").replace("DURATION", duration).encode()


def cycle_model(cycle):
    return (DATA / "cycle_start.bpmn").read_text(encoding="utf-8").replace("CYCLE", cycle).encode()


def rows(app, model, *where):
    with app.app_context():
        session = db.session()
        try:
            found = session.scalars(select(model).where(*where)).all()
            session.expunge_all()
            return found
        finally:
            session.rollback()


def timer_row(app, case_id):
    found = rows(app, Timer, Timer.case_id == case_id)
    return found[0] if found else None


def history(api, case_id, action):
    return [e for e in api.case(case_id)["history"] if e["action"] == action]


@pytest.fixture(autouse=True)
def only_the_tests_jobs(monkeypatch):
    """These tests count the jobs a tick fires: the domain's own recurring jobs (the annual review's yearly
    start, tested in test_annual_review) are left out of their registry."""
    jobs.registered()  # imports the domain's job modules, which register themselves
    for name in list(jobs._registry):
        monkeypatch.delitem(jobs._registry, name)
    monkeypatch.setattr(jobs, "JOB_MODULES", ())


@pytest.fixture
def waiting(api, clock):
    """Start a case of the timer model (a wait of P1D, then 初审); returns a function giving its id."""
    assert upload(api, timer_model()).status_code == 201

    def start():
        case = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()
        assert case["status"] == "active" and case["open_tasks"] == []
        return case["id"]
    return start


def test_a_waiting_case_has_a_timer_row_with_the_due_time_the_engine_computed(app, clock, waiting):
    started = clock.now()
    case_id = waiting()
    row = timer_row(app, case_id)
    assert row.due_at == started + timedelta(days=1)
    assert row.name == "等待公示期满"


def test_a_timer_not_yet_due_is_left_alone(app, api, clock, waiting):
    case_id = waiting()
    before = api.case(case_id)
    clock.advance(hours=23, minutes=59)
    result = tick(app)
    assert result.timers_fired == 0
    assert api.case(case_id) == before
    assert timer_row(app, case_id) is not None


def test_a_due_timer_fires_once_and_the_history_shows_it_as_the_system(app, api, clock, waiting):
    case_id, other = waiting(), waiting()
    clock.advance(days=1, seconds=1)
    result = tick(app)
    assert result.timers_fired == 2 and result.failures == []
    case = api.case(case_id)
    assert [t["name"] for t in case["open_tasks"]] == ["review"]
    fired = history(api, case_id, "timer_fired")
    assert [(e["actor_name"], e["action_label"], e["task_title"]) for e in fired] == [("系统", "定时器触发", "等待公示期满")]
    assert timer_row(app, case_id) is None, "the case waits on no timer any more"

    clock.advance(days=3)
    assert tick(app).timers_fired == 0
    assert len(history(api, case_id, "timer_fired")) == 1 and len(history(api, other, "timer_fired")) == 1


def test_the_case_page_names_the_timer_that_fired(app, api, clock, waiting):
    from test_pages import Browser
    case_id = waiting()
    clock.advance(days=2)
    tick(app)
    page = Browser(app, "supervisor1").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "定时器触发" in page and "等待公示期满" in page


def test_a_withdrawn_case_has_no_timer_row_and_nothing_fires(app, api, clock, waiting):
    case_id = waiting()
    assert api.post(f"/api/v1/cases/{case_id}/withdraw", "union1").status_code == 200
    assert timer_row(app, case_id) is None
    clock.advance(days=2)
    assert tick(app).timers_fired == 0
    assert history(api, case_id, "timer_fired") == []


def test_a_case_that_ends_keeps_no_timer_row(app, api, clock, waiting):
    case_id = waiting()
    clock.advance(days=2)
    tick(app)
    task = api.case(case_id)["open_tasks"][0]
    done = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                    json={"data": {"decision": "approve"}})
    assert done.status_code == 200, done.get_json()
    assert api.case(case_id)["status"] == "completed"
    assert rows(app, Timer) == []


def test_a_timer_whose_next_steps_fail_makes_an_incident_once_and_is_not_retried(migrated, clock):
    from conftest import Api, make_app, prepare
    app = make_app(migrated, CASE_STATE_KB=64)
    try:
        prepare(app)
        api = Api(app)
        assert upload(api, oversized_after_timer(timer_model())).status_code == 201
        case_id = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()["id"]
        clock.advance(days=2)
        tick(app)
        assert api.case(case_id)["status"] == "incident"
        assert timer_row(app, case_id) is None
        clock.advance(days=2)
        tick(app)
        assert len(history(api, case_id, "incident")) == 1
    finally:
        db.engine_of(app).dispose()


def test_a_firing_that_raises_is_rolled_back_retried_later_and_set_aside_after_repeated_failures(
        app, api, clock, waiting, monkeypatch):
    case_id = waiting()
    clock.advance(days=1, seconds=1)

    def broken(session, services, row):
        from bangfu.casework.commands import fire_timers
        fire_timers(session, services, row.case_id)
        raise RuntimeError("broken after doing its work")
    monkeypatch.setattr(tick_module, "_fire_timer", broken)

    result = tick(app)
    assert result.timers_fired == 0 and result.failures == [(case_id, "RuntimeError")]
    assert api.case(case_id)["open_tasks"] == [] and history(api, case_id, "timer_fired") == [], "rolled back"
    row = timer_row(app, case_id)
    assert row.attempts == 1 and row.due_at > clock.now(), "pushed back, not due again at once"
    assert tick(app).failures == [], "the next tick does not retry it straight away"

    for attempt in range(2, MAX_ATTEMPTS + 1):
        clock.advance(hours=2)
        assert tick(app).failures == [(case_id, "RuntimeError")]
    case = api.case(case_id)
    assert case["status"] == "incident" and f"连续 {MAX_ATTEMPTS} 次失败" in case["incident"]
    assert timer_row(app, case_id) is None
    clock.advance(days=1)
    assert tick(app).failures == []


def test_a_timer_that_fails_once_fires_on_a_later_tick(app, api, clock, waiting, monkeypatch):
    case_id = waiting()
    clock.advance(days=1, seconds=1)
    original = tick_module._fire_timer
    calls = []

    def flaky(session, services, row):
        calls.append(row.case_id)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        original(session, services, row)
    monkeypatch.setattr(tick_module, "_fire_timer", flaky)
    assert tick(app).failures == [(case_id, "RuntimeError")]
    clock.advance(minutes=1)
    assert tick(app).timers_fired == 1
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["review"]
    assert len(history(api, case_id, "timer_fired")) == 1


# Recurring jobs


@pytest.fixture
def daily_job(clock):
    """A job registered for the test: first due tomorrow at 09:00 UTC, then daily; it records its due times."""
    fired = []
    first = (clock.now() + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)

    def run(session, services, due_at):
        fired.append(due_at)
    jobs.register(jobs.Job("test_daily", first_due=lambda now: first, next_due=lambda due: due + timedelta(days=1),
                           run=run))
    yield fired, first
    jobs.unregister("test_daily")


def test_a_recurring_job_fires_once_per_due_time(app, clock, daily_job):
    fired, first = daily_job
    assert tick(app).jobs_fired == 0 and fired == []
    clock.set_to(first + timedelta(seconds=1))
    assert tick(app).jobs_fired == 1
    assert tick(app).jobs_fired == 0, "fired for this due time already"
    clock.set_to(first + timedelta(days=1, seconds=1))
    tick(app)
    assert fired == [first, first + timedelta(days=1)]
    row = rows(app, ScheduledJob, ScheduledJob.name == "test_daily")[0]
    assert (row.last_fired_at, row.next_due_at) == (first + timedelta(days=1), first + timedelta(days=2))
    assert [f.due_at for f in rows(app, ScheduledFiring)] == fired


def test_a_job_missed_while_no_scheduler_ran_fires_once_for_each_due_time(app, clock, daily_job):
    fired, first = daily_job
    tick(app)
    clock.set_to(first + timedelta(days=2, hours=1))
    tick(app)
    tick(app)  # the tick's cursor leaves a job still due after firing for the next tick
    tick(app)
    assert fired == [first, first + timedelta(days=1), first + timedelta(days=2)]


def test_the_database_refuses_a_second_firing_for_the_same_due_time(app, clock, daily_job):
    fired, first = daily_job
    tick(app)
    clock.set_to(first + timedelta(seconds=1))
    tick(app)

    def again(session):
        session.add(ScheduledFiring(job_name="test_daily", due_at=first, fired_at=clock.now()))
        session.flush()
    with pytest.raises(IntegrityError):
        run_in(app, again)

    def rewind(session):  # a row put back to a due time already fired (say, restored from a backup)
        session.get(ScheduledJob, "test_daily").next_due_at = first
        session.flush()
    run_in(app, rewind)
    tick(app)
    assert fired == [first], "the firing row says it ran: it is not run again"


def test_a_failing_job_keeps_its_due_time_and_stops_after_repeated_failures(app, clock, daily_job):
    fired, first = daily_job
    tick(app)
    attempts = []

    def failing(session, services, due_at):
        attempts.append(due_at)
        raise RuntimeError("cannot")
    jobs.register(jobs.Job("test_daily", first_due=lambda now: first, next_due=lambda due: due + timedelta(days=1),
                           run=failing))
    clock.set_to(first + timedelta(seconds=1))
    assert tick(app).failures == [("test_daily", "RuntimeError")]
    assert tick(app).failures == [], "pushed back, not retried every tick"
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(hours=2)
        tick(app)
    assert attempts == [first] * MAX_ATTEMPTS, "every retry is for the same due time"
    row = rows(app, ScheduledJob, ScheduledJob.name == "test_daily")[0]
    assert row.next_due_at is None and row.attempts == MAX_ATTEMPTS and "RuntimeError" in row.last_error
    clock.advance(days=3)
    assert tick(app).failures == []


# Timer start events with cycles


def cases_of(app, key):
    from bangfu.process_models.models import ProcessModel, ProcessModelVersion
    with app.app_context():
        session = db.session()
        try:
            found = session.scalars(select(Case).join(ProcessModelVersion).join(ProcessModel)
                                    .where(ProcessModel.key == key).order_by(Case.id)).all()
            session.expunge_all()
            return found
        finally:
            session.rollback()


def test_a_yearly_start_event_starts_one_case_a_year_as_the_system_in_the_centre(app, api, clock):
    clock.set_to(datetime(2026, 3, 1, 1, 0, tzinfo=timezone.utc))
    assert upload(api, cycle_model("R/P1Y")).status_code == 201
    row = rows(app, ScheduledJob, ScheduledJob.name == "start:yearly_check")[0]
    assert row.next_due_at == datetime(2027, 3, 1, 1, 0, tzinfo=timezone.utc)

    clock.set_to(datetime(2027, 2, 28, 23, 0, tzinfo=timezone.utc))
    assert tick(app).jobs_fired == 0 and cases_of(app, "yearly_check") == []
    clock.set_to(datetime(2027, 3, 1, 1, 0, 5, tzinfo=timezone.utc))
    assert tick(app).jobs_fired == 1
    assert tick(app).jobs_fired == 0
    [case] = cases_of(app, "yearly_check")
    seen = api.case(case.id, "center1")
    assert seen["status"] == "active" and [t["name"] for t in seen["open_tasks"]] == ["check"]
    started = history(api, case.id, "scheduled_start")
    assert [(e["actor_name"], e["action_label"]) for e in started] == [("系统", "定时发起")]
    assert api.get(f"/api/v1/cases/{case.id}", "union1").status_code in (403, 404), "the centre's, not a union's"
    listed = api.get("/api/v1/cases", "center1").get_json()["items"]
    assert [c["id"] for c in listed] == [case.id], "listed as a case, not hidden as a draft nobody submitted"

    clock.set_to(datetime(2028, 3, 1, 1, 0, 5, tzinfo=timezone.utc))
    tick(app)
    tick(app)
    assert len(cases_of(app, "yearly_check")) == 2
    assert [f.due_at.year for f in rows(app, ScheduledFiring)] == [2027, 2028]

    def rewind(session):  # as if a stale process still saw the 2028 start as due
        row = session.get(ScheduledJob, "start:yearly_check")
        row.next_due_at = datetime(2028, 3, 1, 1, 0, tzinfo=timezone.utc)
        session.flush()
    run_in(app, rewind)
    tick(app)
    assert len(cases_of(app, "yearly_check")) == 2, "2028's case was started already: never twice"
    assert rows(app, ScheduledJob)[0].next_due_at == datetime(2029, 3, 1, 1, 0, tzinfo=timezone.utc)


def test_a_counted_cycle_starts_as_many_cases_as_it_says_and_no_more(app, api, clock):
    clock.set_to(datetime(2026, 12, 30, tzinfo=timezone.utc))
    assert upload(api, cycle_model("R3/2027-01-01T09:00:00+08:00/P1D")).status_code == 201
    for day in range(1, 6):
        clock.set_to(datetime(2027, 1, day, 1, 0, 1, tzinfo=timezone.utc))
        tick(app)
    assert len(cases_of(app, "yearly_check")) == 3
    assert sorted(f.due_at.day for f in rows(app, ScheduledFiring)) == [1, 2, 3]


def test_redeploying_the_same_cycle_keeps_the_schedule_and_a_model_without_one_removes_it(app, api, clock):
    assert upload(api, cycle_model("R/P1Y")).status_code == 201
    due = rows(app, ScheduledJob)[0].next_due_at
    clock.advance(days=30)
    assert upload(api, cycle_model("R/P1Y").replace(b"\xe5\xb9\xb4\xe5\xba\xa6\xe6\xa0\xb8\xe6\x9f\xa5\"",
                                                   "年度复核\"".encode())).status_code == 201
    assert rows(app, ScheduledJob)[0].next_due_at == due
    assert upload(api, cycle_model("R/P1M")).status_code == 201
    assert rows(app, ScheduledJob)[0].cycle == "R/P1M"
    plain = (DATA / "cycle_start.bpmn").read_text(encoding="utf-8")
    start, end = plain.index("<bpmn:timerEventDefinition"), plain.index("</bpmn:timerEventDefinition>")
    plain = plain[:start] + plain[end + len("</bpmn:timerEventDefinition>"):]
    assert upload(api, plain.encode()).status_code == 201
    assert rows(app, ScheduledJob) == []


def test_a_start_cycle_that_is_no_repeating_interval_is_refused_naming_the_start_event(app, api):
    response = upload(api, cycle_model("P1Y"))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "start" in fields and "定时器循环“P1Y”无效" in fields["start"][0]
    assert rows(app, ScheduledJob) == []


def test_a_user_starting_a_cycle_model_gets_a_case_at_once(app, api):
    assert upload(api, cycle_model("R/P1Y")).status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "yearly_check"}).get_json()
    assert [t["name"] for t in case["open_tasks"]] == ["check"], "the start event does not wait a year"


def test_a_boundary_timer_on_a_user_task_has_a_row_until_the_task_is_done_and_fires_when_it_is_not(
        app, api, clock):
    assert upload(api, (DATA / "boundary_timer.bpmn").read_bytes()).status_code == 201
    started = clock.now()
    done_in_time = api.post("/api/v1/cases", "union1", json={"process": "boundary_wait"}).get_json()
    late = api.post("/api/v1/cases", "union1", json={"process": "boundary_wait"}).get_json()
    assert timer_row(app, late["id"]).due_at == started + timedelta(hours=1)
    assert timer_row(app, late["id"]).name == "初审超时"

    task = done_in_time["open_tasks"][0]
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                    json={"data": {"decision": "approve"}}).status_code == 200
    assert timer_row(app, done_in_time["id"]) is None, "the task is done: its boundary timer is gone"

    clock.advance(hours=1, seconds=1)
    assert tick(app).timers_fired == 1
    case = api.case(late["id"])
    assert [t["name"] for t in case["open_tasks"]] == ["urge"]
    assert [e["task_title"] for e in history(api, late["id"], "timer_fired")] == ["初审超时"]
    assert api.case(done_in_time["id"])["status"] == "completed"


def test_a_case_waiting_on_a_timer_before_the_scheduler_existed_gets_a_row_and_fires(own_database, clock):
    """Migration 0007: a running case of a model with timers gets a row due at once; the first tick
    rewrites it with the real due time, and the timer fires when that comes."""
    from alembic import command
    from test_migrations import _alembic
    from test_process_models import script_model

    from conftest import Api, make_app, INSTANCE_DIR
    from bangfu import testing
    from bangfu.migrate import upgrade
    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    try:
        upgrade(app)
        testing.populate(app)
        api = Api(app)
        assert upload(api, timer_model()).status_code == 201
        started = clock.now()
        case_id = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()["id"]
        assert upload(api, script_model()).status_code == 201
        plain = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
        db.engine_of(app).dispose()
        _alembic(own_database, command.downgrade, "0005")
        _alembic(own_database, command.upgrade, "head")
        assert timer_row(app, plain) is None, "a model without timers: no row"
        assert timer_row(app, case_id).due_at <= clock.now()
        assert tick(app).timers_fired == 1  # looked at: nothing was due yet
        assert timer_row(app, case_id).due_at == started + timedelta(days=1)
        assert api.case(case_id)["open_tasks"] == [] and history(api, case_id, "timer_fired") == []
        clock.advance(days=1, seconds=1)
        tick(app)
        assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["review"]
    finally:
        db.engine_of(app).dispose()


def test_a_case_another_transaction_holds_is_skipped_by_the_tick_and_fired_by_the_next(
        app, api, clock, waiting, is_postgres):
    """A command on the case holds its row while it writes the timer row: waiting for it could deadlock
    (it takes the case then the timer row, a firing the timer row then the case), so the tick leaves the
    case to the next tick instead of counting a failure."""
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")
    from sqlalchemy import text
    case_id = waiting()
    clock.advance(days=1, seconds=1)
    with db.engine_of(app).connect() as other:
        other.execute(text("SELECT id FROM cases WHERE id = :id FOR UPDATE"), {"id": case_id})
        result = tick(app)
        assert (result.timers_fired, result.failures) == (0, [])
        other.rollback()
    assert timer_row(app, case_id).attempts == 0
    assert tick(app).timers_fired == 1
    assert len(history(api, case_id, "timer_fired")) == 1


def test_a_task_being_completed_while_its_boundary_timer_falls_due_is_left_to_the_completion(
        app, api, clock, is_postgres):
    """A completion holds its task row, then writes the case: a firing that waited for the task row would
    deadlock with it. The tick skips the case while the task row is held; the completion wins, and its
    case no longer waits on the timer."""
    if not is_postgres:
        pytest.skip("row locks are PostgreSQL's; SQLite has one writer")
    from sqlalchemy import text
    assert upload(api, (DATA / "boundary_timer.bpmn").read_bytes()).status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "boundary_wait"}).get_json()
    clock.advance(hours=1, seconds=1)
    with db.engine_of(app).connect() as other:
        other.execute(text("UPDATE human_tasks SET assignee_id = assignee_id WHERE case_id = :id"),
                      {"id": case["id"]})
        result = tick(app)
        assert (result.timers_fired, result.failures) == (0, [])
        other.rollback()
    task = case["open_tasks"][0]
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                    json={"data": {"decision": "approve"}}).status_code == 200
    assert timer_row(app, case["id"]) is None
    assert tick(app).timers_fired == 0
    assert api.case(case["id"])["status"] == "completed" and history(api, case["id"], "timer_fired") == []


def test_completions_racing_their_boundary_timers_each_end_one_way_without_an_error(app, api, clock, server):
    """Users complete their reviews over HTTP while the tick fires the reviews' boundary timers, all due:
    for each case exactly one of them wins (the review done, or the timer fired and the review withdrawn),
    never both, never a server error or a failed firing."""
    import threading
    from http_helpers import post_json as _post
    assert upload(api, (DATA / "boundary_timer.bpmn").read_bytes()).status_code == 201
    cases = [api.post("/api/v1/cases", "union1", json={"process": "boundary_wait"}).get_json() for _ in range(12)]
    token = api.token("union1")
    clock.advance(hours=1, seconds=1)
    statuses, failures = {}, []
    start = threading.Barrier(3)

    def complete(batch):
        start.wait()
        for case in batch:
            task = case["open_tasks"][0]
            statuses[case["id"]] = _post(f"{server}/api/v1/tasks/{task['id']}/complete", token,
                                         {"data": {"decision": "approve"}})[0]

    def ticking():
        start.wait()
        for _ in range(5):
            failures.extend(tick(app).failures)
    threads = [threading.Thread(target=complete, args=(cases[i::2],)) for i in range(2)]
    threads.append(threading.Thread(target=ticking))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failures.extend(tick(app).failures)

    assert failures == [] and set(statuses.values()) <= {200, 409}
    for case in cases:
        seen = api.case(case["id"])
        fired = len(history(api, case["id"], "timer_fired"))
        if statuses[case["id"]] == 200:
            assert (seen["status"], fired) == ("completed", 0)
        else:
            assert fired == 1 and [t["name"] for t in seen["open_tasks"]] == ["urge"]
    assert rows(app, Timer) == []
