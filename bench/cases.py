"""End-to-end case throughput: the service over HTTP vs. bare SpiffWorkflow with a naive JSON round trip.

    python bench/cases.py --cases 50 [--rounds 3] [--profile] [--parts] [--profile-cases 5] [--seed 7]

Service side: a fresh SQLite file (migrate.upgrade, deploy, organisations, users with the
"fast" hash profile, bearer tokens), then per case POST /api/v1/cases and, for every open task
(from the start response, then from each completion's next_tasks), POST /api/v1/tasks/{id}/complete as the lane's
user, all through the in-process Flask test client. Each completion is timed on its own.

Engine side (the baseline, bench/engine_baseline.py, in a process of its own): the same BPMN parsed once;
per case a BpmnWorkflow, each READY manual task completed with the same form data, then do_engine_steps,
and after the start and after every task a full serialize_json + deserialize_json of the whole workflow,
spec included -- what a naive service storing the workflow as one JSON document would do.

The two sides run interleaved (case i on the service, then case i on the engine, never both at once) so
that other load on the machine affects both alike, in `--rounds` rounds of `--cases` cases each; each
round gives a ratio and the result is their median. Cases/second counts everything a client does for a
case: for the service the start and the completions; for the engine the start, the steps and the round trips.
The last line is `throughput ratio service/engine: X` (the median).

`--parts` adds where a completion's wall time goes, unprofiled: the named parts of the command (the engine's
restore, run and dump; the form check, the rules, the task rows, the flush, the audit entry, the commit, the
token) timed around a few more service cases, in ms per completion, beside the bare engine's whole task; and
the floor of any completion in this stack: a 404's HTTP layer, the engine's work and the commit, with nothing
else (no token, form, rules, task rows, history or audit), as a ratio to the bare engine's task.
"""
import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (  # noqa: E402
    BPMN, LANE_USER, ORDER, PROCESS, Client, check, make_app, percentile, print_machine, summary, without_bank,
)

from bangfu.demo import answers, declaration  # noqa: E402

RANK = {name: i for i, name in enumerate(ORDER)}


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

