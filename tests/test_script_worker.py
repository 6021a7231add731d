"""Designers' code that is not a cheap condition runs in a worker process bounded by OS limits.

Each test bounds its own run with a thread join (a hang detector, far above what the limits allow) instead of
timing anything; limits are what stop the scripts.
"""
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from bangfu.engine.sandbox import SandboxEnvironment, ScriptLimit, ScriptTimeout, is_cheap
from bangfu.engine.script_pool import WorkerPool
from bangfu.testing import pay_case_through_batch
from test_process_models import script_model, upload

HANG = 15  # seconds: only a hang gets near this


@pytest.fixture
def pool():
    pool = WorkerPool(memory_mb=256)
    yield pool
    pool.close()


def cpu_ticks(pid):
    """User plus system CPU time of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def sandbox(pool, timeout=1.0):
    return SandboxEnvironment(timeout=timeout, pool=pool)


def outcome(call):
    """Run `call` in a thread and return what it returned or raised; fail if it hangs."""
    box = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), f"still running after {HANG} s"
    return box.get("error", box.get("value"))


def peak_rss_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # resets VmHWM to the current resident size
    except OSError:
        pass
    return peak_rss_mb()


def reaped(pid):
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("script", [
    "x = [[0] * 1000 for i in range(20000)]",
    "x = ''.join(['a' * 99999] * 99999)",
    "x = f'{1:>1000000000}'",
    "l = [0]\nwhile True:\n    l = l + l",
    "l = []\nfor i in range(99999):\n    l.append('x' * 99999)",
])
def test_a_memory_bomb_ends_in_a_limit_and_this_process_does_not_grow(pool, script):
    before = reset_peak_rss()
    error = outcome(lambda: sandbox(pool).execute(script, {}))
    assert isinstance(error, (ScriptLimit, ScriptTimeout)), error
    assert peak_rss_mb() - before < 100


def test_running_out_of_memory_is_reported_as_a_memory_limit_and_the_worker_replaced(pool):
    error = outcome(lambda: sandbox(pool).execute("l = []\nwhile True:\n    l.append('x' * 99999)", {}))
    assert isinstance(error, ScriptLimit) and "内存超过 256 MB" in str(error)
    data = {}
    sandbox(pool).execute("total = sum([1, 2, 3])", data)
    assert data == {"total": 6} and pool.started == 2


@pytest.mark.parametrize("script", ["while True: pass", "n = 0\nwhile True:\n    n += 1"])
def test_an_endless_loop_ends_in_a_timeout(pool, script):
    assert isinstance(outcome(lambda: sandbox(pool, timeout=0.2).execute(script, {})), ScriptTimeout)


def test_cpu_spent_inside_one_builtin_call_is_bounded_by_the_cpu_limit(pool):
    """No Python line runs during this call, so only the worker's RLIMIT_CPU can stop it."""
    error = outcome(lambda: sandbox(pool, timeout=0.2).execute("n = sum(map(sum, [range(99999)] * 99999))", {}))
    assert isinstance(error, ScriptTimeout)


def test_a_worker_that_stops_answering_is_killed_at_the_wall_clock_deadline(pool):
    sandbox(pool).execute("x = 1 + 1", {})
    (pid,) = pool.pids()
    os.kill(pid, signal.SIGSTOP)  # uses no CPU, so only the parent's deadline can end the call
    error = outcome(lambda: sandbox(pool, timeout=0.2).execute("x = 1 + 1", {}))
    assert isinstance(error, ScriptTimeout)
    assert pool.pids() == [] and reaped(pid)


def test_a_worker_killed_mid_call_gives_a_clear_error_and_the_next_call_works(pool):
    sandbox(pool).execute("x = 1 + 1", {})
    (pid,) = pool.pids()
    result = {}
    thread = threading.Thread(target=lambda: result.update(error=outcome(
        lambda: sandbox(pool, timeout=10).execute("n = 0\nwhile True:\n    n += 1", {}))))
    idle_cpu = cpu_ticks(pid)
    thread.start()
    deadline = time.monotonic() + HANG
    while cpu_ticks(pid) < idle_cpu + 2:  # an idle worker sleeps in read; only the loop burns CPU
        assert time.monotonic() < deadline, "the worker never started the script"
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    thread.join(HANG)
    error = result["error"]
    assert isinstance(error, ScriptLimit) and "意外退出" in str(error) and "SIGKILL" in str(error)
    data = {}
    sandbox(pool).execute("total = sum([1, 2, 3])", data)
    assert data == {"total": 6}
    assert pid not in pool.pids() and reaped(pid)


def test_a_huge_result_is_refused_without_being_read(pool):
    error = outcome(lambda: sandbox(pool).execute("x = ['a' * 99999 for i in range(99)]", {}))
    assert isinstance(error, ScriptLimit) and "4 MB" in str(error)
    small = WorkerPool(memory_mb=256, reply_limit=1000)
    try:
        assert isinstance(outcome(lambda: sandbox(small).execute("x = 'a' * 5000", {})), ScriptLimit)
    finally:
        small.close()


