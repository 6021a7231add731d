"""The scheduler as real OS processes: several over one PostgreSQL fire each due timer exactly once; one
killed with SIGKILL in the middle of a firing leaves nothing half-done and the timer fires after a restart;
`bangfu serve` runs a real two-second timer past its time (the one test that waits on the wall clock)."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bangfu import db
from bangfu.cases.models import Case, CaseEvent
from bangfu.scheduler.models import Timer
from bangfu.unit_of_work import run_in
from test_process_models import upload
from test_scheduler import timer_model
from test_serve import children, free_port

SCHEDULERS = 3
DUE_TIMERS = 500


def environment(app, tmp_path, **extra):
    return dict(os.environ, **{"BANGFU_DATABASE_URL": app.config["DATABASE_URL"], "BANGFU_SECRET_KEY": "s" * 40,
                               "BANGFU_INSTANCE_PATH": str(tmp_path), "BANGFU_LOG_LEVEL": "WARNING", **extra})


def waiting_cases(app, api, clock, count):
    """`count` cases waiting on a timer that fell due an hour ago: one started through the API, the others
    copies of its row (the same workflow state) with their own timer rows."""
    assert upload(api, timer_model("PT1M")).status_code == 201
    clock.set_to(clock.now() - timedelta(hours=1))
    first = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()["id"]
    clock.reset()

    def copy(session):
        template = session.get(Case, first)
        due = session.get(Timer, first).due_at
        copies = [Case(process_version_id=template.process_version_id, organisation_id=template.organisation_id,
                       created_by_id=template.created_by_id, status=template.status, created_at=template.created_at,
                       updated_at=template.updated_at, workflow_state=template.workflow_state, reference=f"T{i:06d}")
                  for i in range(count - 1)]
        session.add_all(copies)
        session.flush()
        session.add_all(Timer(case_id=c.id, due_at=due, name="等待公示期满", attempts=0) for c in copies)
        session.flush()
        return [first] + [c.id for c in copies]
    return run_in(app, copy)


def fired_per_case(app):
    with app.app_context():
        session = db.session()
        try:
            counted = dict(session.execute(select(CaseEvent.case_id, func.count()).where(
                CaseEvent.action == "timer_fired").group_by(CaseEvent.case_id)).all())
            moved = set(session.scalars(select(Case.id).where(Case.stage == "初审")))
            left = session.scalar(select(func.count()).select_from(Timer))
            return counted, moved, left
        finally:
            session.rollback()


def test_three_scheduler_processes_fire_each_of_500_due_timers_exactly_once(app, api, clock, is_postgres, tmp_path):
    if not is_postgres:
        pytest.skip("several scheduler processes need PostgreSQL (SQLite has one writer)")
    case_ids = waiting_cases(app, api, clock, DUE_TIMERS)
    env = environment(app, tmp_path)
    processes = [subprocess.Popen([sys.executable, "-m", "bangfu.cli", "scheduler", "--once"], env=env,
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for _ in range(SCHEDULERS)]
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * SCHEDULERS, outputs
    fired = [int(out.split("已触发定时器 ")[1].split(" ")[0]) for out in outputs]
    counted, moved, left = fired_per_case(app)
    assert sum(fired) == DUE_TIMERS
    assert sorted(counted) == sorted(case_ids) and set(counted.values()) == {1}, "each case's history: once"
    assert moved == set(case_ids) and left == 0
    print("firings per process:", fired)


RUNNER = """
import sys, time, pathlib
from bangfu import create_app
from bangfu.scheduler import tick
marker = pathlib.Path(sys.argv[1])
def pause():  # the firing's work is done and flushed, its transaction not yet committed
    marker.write_text("firing")
    time.sleep(600)
