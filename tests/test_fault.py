"""The fault test: three `bangfu serve` processes over one PostgreSQL, clients driving cases through real HTTP,
one server killed with SIGKILL (its whole process group: the arbiter and its workers) while requests are in
flight and then restarted. Clients retry what failed on the connection, as a real client would, on another
server: a declaration under the same Idempotency-Key, a completion as it was. Afterwards nothing acknowledged
is missing, nothing was done twice, each case's history reads in order and `bangfu audit verify` passes.

The retry rules themselves (a declaration's key, a completion already done) are checked first on either
database."""
import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from bangfu import db
from bangfu.audit.models import AuditEntry
from bangfu.cases.models import Case, CaseEvent
from bangfu.demo import declaration
from bangfu.tasks.models import HumanTask
from bangfu.testing import LANE_USER
from test_serve import free_port

SERVERS = 3
CLIENTS = 6
CASES_PER_CLIENT = 3
# Each case: declared by its union, then its declaration, the preliminary review and the assignment completed.
STEPS = ("declaration", "preliminary_review", "assign_third_party")
USERS = ("union1", "supervisor1") + tuple(LANE_USER.values())
KILL_AFTER = CLIENTS * CASES_PER_CLIENT  # acknowledged actions before the kill: about a quarter of the run
DONE_MESSAGE_CODE = "conflict"


def test_a_retried_declaration_with_the_same_key_answers_the_case_it_started(api):
    key = str(uuid.uuid4())
    headers = {"Idempotency-Key": key}
    first = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"}, headers=dict(headers))
    again = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"}, headers=dict(headers))
    other = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"},
                     headers={"Idempotency-Key": str(uuid.uuid4())})
    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert again.get_json()["id"] == first.get_json()["id"] != other.get_json()["id"]
    assert [e["action"] for e in api.case(first.get_json()["id"])["history"]] == ["started"]
    listed = api.get("/api/v1/cases?status=draft", "union1").get_json()
    assert listed["total"] == 2


def test_a_declaration_key_is_the_senders_own_and_well_formed(api):
    key = {"Idempotency-Key": "same-key"}
    first = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"}, headers=dict(key))
    # another union's user sending the same key declares its own household
    theirs = api.post("/api/v1/cases", "union2", json={"process": "hardship_assistance"}, headers=dict(key))
    assert (first.status_code, theirs.status_code) == (201, 201)
    assert theirs.get_json()["id"] != first.get_json()["id"]
    elsewhere = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}, headers=dict(key))
    assert elsewhere.status_code == 409 and "另一流程" in elsewhere.get_json()["error"]["message"]
    bad = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"},
                   headers={"Idempotency-Key": "x" * 65})
    assert bad.status_code == 422
    assert "Idempotency-Key" in json.dumps(bad.get_json(), ensure_ascii=False)


def test_a_retried_completion_already_done_is_a_409_saying_so_and_counts_once(api, replies, rng):
    case_id = api.start()["id"]
    task = api.open_task(case_id, "declaration")
    body = {"data": declaration(rng)}
    first = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json=body)
    again = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json=body)
    assert (first.status_code, again.status_code) == (200, 409)
    assert again.get_json()["error"]["code"] == DONE_MESSAGE_CODE and "已" in again.get_json()["error"]["message"]
    completed = [e for e in api.case(case_id)["history"] if e["action"] == "completed"]
    assert [e["task"] for e in completed] == ["declaration"]


# --- the fault test proper ---------------------------------------------------------------------------------------

