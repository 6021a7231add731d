"""Inbox latency at 1,000 cases and again at N cases (default 100,000), on one SQLite file.

    python bench/inbox.py --cases 100000 [--reps 200] [--small 1000] [--explain]

Seeding: a handful of real cases are driven through the HTTP API (one per third party and visit
ordering, plus one rejected at the preliminary review) and snapshotted after every step: the case
row (with its real workflow_state) and its human_tasks rows. Seeded cases copy a snapshot, chosen
by a realistic stage mix (about a third active, spread over every stage; the rest paid or not
eligible), with their own id, reference, file number, declaring union (20 unions, skewed), dates
and people; their completed task rows go with them. Open tasks are mostly unclaimed, some claimed by
the measuring user, some by a colleague. Rows go in with SQLAlchemy Core executemany, one
transaction per 10,000 cases.

Measured: GET /api/v1/tasks?page_size=50 (the caller's inbox, first page) and the same with
mine=true, through the Flask test client, for union1 (a union), center1 (the assistance centre)
and thirdparty1 (a third party), --reps times each, round-robin. Per size the headline p95 is the
worst p95 of those six; the last line is `inbox p95 ratio large/small: Y` with
Y = worst p95 at N cases / worst p95 at the small size.
"""
import argparse
import contextlib
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import (LANE_USER, ORDER, PROCESS, Client, check, make_app, percentile, print_machine,  # noqa: E402
                    without_bank)
from sqlalchemy import event, func, insert, select  # noqa: E402

from bangfu import db  # noqa: E402
from bangfu.cases.models import Case  # noqa: E402
from bangfu.demo import answers, declaration  # noqa: E402
from bangfu.people.models import Organisation, User  # noqa: E402
from bangfu.tasks.models import HumanTask  # noqa: E402

BATCH = 10_000
UNIONS = ["U-STEEL", "U-YANGSHE"] + [f"U-{i:02d}" for i in range(3, 21)]
THIRD_PARTIES = ["TP-SUNSHINE", "TP-HEART", "TP-03", "TP-04", "TP-05"]
EXTRA_ORGS = [(code, f"第{code[2:]}基层工会", "union") for code in UNIONS[2:]] + \
             [(code, f"第{code[3:]}社工服务社", "third_party") for code in THIRD_PARTIES[2:]]
# Two people per union and third party (the first of U-STEEL, U-YANGSHE, TP-SUNSHINE, TP-HEART
# are the usual union1, union2, thirdparty1, thirdparty2), a second centre user.
EXTRA_PEOPLE = {"center2": ("assistance_center", "ZJG-CENTER")}
ORG_PEOPLE = {"U-STEEL": ["union1", "union1b"], "U-YANGSHE": ["union2", "union2b"],
              "TP-SUNSHINE": ["thirdparty1", "thirdparty1b"], "TP-HEART": ["thirdparty2", "thirdparty2b"]}
for _code in UNIONS[2:] + THIRD_PARTIES[2:]:
    ORG_PEOPLE[_code] = [f"{_code.lower()}-a", f"{_code.lower()}-b"]
for _code, _names in ORG_PEOPLE.items():
    for _name in _names:
        if _name not in ("union1", "union2", "thirdparty1", "thirdparty2"):
            EXTRA_PEOPLE[_name] = ("grassroots_union" if _code.startswith("U-") else "third_party", _code)

# Stage mix of the seeded cases: snapshot key -> weight (sum 100).
STAGE_MIX = {
    "declaration": 4, "preliminary_review": 4, "assign_third_party": 4,
    "household_visit+visit_oversight": 5, "visit_oversight": 2, "household_visit": 2,
    "re_review": 4, "public_notice": 3, "open_file": 3, "approval": 3, "payment": 2,
    "closed:paid": 56, "closed:not_eligible": 8,
}
MEASURED = ["union1", "center1", "thirdparty1"]
VARIANTS = {"inbox": "/api/v1/tasks?page_size=50", "mine": "/api/v1/tasks?page_size=50&mine=true"}
CLAIM_ME, CLAIM_COLLEAGUE = 0.05, 0.10  # of open tasks the measuring user could work on


# --------------------------------------------------------------------------- templates

def snapshot_key(case_row, open_rows):
    if case_row["status"] != "active":
        return f"closed:{case_row['status']}"
    return "+".join(sorted(r["spec_name"] for r in open_rows))