def test_threads_calling_at_once_each_get_their_own_result():
    pool = WorkerPool(memory_mb=256, size=3)
    start = threading.Barrier(8)
    results = {}

    def work(k):
        data = {"members": list(range(100)), "k": k}
        start.wait()
        sandbox(pool).execute("total = sum([m * k for m in members])", data)
        results[k] = data["total"]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(HANG)
        assert results == {k: 4950 * k for k in range(8)}
        assert 1 <= pool.started <= 3
    finally:
        pool.close()


def test_simple_conditions_stay_in_process_and_the_rest_go_to_a_worker(pool):
    env = sandbox(pool)
    data = {"review": {"decision": "approve", "score": 3}, "total": 6, "tags": ["a"]}
    for condition in ['review["decision"] == "approve"', "total == 6 and not review['score'] < 2",
                      'review["decision"] in ("approve", "return")', "len(tags) > 0", "-1 < total"]:
        assert env.evaluate(condition, data) is True
    assert pool.started == 0
    assert env.evaluate("sum([m for m in tags * 2]) == 0", {"tags": [0]}) is True
    assert pool.started == 1


def test_every_condition_of_the_bundled_model_takes_the_fast_path():
    text = (Path(__file__).parent.parent / "bpmn" / "hardship_assistance.bpmn").read_text(encoding="utf-8")
    conditions = re.findall(r"<bpmn:conditionExpression[^>]*>([^<]*)<", text)
    assert conditions and all(is_cheap(c.replace("&#34;", '"').replace("&quot;", '"')) for c in conditions)


def test_a_hardship_case_runs_to_payment_without_a_worker(api, case_at, replies, monkeypatch):
    calls = []
    monkeypatch.setattr(WorkerPool, "run", lambda self, payload, timeout: calls.append(payload))
    case_id = case_at("payment")
    pay_case_through_batch(api.app, case_id)
    assert api.case(case_id)["status"] == "paid"
    assert calls == []


def test_a_model_whose_script_blows_memory_puts_the_case_in_incident_within_seconds(api):
    assert upload(api, script_model(script="x = [[0] * 1000 for i in range(20000)]")).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    outcome(lambda: api.complete(case_id, "review", {"decision": "approve"}))
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert "计算" in case["incident"] and "已中止" in case["incident"]


def test_a_script_error_in_the_worker_keeps_its_class_message_and_line(pool):
    """SpiffWorkflow names the failing line of a script from the traceback, as it did in-process."""
    script = "a = 1\nb = a / 0"
    engine = PythonScriptEngine(environment=sandbox(pool))
    try:
        sandbox(pool).execute(script, {})
    except ZeroDivisionError as exc:
        assert str(exc) == "division by zero"
        assert engine.get_error_line_number_and_content(script, exc) == (2, "b = a / 0")
    else:
        pytest.fail("the script's ZeroDivisionError was not raised")


def test_only_the_data_a_script_changes_is_written_back(pool):
    members, untouched = [1, 2], {"kept": 1}
    data = {"members": members, "other": untouched, "stale": 0, "tags": ["a"]}
    sandbox(pool).execute("total = sum(members)\ndel stale\ntags.append('b')", data)
    assert data == {"members": [1, 2], "other": {"kept": 1}, "tags": ["a", "b"], "total": 3}
    assert data["members"] is members and data["other"] is untouched


def test_a_forked_child_starts_its_own_workers(pool):
    sandbox(pool).execute("x = 1", {})
    parent_workers = pool.pids()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            data = {}
            sandbox(pool).execute("x = 2", data)
            os.write(write, f"{data['x']} {pool.pids()[0]}".encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as reply:
        value, child_worker = reply.read().split()
    os.waitpid(child, 0)
    assert value == "2" and int(child_worker) not in parent_workers
    assert pool.pids() == parent_workers
    data = {}
    sandbox(pool).execute("x = 3", data)
    assert data == {"x": 3}


def test_workers_exit_when_their_parent_goes_away():
    program = textwrap.dedent("""
        import os, sys
        from bangfu.engine.sandbox import SandboxEnvironment
        env = SandboxEnvironment()
        env.execute("x = 1 + 1", {})
        print(env.pool.pids()[0], flush=True)
        os.kill(os.getpid(), 9)
    """)
    parent = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=HANG)
    worker = int(parent.stdout)
    waited = threading.Event()
    for _ in range(HANG * 50):  # polls /proc until the worker has exited (gone, or a zombie of init)
        try:
            with open(f"/proc/{worker}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except FileNotFoundError:
            break
        waited.wait(0.02)
    else:
        pytest.fail(f"worker {worker} still running after its parent was killed")


def test_closing_the_pool_stops_and_reaps_every_worker():
    pool = WorkerPool(memory_mb=256)
    sandbox(pool).execute("x = 1", {})
    (pid,) = pool.pids()
    pool.close()
    assert pool.pids() == [] and reaped(pid)