class Fleet:
    """The serve processes, each in its own process group so that a SIGKILL takes its workers with it."""

    def __init__(self, env, cwd):
        self.env, self.cwd = env, cwd
        self.ports = [free_port() for _ in range(SERVERS)]
        self.processes = [None] * SERVERS
        self.in_flight = Counter()
        self.lock = threading.Lock()

    def base(self, i):
        return f"http://127.0.0.1:{self.ports[i]}"

    def start(self, i, holding=None):
        """Serve on port i; `holding` (a folder): the server that is killed, holding back the answers (see
        HOLDING)."""
        command = ["-c", HOLDING, str(holding)] if holding else ["-m", "bangfu.cli"]
        self.processes[i] = subprocess.Popen(
            [sys.executable, *command, "serve", "--port", str(self.ports[i]), "--workers", "1", "--threads", "4",
             "--no-scheduler"], env=self.env, cwd=self.cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)

    def wait_ready(self, i, timeout=60):
        deadline = time.monotonic() + timeout  # a hang detector, not a timing
        while True:
            try:
                with urllib.request.urlopen(f"{self.base(i)}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            assert self.processes[i].poll() is None, f"server {i} exited"
            assert time.monotonic() < deadline, f"server {i} never answered"
            time.sleep(0.1)

    def kill(self, i):
        os.killpg(self.processes[i].pid, signal.SIGKILL)
        self.processes[i].wait(timeout=30)

    def stop_all(self):
        for process in self.processes:
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            if process is not None:
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


# `bangfu serve` as the server that is killed. Once the test creates `armed` in the folder, the first declaration
# and the first completion it commits from then on keep their answers back (each thread sleeps after the commit,
# its marker file written): the kill then falls between a commit and its answer, which is what a client cannot
# tell from a command that never ran. Its other threads go on serving.
HOLDING = """
import pathlib, sys, time
from bangfu import unit_of_work
from bangfu.cli import main
folder = pathlib.Path(sys.argv[1])
committed = unit_of_work._attempts
def holding_answer(session, command, args, kwargs):
    result = committed(session, command, args, kwargs)
    name = getattr(command, "__name__", "")
    if name in ("start_case_once", "complete_task") and (folder / "armed").exists():
        try:
            (folder / name).open("x").close()
        except FileExistsError:
            return result
        time.sleep(600)
    return result
unit_of_work._attempts = holding_answer
main(sys.argv[2:])
"""
HELD = ("start_case_once", "complete_task")
LOST = (ConnectionError, http.client.HTTPException, TimeoutError, urllib.error.URLError)


@dataclass
class Journal:
    """What one client saw: acknowledged (2xx) actions, and the requests it had to retry."""
    started: dict = field(default_factory=dict)  # Idempotency-Key -> case id the server acknowledged
    completed: list = field(default_factory=list)  # (case id, step, task id) acknowledged with 200
    done_before: list = field(default_factory=list)  # (case id, step, task id): a retry answered 409 已办理
    replayed: list = field(default_factory=list)  # Idempotency-Keys whose retry answered 200 with the case
    retried: int = 0
    failures: list = field(default_factory=list)


class Client:
    """Drives its cases in turn over the servers, moving on to the next server when a connection fails."""

    def __init__(self, number, fleet, tokens, progress):
        self.number, self.fleet, self.tokens, self.progress = number, fleet, tokens, progress
        self.journal = Journal()
        self.rng = random.Random(number)
        self.server = number % SERVERS

    def send(self, path, user, body, headers=None):
        """POST until a server answers; (status, body, how many tries were lost before). A lost answer is
        retried as it was sent."""
        for attempt in range(100):
            server = self.server
            request = urllib.request.Request(
                f"{self.fleet.base(server)}{path}", data=json.dumps(body).encode(), method="POST",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.tokens[user]}",
                         **(headers or {})})
            with self.fleet.lock:
                self.fleet.in_flight[server] += 1
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return response.status, json.loads(response.read()), attempt
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read()), attempt
            except LOST:
                self.journal.retried += 1
                self.server = (self.server + 1) % SERVERS
                time.sleep(0.05)  # a client's back-off before its retry, not a wait for anything
            finally:
                with self.fleet.lock:
                    self.fleet.in_flight[server] -= 1
        raise AssertionError(f"{path}: no server answered")

    def run(self):
        try:
            for _ in range(CASES_PER_CLIENT):
                self.drive_one()
        except Exception as exc:  # reported by the test, with what the client saw
            self.journal.failures.append(repr(exc))

    def drive_one(self):
        key = str(uuid.uuid4())
        status, body, tries = self.send("/api/v1/cases", "union1", {"process": "hardship_assistance"},
                                        {"Idempotency-Key": key})
        assert status == 201 or (status == 200 and tries > 0), (status, body)
        if status == 200:
            self.journal.replayed.append(key)
        case_id = body["id"]
        self.journal.started[key] = case_id
        self.progress()
        for step in STEPS:
            [task] = [t for t in body["open_tasks"] if t["name"] == step] if step == "declaration" else \
                [t for t in body["next_tasks"] if t["name"] == step]
            data = declaration(self.rng) if step == "declaration" else REPLIES[step]
            status, answer, tries = self.send(f"/api/v1/tasks/{task['id']}/complete", LANE_USER[task["role"]],
                                              {"data": data})
            if status == 409 and tries > 0:  # the first try was committed, its answer lost
                assert answer["error"]["code"] == "conflict", answer
                self.journal.done_before.append((case_id, step, task["id"]))
                body = self.case(case_id)
                body["next_tasks"] = body["open_tasks"]
                continue
            assert status == 200, (step, status, answer)
            self.journal.completed.append((case_id, step, task["id"]))
            self.progress()
            body = answer

    def case(self, case_id):
        for _ in range(100):
            request = urllib.request.Request(f"{self.fleet.base(self.server)}/api/v1/cases/{case_id}",
                                             headers={"Authorization": f"Bearer {self.tokens['supervisor1']}"})
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    return json.loads(response.read())
            except LOST:
                self.server = (self.server + 1) % SERVERS
                time.sleep(0.05)
        raise AssertionError("no server answered")


