"""End-to-end case throughput: the service over HTTP vs. bare SpiffWorkflow with a naive JSON round trip.

    python bench/cases.py --cases 50 [--profile] [--profile-cases 5] [--seed 7]

Service side: a fresh SQLite file (migrate.upgrade, deploy, organisations, users with the
"fast" hash profile, bearer tokens), then per case POST /api/v1/cases and, for every open task
(from the start response, then from each completion's next_tasks), POST /api/v1/tasks/{id}/complete as the lane's
user, all through the in-process Flask test client. Each completion is timed on its own.

Engine side (the baseline): the same BPMN parsed once with SpiffBpmnParser; per case a
BpmnWorkflow with the default PythonScriptEngine, each READY manual task completed with the same
data stored as task.data[task_spec.name] = data, then do_engine_steps, and after the start and
after every task a full serialize_json + deserialize_json of the whole workflow, spec included
(BpmnWorkflowSerializer over SPIFF_CONFIG) -- what a naive service storing the workflow would do.

The two sides run interleaved (case i on the service, then case i on the engine) so that other
load on the machine affects both alike. Cases/second counts everything a client does for a case: for the service the start, and the completions; for the engine the start, the steps and the round trips.
The last line is `throughput ratio service/engine: X`.
"""
import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (  # noqa: E402
    BPMN, LANE_USER, ORDER, PROCESS, Client, check, make_app, percentile, print_machine, summary, without_bank,
)
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer  # noqa: E402
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow  # noqa: E402
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser  # noqa: E402
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG  # noqa: E402
from SpiffWorkflow.util.task import TaskState  # noqa: E402

from bangfu.demo import answers, declaration  # noqa: E402

RANK = {name: i for i, name in enumerate(ORDER)}
NOTICE_OVER = "2026-01-09T23:59:59+08:00"  # the bare engine's notice timer: a notice already over
VISIT_DEADLINE = "2099-12-31T23:59:59+08:00"  # the bare engine's 督办 timer on the visit: never reached


def case_inputs(rng, n):
    """The same form data for both sides: one declaration and one answer set per case."""
    out = []
    for _ in range(n):
        replies = without_bank(answers(rng))
        replies["declaration"] = declaration(rng)
        out.append(replies)
    return out


# --------------------------------------------------------------------------- service over HTTP

class ServiceDriver:
    def __init__(self, app):
        self.api = Client(app)
        for user in set(LANE_USER.values()) | {"supervisor1"}:
            self.api.token(user)  # issue tokens before timing

    def run_case(self, data, timings, per_task):
        api = self.api
        case = check(api.post("/api/v1/cases", "union1", json={"process": PROCESS}), 201)
        open_tasks = case["open_tasks"]
        status = case["status"]
        done = []
        while open_tasks:
            task = min(open_tasks, key=lambda t: RANK.get(t["name"], 99))
            user = LANE_USER[task["role"]]
            body = {"data": data[task["name"]]}
            t0 = time.perf_counter()
            response = api.post(f"/api/v1/tasks/{task['id']}/complete", user, json=body)
            elapsed = (time.perf_counter() - t0) * 1000
            completion = check(response)
            timings.append(elapsed)
            per_task.setdefault(task["name"], []).append(elapsed)
            done.append(task["name"])
            open_tasks, status = completion["next_tasks"], completion["case"]["status"]
        if status != "paid" or done != ORDER:
            raise SystemExit(f"service case ended {status} after {done}")


# --------------------------------------------------------------------------- bare SpiffWorkflow

class EngineDriver:
    def __init__(self):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(BPMN))
        self.spec = parser.get_spec(PROCESS)
        self.subprocess_specs = parser.get_subprocess_specs(PROCESS)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.state_bytes = []

    def round_trip(self, workflow):
        text = self.serializer.serialize_json(workflow)
        self.state_bytes.append(len(text))
        return self.serializer.deserialize_json(text)

    def run_case(self, data, timings, per_task):
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs)
        workflow.do_engine_steps()
        workflow = self.round_trip(workflow)
        done = []
        while True:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            task = min(ready, key=lambda t: RANK.get(t.task_spec.name, 99))
            name = task.task_spec.name
            t0 = time.perf_counter()
            task.data[name] = data[name]
            if name == "public_notice":  # what the service's rules derive: the notice's end, over already
                task.data[name] = dict(data[name], notice_ends_at=NOTICE_OVER)
            if name == "assign_third_party":  # and the visit's due instant, for its 督办 timer
                task.data["visit_deadline"] = VISIT_DEADLINE
            task.run()
            workflow.do_engine_steps()
            workflow = self.round_trip(workflow)
            elapsed = (time.perf_counter() - t0) * 1000
            timings.append(elapsed)
            per_task.setdefault(name, []).append(elapsed)
            done.append(name)
        if not workflow.completed or done != ORDER:
            raise SystemExit(f"engine case stopped after {done}")