class EngineProcess:
    """bench/engine_baseline.py in a child process, one case at a time."""

    def __init__(self):
        script = Path(__file__).resolve().parent / "engine_baseline.py"
        self.child = subprocess.Popen([sys.executable, str(script), str(BPMN), PROCESS, json.dumps(ORDER)],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.state_bytes = []

    def run_case(self, data, timings, per_task):
        """Run one case in the child; returns its wall time (seconds) as the child measured it."""
        self.child.stdin.write(json.dumps({"case": data}) + "\n")
        self.child.stdin.flush()
        answer = json.loads(self.child.stdout.readline() or '{"error": "the engine process ended"}')
        if "error" in answer:
            raise SystemExit(answer["error"])
        timings.extend(answer["timings"])
        for name, elapsed in zip(answer["names"], answer["timings"]):
            per_task.setdefault(name, []).append(elapsed)
        self.state_bytes.extend(answer["state_bytes"])
        return answer["wall"]

    def close(self):
        self.child.stdin.write(json.dumps({"stop": True}) + "\n")
        self.child.stdin.close()
        self.child.wait(timeout=30)


class Side:
    """One side's figures over a round or the whole run."""

    def __init__(self):
        self.wall, self.cases, self.timings, self.per_task = 0.0, 0, [], {}

    @property
    def rate(self):
        return self.cases / self.wall


def drive_interleaved(service, engine, inputs, totals):
    """Case i on the service, then case i on the engine, so background load hits both alike. Returns the
    round's (service, engine) figures and adds them to `totals`."""
    rnd = {"service": Side(), "engine": Side()}
    for data in inputs:
        side = rnd["service"]
        t0 = time.perf_counter()
        service.run_case(data, side.timings, side.per_task)
        side.wall += time.perf_counter() - t0
        side.cases += 1
        side = rnd["engine"]
        side.wall += engine.run_case(data, side.timings, side.per_task)
        side.cases += 1
    for name, side in rnd.items():
        total = totals[name]
        total.wall += side.wall
        total.cases += side.cases
        total.timings += side.timings
        for task, values in side.per_task.items():
            total.per_task.setdefault(task, []).extend(values)
    return rnd["service"], rnd["engine"]


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


# (module, attribute, label) of the parts --parts times; the owner is a class where the attribute is a method.
PARTS = [
    ("bangfu.people.auth", "current_user", "token lookup (user and roles)"),
    ("bangfu.casework.commands", "task_for_command", "task row and the case's other open tasks"),
    ("bangfu.casework.commands", "ensure_independent", "duty check (people.duties)"),
    ("bangfu.instances.store:InstanceStore", "restore", "engine: restore the instance from its state"),
    ("bangfu.casework.commands", "_check_form", "form check (schema and named checks)"),
    ("bangfu.cases.rules", "derive", "named operations: derive"),
    ("bangfu.casework.commands", "take_for_completion", "task row marked completed (guarded UPDATE)"),
    ("bangfu.engine.instance:Instance", "complete", "engine: run the task and the steps after it"),
    ("bangfu.instances.store:InstanceStore", "dump", "engine: dump and compress the state"),
    ("bangfu.cases.rules", "record", "named operations: record"),
    ("bangfu.tasks.projection", "sync", "task rows of the new open tasks"),
    ("bangfu.casework.commands", "sync_case_timer", "the case's timer row"),
    ("bangfu.instances.store:InstanceStore", "save", "flush under the case's version check"),
    ("bangfu.audit.recording", "record_command", "audit entry (hash chain)"),
    ("sqlalchemy.orm.session:Session", "commit", "commit"),
]


def service_parts(driver, engine, inputs):
    """Wall time of each of PARTS per task completion over `inputs` (ms; the case starts are left out), the
    completions' mean, and the bare engine's task times for the same cases, run interleaved as the rounds are."""
    import collections
    import functools
    import importlib

    spent = collections.defaultdict(float)
    in_completion = [False]
    restore = []

    def instrument(owner, attr, label):
        original = getattr(owner, attr)

        def timed(*args, **kwargs):
            if not in_completion[0]:
                return original(*args, **kwargs)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - t0
        setattr(owner, attr, functools.wraps(original)(timed))
        restore.append((owner, attr, original))

    for target, attr, label in PARTS:
        module_name, _, class_name = target.partition(":")
        owner = importlib.import_module(module_name)
        instrument(getattr(owner, class_name) if class_name else owner, attr, label)
    post = driver.api.post

    def post_marked(path, *args, **kwargs):
        in_completion[0] = path.endswith("/complete")
        try:
            return post(path, *args, **kwargs)
        finally:
            in_completion[0] = False
    driver.api.post = post_marked
    timings, engine_timings = [], []
    try:
        for data in inputs:
            driver.run_case(data, timings, {})
            engine.run_case(data, engine_timings, {})
    finally:
        driver.api.post = post
        for owner, attr, original in restore:
            setattr(owner, attr, original)
    per = 1000 / len(timings)
    return [(label, spent[label] * per) for _, _, label in PARTS], statistics.fmean(timings), engine_timings


def http_floor(driver, data, n=200):
    """Mean ms of a POST with a completion's body to a path no route serves (a 404): what the HTTP layer and the
    test client cost a request before any route, token or statement."""
    timings = []
    for _ in range(n):
        t0 = time.perf_counter()
        driver.api.post("/api/v1/no-such-path/complete", None, json={"data": data})
        timings.append((time.perf_counter() - t0) * 1000)
    return statistics.fmean(timings)


def parts_report(driver, engine, inputs):
    """The --parts lines: each part's ms per completion, the rest, and the floor beside the bare engine."""
    parts, mean, engine_timings = service_parts(driver, engine, inputs)
    lines = [f"where a service completion's time goes (wall, unprofiled, {len(inputs)} cases; ms per completion):"]
    lines += [f"  {label:46} {ms:6.2f}" for label, ms in parts]
    named = sum(ms for _, ms in parts)
    engine_ms = sum(ms for label, ms in parts if label.startswith("engine:"))
    commit = dict(parts)["commit"]
    http = http_floor(driver, inputs[0]["re_review"])
    baseline = statistics.fmean(engine_timings)
    floor = http + engine_ms + commit
    lines += [
        f"  {'the rest (HTTP, parsing, answer, other steps)':46} {mean - named:6.2f}",
        f"  completion mean {mean:.2f} ms; of it the engine (restore, run, dump) {engine_ms:.2f} ms; "
        f"bare engine task with its JSON round trip, same cases interleaved: mean {baseline:.2f} ms",
        f"floor of a completion (a 404's HTTP {http:.2f} + the engine {engine_ms:.2f} + the commit {commit:.2f}): "
        f"{floor:.2f} ms; task-time ratio bare engine/floor {baseline / floor:.2f} (the service now: "
        f"{baseline / mean:.2f})",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=50, help="cases per round on each side")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the ratio is their median")
    parser.add_argument("--warmup", type=int, default=2, help="cases run on each side before timing")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", action="store_true", help="always print a cProfile of a few service cases")
    parser.add_argument("--parts", action="store_true", help="print where a completion's wall time goes")
    parser.add_argument("--profile-cases", type=int, default=5)
    args = parser.parse_args()

    print_machine()
    rng = random.Random(args.seed)
    # What the service receives over HTTP is JSON: the engine gets the same, decoded.
    rounds = [json.loads(json.dumps(case_inputs(rng, args.cases))) for _ in range(args.rounds)]
    warm = json.loads(json.dumps(case_inputs(random.Random(args.seed + 1), args.warmup + args.profile_cases)))
    # Households of their own: each declares a worker once (一户一档), so no case can run twice.
    parts_inputs = json.loads(json.dumps(case_inputs(random.Random(args.seed + 2), args.profile_cases)))

    with tempfile.TemporaryDirectory(prefix="bangfu-bench-cases-") as tmp:
        t0 = time.perf_counter()
        app = make_app(tmp)
        service = ServiceDriver(app)
        print(f"set-up (migrate, deploy, people, tokens): {time.perf_counter() - t0:.2f} s; db {tmp}")
        engine = EngineProcess()
        try:
            for data in warm[:args.warmup]:
                service.run_case(data, [], {})
                engine.run_case(data, [], {})
            engine.state_bytes.clear()

            load_before = os.getloadavg()[0]
            totals = {"service": Side(), "engine": Side()}
            ratios = []
            print(f"\n{args.rounds} rounds of {args.cases} cases (+{args.warmup} warm-up each side), "
                  f"interleaved case by case:")
            for number, inputs in enumerate(rounds, 1):
                s_round, e_round = drive_interleaved(service, engine, inputs, totals)
                ratios.append(s_round.rate / e_round.rate)
                print(f"  round {number}: service {s_round.rate:7.2f} cases/s, engine {e_round.rate:7.2f} cases/s, "
                      f"completion p95 {percentile(s_round.timings, 95):6.2f} / "
                      f"{percentile(e_round.timings, 95):6.2f} ms, "
                      f"ratio {ratios[-1]:.2f}")
            parts = parts_report(service, engine, parts_inputs) if args.parts else None
        finally:
            engine.close()
        s_all, e_all = totals["service"], totals["engine"]
        print(f"\nall rounds: {len(s_all.timings)} task completions each side; "
              f"load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
        print(f"service (HTTP, SQLite file): {s_all.rate:8.2f} cases/s  ({s_all.wall:.2f} s)  "
              f"task completion {summary(s_all.timings)}")
        print(f"engine  (bare Spiff + JSON): {e_all.rate:8.2f} cases/s  ({e_all.wall:.2f} s)  "
              f"task completion {summary(e_all.timings)}")
        print(f"engine JSON state incl. spec: mean {sum(engine.state_bytes) / len(engine.state_bytes) / 1024:.1f} KiB")
        print("\nper task p50 / p95 ms:        service            engine")
        for name in ORDER:
            s, e = s_all.per_task.get(name, []), e_all.per_task.get(name, [])
            print(f"  {name:20} {percentile(s, 50):7.2f} /{percentile(s, 95):7.2f}   "
                  f"{percentile(e, 50):7.2f} /{percentile(e, 95):7.2f}")
        print(f"service time in task completions: {sum(s_all.timings) / 1000 / s_all.wall:.0%} of wall "
              f"(rest: POST /cases)")

        ratio = statistics.median(ratios)
        if args.profile or ratio < 0.5:
            print(f"\nprofile hint: cProfile of {args.profile_cases} service cases"
                  f"{' (ratio below 0.5)' if ratio < 0.5 else ''}")
            print(profile_service(service, warm[args.warmup:]))
        if parts:
            print("\n" + parts)
        app.extensions["bangfu.db"].kw["bind"].dispose()
    print(f"ratios by round: {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"throughput ratio service/engine: {ratio:.2f}")


if __name__ == "__main__":
    main()