REPLIES = {}


def test_a_server_killed_mid_run_loses_nothing_acknowledged_and_does_nothing_twice(
        app, api, replies, is_postgres, tmp_path):
    if not is_postgres:
        pytest.skip("several serve processes over one database need PostgreSQL")
    REPLIES.update(replies)
    tokens = {user: api.token(user) for user in set(USERS)}
    env = dict(os.environ, BANGFU_DATABASE_URL=app.config["DATABASE_URL"], BANGFU_SECRET_KEY="s" * 40,
               BANGFU_INSTANCE_PATH=str(tmp_path), BANGFU_LOG_LEVEL="WARNING")
    fleet = Fleet(env, tmp_path)
    acknowledged = threading.Semaphore(0)
    try:
        victim, held = 1, tmp_path / "held"
        held.mkdir()
        for i in range(SERVERS):
            fleet.start(i, holding=held if i == victim else None)
        for i in range(SERVERS):
            fleet.wait_ready(i)
        clients = [Client(n, fleet, tokens, acknowledged.release) for n in range(CLIENTS)]
        threads = [threading.Thread(target=c.run) for c in clients]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120  # a hang detector, not a timing
        for _ in range(KILL_AFTER):
            while not acknowledged.acquire(timeout=0.1):
                assert any(t.is_alive() for t in threads), [c.journal.failures for c in clients]
                assert time.monotonic() < deadline, "the clients stopped making progress"
        (held / "armed").touch()
        deadline = time.monotonic() + 60  # a hang detector: the victim's two clients declare and complete
        while not all((held / name).exists() for name in HELD):
            assert time.monotonic() < deadline, "the server to kill never committed a declaration and a completion"
            time.sleep(0.02)
        in_flight_at_kill = fleet.in_flight[victim]
        fleet.kill(victim)
        fleet.start(victim)
        fleet.wait_ready(victim)
        for t in threads:
            t.join(timeout=180)
        assert not any(t.is_alive() for t in threads), "a client hung"
    finally:
        fleet.stop_all()
    journals = [c.journal for c in clients]
    assert [j.failures for j in journals] == [[]] * CLIENTS
    print(f"in flight on the killed server: {in_flight_at_kill}; retried: {sum(j.retried for j in journals)}")
    assert in_flight_at_kill >= 2
    assert len([key for j in journals for key in j.replayed]) == 1, "the held declaration: answered on its retry"
    assert len([done for j in journals for done in j.done_before]) == 1, "the held completion: 409 on its retry"

    with app.app_context():
        session = db.session()
        cases = dict(session.execute(select(Case.id, Case.request_key)).all())
        events = session.execute(select(CaseEvent.case_id, CaseEvent.action, CaseEvent.task_name)
                                 .order_by(CaseEvent.id)).all()
        tasks = session.execute(select(HumanTask.id, HumanTask.case_id, HumanTask.spec_name, HumanTask.state)).all()
        actions = session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("casework.%"))).all()
        session.rollback()

    sent_keys = {key: case_id for j in journals for key, case_id in j.started.items()}
    assert len(sent_keys) == CLIENTS * CASES_PER_CLIENT
    by_key = Counter(cases.values())
    assert set(by_key) == set(sent_keys) and set(by_key.values()) == {1}, "one case per declaration sent"
    assert {key: case_id for case_id, key in cases.items()} == sent_keys, "each acknowledged case is the one kept"

    history = {case_id: [] for case_id in cases}
    for case_id, action, task_name in events:
        history[case_id].append((action, task_name))
    expected = [("started", None)] + [("completed", step) for step in STEPS]
    for case_id, lines in history.items():
        assert [line for line in lines if line[0] in ("started", "completed")] == expected, (case_id, lines)

    done = {(case_id, step) for j in journals for case_id, step, _ in j.completed + j.done_before}
    assert done == {(case_id, step) for case_id in cases for step in STEPS}, "every completion is in the database"
    states = {task_id: state for task_id, _, _, state in tasks}
    assert all(states[task_id] == "completed" for j in journals for _, _, task_id in j.completed + j.done_before)
    per_step = Counter((case_id, name) for _, case_id, name, _ in tasks)
    assert set(per_step.values()) == {1}, "no step opened twice"
    assert Counter(name for _, _, name, state in tasks if state == "open") == \
        {"household_visit": len(cases), "visit_oversight": len(cases)}, "each case moved on to the visit once"
    assert Counter(actions) == {"casework.commands.start_case": len(cases),
                                "casework.commands.complete_task": len(cases) * len(STEPS)}, "audited once each"

    verified = subprocess.run([sys.executable, "-m", "bangfu.cli", "audit", "verify"], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "审计日志完整" in verified.stdout