def drive(driver, inputs):
    timings, per_task = [], {}
    t0 = time.perf_counter()
    for data in inputs:
        driver.run_case(data, timings, per_task)
    wall = time.perf_counter() - t0
    return len(inputs) / wall, wall, timings, per_task


def drive_interleaved(service, engine, inputs):
    """Case i on the service, then case i on the engine, so background load hits both alike."""
    sides = {"service": (service, [], {}, [0.0]), "engine": (engine, [], {}, [0.0])}
    for data in inputs:
        for driver, timings, per_task, wall in sides.values():
            t0 = time.perf_counter()
            driver.run_case(data, timings, per_task)
            wall[0] += time.perf_counter() - t0
    return {name: (len(inputs) / wall[0], wall[0], timings, per_task)
            for name, (_, timings, per_task, wall) in sides.items()}


def profile_service(driver, inputs, top=12):
    """cProfile of a few service cases: hottest functions, then the service's own call tree."""
    from sqlalchemy import event

    from bangfu import db
    statements = []
    engine = db.engine_of(driver.api.app)
    count = lambda *a: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", count)
    profiler = cProfile.Profile()
    timings, per_task = [], {}
    profiler.enable()
    for data in inputs:
        driver.run_case(data, timings, per_task)
    profiler.disable()
    event.remove(engine, "before_cursor_execute", count)
    out = io.StringIO()
    out.write(f"SQL statements: {len(statements) / len(inputs):.0f} per case "
              f"({len(timings)} completions + 1 start)\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(r"/service/", top + 8)
    lines = [line for line in out.getvalue().splitlines()
             if line.strip() and not line.lstrip().startswith(("Ordered by", "List reduced", "Random listing"))]
    return "\n".join(line.replace(str(Path(sys.prefix)), "<venv>") for line in lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=2, help="cases run on each side before timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="always print a cProfile of a few service cases")
    parser.add_argument("--profile-cases", type=int, default=5)
    args = parser.parse_args()

    print_machine()
    rng = random.Random(args.seed)
    inputs = case_inputs(rng, args.cases)
    warm = case_inputs(random.Random(args.seed + 1), args.warmup + args.profile_cases)

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-cases-") as tmp:
        t0 = time.perf_counter()
        app = make_app(tmp)
        service = ServiceDriver(app)
        print(f"set-up (migrate, deploy, people, tokens): {time.perf_counter() - t0:.2f} s; db {tmp}")
        engine = EngineDriver()

        drive(service, warm[:args.warmup])
        drive(engine, warm[:args.warmup])
        engine.state_bytes.clear()

        load_before = os.getloadavg()[0]
        results = drive_interleaved(service, engine, inputs)
        s_rate, s_wall, s_times, s_per = results["service"]
        e_rate, e_wall, e_times, e_per = results["engine"]

        print(f"\ncases: {args.cases} (+{args.warmup} warm-up each side), {len(s_times)} task completions each side, "
              f"interleaved case by case; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
        print(f"service (HTTP, SQLite file): {s_rate:8.2f} cases/s  ({s_wall:.2f} s)  "
              f"task completion {summary(s_times)}")
        print(f"engine  (bare Spiff + JSON): {e_rate:8.2f} cases/s  ({e_wall:.2f} s)  "
              f"task completion {summary(e_times)}")
        print(f"engine JSON state incl. spec: mean {sum(engine.state_bytes) / len(engine.state_bytes) / 1024:.1f} KiB")
        print("\nper task p50 / p95 ms:        service            engine")
        for name in ORDER:
            s, e = s_per.get(name, []), e_per.get(name, [])
            print(f"  {name:20} {percentile(s, 50):7.2f} /{percentile(s, 95):7.2f}   "
                  f"{percentile(e, 50):7.2f} /{percentile(e, 95):7.2f}")
        completion_share = sum(s_times) / 1000 / s_wall
        print(f"service time in task completions: {completion_share:.0%} of wall "
              f"(rest: POST /cases)")

        ratio = s_rate / e_rate
        if args.profile or ratio < 0.5:
            print(f"\nprofile hint: cProfile of {args.profile_cases} service cases"
                  f"{' (ratio below 0.5)' if ratio < 0.5 else ''}")
            print(profile_service(service, warm[args.warmup:]))
        app.extensions["bangfu.db"].kw["bind"].dispose()
    print(f"throughput ratio service/engine: {ratio:.2f}")


if __name__ == "__main__":
    main()