tick.before_commit = pause
tick.tick(create_app())
"""


def test_a_scheduler_killed_in_the_middle_of_a_firing_leaves_nothing_half_done(app, api, clock, tmp_path):
    [case_id] = waiting_cases(app, api, clock, 1)
    before = api.case(case_id)
    marker = tmp_path / "firing"
    env = environment(app, tmp_path)
    doomed = subprocess.Popen([sys.executable, "-c", RUNNER, str(marker)], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 120  # a hang detector, not a timing
    while not marker.exists():
        assert doomed.poll() is None, doomed.stdout.read()
        assert time.monotonic() < deadline, "the firing never reached its commit"
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)

    assert api.case(case_id) == before, "nothing of the killed firing was kept"
    counted, moved, left = fired_per_case(app)
    assert counted == {} and left == 1, "the timer is still due"

    deadline = time.monotonic() + 60
    while True:  # the database notices the killed connection and releases its row lock
        restarted = subprocess.run([sys.executable, "-m", "bangfu.cli", "scheduler", "--once"], env=env,
                                   cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert restarted.returncode == 0, restarted.stderr
        if "fired 1 timer" in restarted.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    counted, moved, left = fired_per_case(app)
    assert counted == {case_id: 1} and moved == {case_id} and left == 0
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["review"]


def test_a_dedicated_scheduler_fires_what_is_due_and_exits_cleanly_on_sigterm(app, api, clock, tmp_path):
    [case_id] = waiting_cases(app, api, clock, 1)
    env = environment(app, tmp_path, BANGFU_SCHEDULER_INTERVAL="0.5", BANGFU_LOG_LEVEL="INFO")
    scheduler = subprocess.Popen([sys.executable, "-m", "bangfu.cli", "scheduler"], env=env, cwd=tmp_path,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60  # a hang detector: the timer is due already
        while fired_per_case(app)[0] != {case_id: 1}:
            assert scheduler.poll() is None, scheduler.stdout.read()
            assert time.monotonic() < deadline, "the scheduler never fired the due timer"
            time.sleep(0.1)
    finally:
        scheduler.send_signal(signal.SIGTERM)
        output = scheduler.communicate(timeout=60)[0]
    assert scheduler.returncode == 0, output
    assert "scheduler stopped" in output and "Traceback" not in output


def _json(url, token=None, body=None):
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_serve_runs_a_real_two_second_timer_past_its_time_and_stops_its_scheduler_on_sigterm(app, api, tmp_path):
    assert upload(api, timer_model("PT2S")).status_code == 201
    port = free_port()
    env = environment(app, tmp_path, BANGFU_SCHEDULER_INTERVAL="0.5")
    server = subprocess.Popen([sys.executable, "-m", "bangfu.cli", "serve", "--port", str(port), "--threads", "2"],
                              env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # waits for the server to bind: a hang detector, not a timing
            try:
                _json(f"{base}/healthz")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline
                time.sleep(0.1)
        union = _json(f"{base}/api/v1/auth/token", body={"username": "union1", "password": "union1-secret"})["token"]
        case = _json(f"{base}/api/v1/cases", union, {"process": "timer_wait"})
        assert case["open_tasks"] == []
        started = time.monotonic()
        while not case["open_tasks"]:
            assert time.monotonic() - started < 30, "the timer did not fire"
            time.sleep(0.2)
            case = _json(f"{base}/api/v1/cases/{case['id']}", union)
        assert time.monotonic() - started >= 1.5, "not before its time"
        assert [t["name"] for t in case["open_tasks"]] == ["review"]
        assert [(e["action"], e["actor_name"]) for e in case["history"] if e["action"] == "timer_fired"] == \
            [("timer_fired", "系统")]
        scheduler = [pid for pid in children(server.pid)
                     if b"\0bangfu.cli\0scheduler" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(scheduler) == 1, "one scheduler process beside the workers"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not Path(f"/proc/{scheduler[0]}").exists() or \
        Path(f"/proc/{scheduler[0]}/stat").read_text().split(") ")[1].startswith("Z"), "the scheduler stopped too"