def take_snapshot(app, case_id):
    with db.engine_of(app).connect() as conn:
        case_row = dict(conn.execute(select(Case.__table__).where(Case.id == case_id)).mappings().one())
        task_rows = [dict(r) for r in conn.execute(select(HumanTask.__table__).where(
            HumanTask.case_id == case_id).order_by(HumanTask.id)).mappings()]
    open_rows = [r for r in task_rows if r["state"] == "open"]
    return snapshot_key(case_row, open_rows), {"case": case_row, "tasks": task_rows}


def build_templates(app, api, rng):
    """Drive real cases through the API; return {snapshot key: [snapshots]}."""
    templates = {}

    def keep(case_id):
        key, snap = take_snapshot(app, case_id)
        templates.setdefault(key, []).append(snap)

    for tp in THIRD_PARTIES:
        for oversight_first in (False, True):
            data = without_bank(answers(rng, third_party=tp))
            data["declaration"] = declaration(rng)
            case = check(api.post("/api/v1/cases", "union1", json={"process": PROCESS}), 201)
            keep(case["id"])
            order = list(ORDER)
            if oversight_first:
                i = order.index("household_visit")
                order[i], order[i + 1] = order[i + 1], order[i]
            for name in order:
                detail = check(api.get(f"/api/v1/cases/{case['id']}", "supervisor1"))
                task = next(t for t in detail["open_tasks"] if t["name"] == name)
                user = LANE_USER[task["role"]]
                if task["role"] == "third_party":
                    user = ORG_PEOPLE[tp][0]
                check(api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data[name]}))
                keep(case["id"])
    # One household found not eligible at the preliminary review.
    data = without_bank(answers(rng))
    case = check(api.post("/api/v1/cases", "union1", json={"process": PROCESS}), 201)
    for name, reply in (("declaration", declaration(rng)),
                        ("preliminary_review", dict(data["preliminary_review"], decision="reject",
                                                    opinion="家庭收入明显高于认定标准"))):
        detail = check(api.get(f"/api/v1/cases/{case['id']}", "supervisor1"))
        task = next(t for t in detail["open_tasks"] if t["name"] == name)
        check(api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": reply}))
    keep(case["id"])
    missing = set(STAGE_MIX) - set(templates)
    if missing:
        raise SystemExit(f"no template for stages {sorted(missing)}; have {sorted(templates)}")
    return templates


# --------------------------------------------------------------------------- seeding

class Seeder:
    def __init__(self, app, templates, rng, now):
        self.app = app
        self.templates = templates
        self.rng = rng
        self.now = now
        self.engine = db.engine_of(app)
        with self.engine.connect() as conn:
            orgs = dict(conn.execute(select(Organisation.code, Organisation.id)).all())
            users = dict(conn.execute(select(User.username, User.id)).all())
        self.org_ids = orgs
        self.org_code = {v: k for k, v in orgs.items()}
        self.user_ids = users
        self.org_people = {orgs[code]: [users[n] for n in names] for code, names in ORG_PEOPLE.items()}
        self.lane_people = {role: [users[name]] for role, name in LANE_USER.items()}
        self.lane_people["assistance_center"].append(users["center2"])
        self.union_ids = [orgs[c] for c in UNIONS]
        self.union_weights = [1 / (i + 1) ** 0.7 for i in range(len(UNIONS))]
        self.stages = list(STAGE_MIX)
        self.stage_weights = [STAGE_MIX[s] for s in self.stages]
        self.measuring = {("grassroots_union", orgs["U-STEEL"]): users["union1"],
                          ("assistance_center", None): users["center1"],
                          ("third_party", orgs["TP-SUNSHINE"]): users["thirdparty1"]}

    def next_id(self):
        with self.engine.connect() as conn:
            case_id = conn.scalar(select(func.max(Case.id))) or 0
            task_id = conn.scalar(select(func.max(HumanTask.id))) or 0
        return case_id + 1, task_id + 1

    def _people_for(self, role, org_id):
        if role in ("grassroots_union", "third_party"):
            return self.org_people[org_id]
        return self.lane_people[role]

    def _case_rows(self, case_id, task_id):
        rng = self.rng
        snap = rng.choice(self.templates[rng.choices(self.stages, self.stage_weights)[0]])
        src = snap["case"]
        union_id = rng.choices(self.union_ids, self.union_weights)[0]
        created = self.now - timedelta(days=rng.uniform(0, 730), seconds=rng.uniform(0, 86400))
        case = dict(src)
        case.update(id=case_id, organisation_id=union_id, created_by_id=self.org_people[union_id][0],
                    reference=f"BF{created:%Y}{case_id:06d}", created_at=created, version=1)
        if src["file_number"]:
            case["file_number"] = f"DA{created:%Y}{case_id:06d}"
        tasks = []
        at = created
        for row in snap["tasks"]:
            task = dict(row)
            org_id = row["organisation_id"]
            if row["role"] == "grassroots_union":
                org_id = union_id
            task.update(id=task_id, case_id=case_id, organisation_id=org_id, created_at=at, due_at=None)
            task_id += 1
            people = self._people_for(row["role"], org_id)
            if row["state"] == "completed":
                at = at + timedelta(days=rng.uniform(0.2, 6))
                who = rng.choice(people)
                task.update(completed_at=at, completed_by_id=who, assignee_id=who)
            else:
                draw = rng.random()
                me = self.measuring.get((row["role"], org_id if row["role"] != "assistance_center" else None))
                if me is not None and draw < CLAIM_ME:
                    task["assignee_id"] = me
                elif draw < CLAIM_ME + CLAIM_COLLEAGUE:
                    task["assignee_id"] = rng.choice([p for p in people if p != me] or people)
                else:
                    task["assignee_id"] = None
            tasks.append(task)
        case["updated_at"] = at
        if case["closed_at"] is not None:
            case["closed_at"] = at
        return case, tasks, task_id

    def seed(self, count):
        """Insert `count` more cases (and their task rows); return (seconds, task rows)."""
        t0 = time.perf_counter()
        case_id, task_id = self.next_id()
        cases_table, tasks_table = Case.__table__, HumanTask.__table__
        n_tasks = 0
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            cases, tasks = [], []
            for _ in range(size):
                case, rows, task_id = self._case_rows(case_id, task_id)
                cases.append(case)
                tasks.extend(rows)
                case_id += 1
            with self.engine.begin() as conn:
                conn.execute(insert(cases_table), cases)
                conn.execute(insert(tasks_table), tasks)
            n_tasks += len(tasks)
            done += size
        return time.perf_counter() - t0, n_tasks


# --------------------------------------------------------------------------- measuring

def serving(app, tmp):
    """A client on a fresh app over the seeded file, as a service process would open it: the seeding
    connection's write-ahead log checkpointed into the database, statistics gathered (what
    `bangfu init` does), no state left from seeding."""
    raw = db.engine_of(app).raw_connection()
    try:
        raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw.cursor().execute("ANALYZE")
    finally:
        raw.close()
    db.engine_of(app).dispose()
    served = make_app(tmp, EXTRA_ORGS, EXTRA_PEOPLE, existing=True)
    api = Client(served)
    for user in MEASURED:
        api.token(user)
    return served, api


def measure(api, reps, warmup=5):
    combos = [(user, variant) for user in MEASURED for variant in VARIANTS]
    for user, variant in combos:
        for _ in range(warmup):
            check(api.get(VARIANTS[variant], user))
    timings = {combo: [] for combo in combos}
    totals = {}
    for _ in range(reps):
        for user, variant in combos:
            t0 = time.perf_counter()
            response = api.get(VARIANTS[variant], user)
            elapsed = (time.perf_counter() - t0) * 1000
            body = check(response)
            timings[(user, variant)].append(elapsed)
            totals[(user, variant)] = (body["total"], len(body["items"]))
    return timings, totals


def report(label, timings, totals):
    print(f"\n{label}")
    print("  user         variant  total  items    p50 ms   p95 ms")
    worst = 0.0
    for (user, variant), values in timings.items():
        total, items = totals[(user, variant)]
        p95 = percentile(values, 95)
        worst = max(worst, p95)
        print(f"  {user:12} {variant:7} {total:6d} {items:6d}  {percentile(values, 50):8.2f} {p95:8.2f}")
    pooled = [v for values in timings.values() for v in values]
    print(f"  all: p50 {percentile(pooled, 50):.2f} ms, p95 {percentile(pooled, 95):.2f} ms; "
          f"worst p95 {worst:.2f} ms")
    return worst


def explain(app, api, variants=("inbox", "mine")):
    """The SQL one inbox request runs, with SQLite's plan and the time of each statement alone."""
    engine = db.engine_of(app)
    for user in MEASURED:
        for variant in variants:
            captured = []

            def grab(conn, cursor, statement, parameters, context, executemany):
                if statement.lstrip().upper().startswith("SELECT") and "human_tasks" in statement:
                    captured.append((statement, parameters))

            event.listen(engine, "before_cursor_execute", grab)
            try:
                check(api.get(VARIANTS[variant], user))
            finally:
                event.remove(engine, "before_cursor_execute", grab)
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for statement, params in captured:
                    kind = "COUNT" if "count(" in statement.lower() else "PAGE"
                    plan = cursor.execute(f"EXPLAIN QUERY PLAN {statement}", params).fetchall()
                    t0 = time.perf_counter()
                    for _ in range(10):
                        cursor.execute(statement, params).fetchall()
                    ms = (time.perf_counter() - t0) * 1000 / 10
                    steps = [row[-1] for row in plan]
                    joins = sum(1 for s in steps if "LEFT-JOIN" in s)
                    shown = [s for s in steps if "LEFT-JOIN" not in s]
                    print(f"    {user:11} {variant:5} {kind:5} {ms:7.2f} ms  plan: " + " | ".join(shown)
                          + (f" (+{joins} LEFT JOINs by primary key)" if joins else ""))
            finally:
                raw.close()


WHATIF_INDEX = ("CREATE INDEX bench_whatif_inbox_order ON human_tasks "
                "(state, role, created_at, id, organisation_id, assignee_id)")


def whatif(app, api, reps):
    """Experiment on the benchmark's own throw-away database: one more index, then measure again."""
    print(f"\nwhat-if (this temp database only, the service is unchanged): {WHATIF_INDEX}")
    with db.engine_of(app).begin() as conn:
        conn.exec_driver_sql(WHATIF_INDEX)
    explain(app, api)
    return report(f"inbox with that index ({reps} reps each)", *measure(api, reps))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--explain", action="store_true", help="print each inbox SQL statement's plan and time")
    parser.add_argument("--whatif", action="store_true",
                        help="after the measurements, add a candidate index to the temp database and measure again")
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR (kept) instead of a temp dir")
    args = parser.parse_args()
    if args.cases < args.small:
        raise SystemExit("--cases must be at least --small")

    print_machine()
    rng = random.Random(args.seed)
    now = datetime.now(timezone.utc)
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        if (Path(args.keep) / "bench.sqlite3").exists():
            raise SystemExit(f"{args.keep}/bench.sqlite3 exists; give an empty directory")
    with (contextlib.nullcontext(args.keep) if args.keep
          else tempfile.TemporaryDirectory(prefix="bangfu-bench-inbox-")) as tmp:
        t0 = time.perf_counter()
        app = make_app(tmp, EXTRA_ORGS, EXTRA_PEOPLE)
        api = Client(app)
        templates = build_templates(app, api, rng)
        for user in MEASURED:
            api.token(user)
        with db.engine_of(app).connect() as conn:
            real = conn.scalar(select(func.count()).select_from(Case.__table__))
        print(f"set-up: {time.perf_counter() - t0:.2f} s ({real} real cases through the API, "
              f"{sum(len(v) for v in templates.values())} snapshots over {len(templates)} stages)")

        seeder = Seeder(app, templates, rng, now)
        seconds, n_tasks = seeder.seed(args.small - real)
        print(f"seeded {args.small - real} cases, {n_tasks} task rows in {seconds:.2f} s")
        served, served_api = serving(app, tmp)
        small = report(f"inbox at {args.small} cases ({args.reps} reps each)", *measure(served_api, args.reps))
        if args.explain:
            explain(served, served_api)
        db.engine_of(served).dispose()

        seconds, n_tasks = seeder.seed(args.cases - args.small)
        size_mb = os.path.getsize(Path(tmp) / "bench.sqlite3") / 1e6
        print(f"\nseeded {args.cases - args.small} more cases, {n_tasks} task rows in {seconds:.2f} s "
              f"({(args.cases - args.small) / max(seconds, 1e-9):.0f} cases/s; db file {size_mb:.0f} MB)")
        with db.engine_of(app).connect() as conn:
            open_tasks = conn.scalar(select(func.count()).where(HumanTask.state == "open"))
            all_tasks = conn.scalar(select(func.count()).select_from(HumanTask.__table__))
            cases = conn.scalar(select(func.count()).select_from(Case.__table__))
        print(f"database: {cases} cases, {all_tasks} task rows, {open_tasks} open")
        served, served_api = serving(app, tmp)
        large = report(f"inbox at {cases} cases ({args.reps} reps each)", *measure(served_api, args.reps))
        if args.explain:
            explain(served, served_api)
        if args.whatif:
            whatif(served, served_api, min(args.reps, 50))
        db.engine_of(served).dispose()
        print(f"\ngoal: worst p95 < 20 ms at {cases} cases: {'met' if large < 20 else 'NOT met'} "
              f"({large:.2f} ms); ratio < 1.5: {'met' if large / small < 1.5 else 'NOT met'}")
        db.engine_of(app).dispose()
    print(f"inbox p95 ratio large/small: {large / small:.2f}")


if __name__ == "__main__":
    main()
