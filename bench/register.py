"""The household register over the years, at size: the annual review's start, then the scheduler's tick.

    python bench/register.py --households 100000 [--small 10000] [--pending 100000] [--database-url URL]
    python bench/register.py --timers [--pending 100000] [--database-url URL]

Annual review (`--households N`). For each size (the small one, 10,000 by default, then N), a fresh SQLite
file: the standard people and the bundled annual_review model, then that many filed (在档) households seeded
with SQLAlchemy Core executemany (20 unions, categories mixed, one transaction per 10,000 rows, as
bench/inbox.py seeds cases). Measured: the real command, `start_annual_reviews` through unit_of_work (the same
call as POST /api/v1/annual-reviews), as the centre user: every household gets its case, its first task row
and its history line, in one transaction. Then it is run again for the same year, which must start nothing.
Printed per size: the time of the start, the time per household, and the cases and task rows written, then
`annual review per-household ratio large/small: Y` (goal Y < 1.2, the whole start at 100,000 under 60 s on
the 2-CPU machine).

Timers (after the annual review, or alone with `--timers`). One case of a small model (a timer, then a
review) is started through the service; its row is then copied until `--pending` cases wait on a timer
(bulk inserts: the same workflow state, each case with its own row in `timers`, due a month or more ahead).
Then, each on fresh rows, N of them are made due (their `timers.due_at` moved into the past; the workflows'
own timers are already past) and one tick is timed: N = 0, 10 and 1,000, several times for the small
counts. Each due timer fires for real (the case is restored, the timer fires, the case moves on to its
review, the history and rows are written, committed one firing per transaction). Printed: the claim query's
plan, the tick's time for each N, the time per due timer, and `tick per-timer ratio 1000-due/10-due: Y`
(goal: about 1, the tick's cost grows with the due count, not the pending count; an empty tick over all the
pending rows stays around a millisecond). Without --database-url: a throw-away SQLite file; with it: an
empty PostgreSQL database or schema the script migrates and fills.

The last lines repeat both ratios, the annual review's last.
"""
import argparse
import hashlib
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import BENCH_DATA_KEY, Client, check, make_app, print_machine, settle  # noqa: E402
from sqlalchemy import func, insert, select, text, update  # noqa: E402

from bangfu import clock, create_app, db  # noqa: E402
from bangfu.cases.models import Case  # noqa: E402
from bangfu.households.models import Household  # noqa: E402
from bangfu.households.review import start_annual_reviews  # noqa: E402
from bangfu.migrate import upgrade  # noqa: E402
from bangfu.people.models import Organisation, User  # noqa: E402
from bangfu.process_models.operations import deploy  # noqa: E402
from bangfu.resources import bundled_models  # noqa: E402
from bangfu.scheduler.models import Timer  # noqa: E402
from bangfu.scheduler.tick import tick  # noqa: E402
from bangfu.services import services  # noqa: E402
from bangfu.tasks.models import HumanTask  # noqa: E402
from bangfu.testing import populate  # noqa: E402
from bangfu.unit_of_work import run_in  # noqa: E402

SEED_BATCH = 10_000
YEAR = 2027
UNIONS = ["U-STEEL", "U-YANGSHE"] + [f"U-{i:02d}" for i in range(3, 21)]
EXTRA_ORGS = [(code, f"第{code[2:]}基层工会", "union") for code in UNIONS[2:]]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
CATEGORIES = ["deep", "relative", "sudden"]


def seed_households(app, count, rng):
    """Insert `count` filed households; return the seconds it took."""
    t0 = time.perf_counter()
    engine = db.engine_of(app)
    with engine.connect() as conn:
        unions = [conn.scalar(select(Organisation.id).where(Organisation.code == code)) for code in UNIONS]
    weights = [1 / (i + 1) ** 0.7 for i in range(len(unions))]
    now = datetime.now(timezone.utc)
    table = Household.__table__
    done = 0
    while done < count:
        rows = []
        for i in range(done, min(count, done + SEED_BATCH)):
            filed_on = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
            number = f"3205{i:014d}"
            rows.append(dict(
                file_number=f"DA{filed_on:%Y}{i:06d}", organisation_id=rng.choices(unions, weights)[0],
                worker_name=rng.choice(SURNAMES) + rng.choice("建国秀英晓东志强丽华伟明"), worker_id_number=number,
                worker_id_digest=hashlib.sha256(number.encode()).hexdigest(), phone=None, employer="某企业",
                bank_name=None, bank_account_name=None, bank_card_number=None, category=rng.choice(CATEGORIES),
                status="filed", exit_reason=None, exit_reason_text=None, declared_on=filed_on - timedelta(days=30),
                filed_on=filed_on, closed_on=None, next_review_due=filed_on.replace(year=filed_on.year + 1)
                if (filed_on.month, filed_on.day) != (2, 29) else date(filed_on.year + 1, 2, 28),
                application_case_id=None, previous_household_id=None, created_at=now, updated_at=now))
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
        done += len(rows)
    raw = engine.raw_connection()
    try:
        raw.cursor().execute("ANALYZE")
    finally:
        raw.close()
    return time.perf_counter() - t0


def annual_review_at(size, rng):
    """Seed `size` filed households on a fresh file, start the year's review; return (seconds, per household)."""
    with tempfile.TemporaryDirectory(prefix="bangfu-register-") as tmp:
        app = make_app(tmp, EXTRA_ORGS)
        run_in(app, lambda session: deploy(session, services(), (bundled_models() / "annual_review.bpmn").read_bytes()))
        seeded = seed_households(app, size, rng)
        with app.app_context():
            center = db.session().scalar(select(User).where(User.username == "center1"))
            db.session().expunge(center)
            settle()
            t0 = time.perf_counter()
            done = run_in(app, lambda session: start_annual_reviews(session, services(), YEAR, center))
            elapsed = time.perf_counter() - t0
            again = run_in(app, lambda session: start_annual_reviews(session, services(), YEAR, center))
            session = db.session()
            cases = session.scalar(select(func.count()).select_from(Case).where(Case.review_year == YEAR))
            tasks = session.scalar(select(func.count()).select_from(HumanTask))
        db.engine_of(app).dispose()
    if done.started != size or again.started != 0 or cases != size or tasks != size:
        raise SystemExit(f"wrong counts at {size}: started {done.started}, again {again.started}, "
                         f"cases {cases}, task rows {tasks}")
    per = elapsed / size
    print(f"  {size:>7,} households: seeded in {seeded:6.1f} s; annual review started in {elapsed:6.2f} s, "
          f"{per * 1e6:7.1f} µs per household ({'copied start' if done.bulk else 'one instance each'}); "
          f"cases {cases:,}, task rows {tasks:,}; second start: {again.started} new, {again.already:,} already",
          flush=True)
    return elapsed, per


def households_section(large, small, rng):
    print(f"\nannual review start (年度复核), fresh SQLite file per size, year {YEAR}")
    _, small_per = annual_review_at(small, rng)
    _, large_per = annual_review_at(large, rng)
    ratio = large_per / small_per
    print(f"annual review per-household ratio large/small: {ratio:.2f}")
    return ratio



TIMER_MODEL = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs_bench_timer" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="bench_timer" name="bench timer" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane" name="grassroots_union">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>wait</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>review</bpmn:flowNodeRef><bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait" name="wait">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer"><bpmn:timeDuration>"PT1H"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review" name="review">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="preliminary_review.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="review" />
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""
BATCH = 5000


def _timer_app(workdir, database_url):
    if not database_url:
        return make_app(workdir)
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(workdir),
                      "SECRET_KEY": "benchmark-" + "k" * 32, "DATA_KEYS": BENCH_DATA_KEY,
                      "LOG_LEVEL": "WARNING"})
    upgrade(app)
    populate(app)
    return app


def _fill(app, pending):
    """`pending` cases waiting on a timer: one started through the API two hours ago, the rest its copies."""
    api = Client(app)
    from io import BytesIO
    check(api.post("/api/v1/process-models", "designer1", data={"file": (BytesIO(TIMER_MODEL), "t.bpmn")},
                   content_type="multipart/form-data"), 201)
    real_now = clock.now()
    clock.set_to(real_now - timedelta(hours=2))
    first = check(api.post("/api/v1/cases", "union1", json={"process": "bench_timer"}), 201)["id"]
    clock.reset()
    engine = db.engine_of(app)
    with app.app_context():
        session = db.session()
        template = session.get(Case, first)
        row = {"process_version_id": template.process_version_id, "organisation_id": template.organisation_id,
               "created_by_id": template.created_by_id, "status": template.status,
               "created_at": template.created_at, "updated_at": template.updated_at,
               "workflow_state": template.workflow_state, "version": 1}
        session.rollback()
    later = real_now + timedelta(days=30)
    with engine.begin() as conn:
        conn.execute(update(Timer).where(Timer.case_id == first).values(due_at=later))
        made = 1
        while made < pending:
            n = min(BATCH, pending - made)
            start = conn.scalar(select(Case.id).order_by(Case.id.desc()).limit(1))
            conn.execute(insert(Case), [dict(row, reference=f"B{made + i:08d}") for i in range(n)])
            ids = conn.scalars(select(Case.id).where(Case.id > start).order_by(Case.id)).all()
            conn.execute(insert(Timer), [{"case_id": case_id, "due_at": later + timedelta(seconds=made + i),
                                          "name": "wait", "attempts": 0} for i, case_id in enumerate(ids)])
            made += n
    db.optimize(app)
    return first


def _make_due(app, count):
    """Move `count` of the pending rows (the latest due) an hour into the past; their workflows are due already."""
    engine = db.engine_of(app)
    with engine.begin() as conn:
        ids = conn.scalars(select(Timer.case_id).order_by(Timer.due_at.desc()).limit(count)).all()
        if ids:
            conn.execute(update(Timer).where(Timer.case_id.in_(ids))
                         .values(due_at=clock.now() - timedelta(hours=1)))
    return len(ids)


def _pending(app):
    with db.engine_of(app).connect() as conn:
        return conn.scalar(text("SELECT COUNT(*) FROM timers"))


def _claim_plan(app):
    engine = db.engine_of(app)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("EXPLAIN QUERY PLAN SELECT case_id FROM timers WHERE due_at <= :now "
                                     "ORDER BY due_at, case_id LIMIT 1"), {"now": clock.now()}).all()
            return "; ".join(str(r[-1]) for r in rows)
        rows = conn.execute(text("EXPLAIN SELECT case_id FROM timers WHERE due_at <= now() "
                                 "ORDER BY due_at, case_id LIMIT 1 FOR UPDATE SKIP LOCKED")).all()
        return "; ".join(r[0].strip() for r in rows)


def timers(pending, database_url=None, repeats=5):
    """The tick's cost over `pending` timers with 0, 10 and 1,000 due; prints the figures and the ratio."""
    with tempfile.TemporaryDirectory(prefix="bangfu-bench-timers-") as workdir:
        app = _timer_app(workdir, database_url)
        t0 = time.perf_counter()
        _fill(app, pending)
        print(f"timers: {_pending(app)} pending timer rows ({db.engine_of(app).dialect.name}), "
              f"filled in {time.perf_counter() - t0:.1f} s", flush=True)
        print(f"timers: claim query plan: {_claim_plan(app)}", flush=True)
        results = {}
        for due, runs in ((0, repeats), (10, repeats), (1000, max(1, repeats // 2))):
            times = []
            for _ in range(runs):
                made = _make_due(app, due)
                settle()
                t0 = time.perf_counter()
                result = tick(app)
                times.append(time.perf_counter() - t0)
                if result.timers_fired != made or result.failures:
                    raise SystemExit(f"tick fired {result.timers_fired} of {made} due, failures {result.failures}")
            results[due] = statistics.median(times)
            per = f"; {results[due] / due * 1000:.2f} ms per due timer" if due else ""
            print(f"timers: tick with {due:>4} due of {pending} pending: median {results[due] * 1000:9.1f} ms "
                  f"over {runs} tick(s){per}", flush=True)
        print(f"timers: {_pending(app)} timer rows left pending", flush=True)
        ratio = (results[1000] / 1000) / (results[10] / 10)
        print(f"tick per-timer ratio 1000-due/10-due: {ratio:.2f}", flush=True)
        db.engine_of(app).dispose()
        return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=None, help="large size of the register (e.g. 100000)")
    parser.add_argument("--small", type=int, default=10_000, help="small size of the register (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timers", action="store_true", help="only the scheduler's tick over many pending timers")
    parser.add_argument("--pending", type=int, default=100_000, help="pending timer rows (default 100000)")
    parser.add_argument("--database-url", default=None,
                        help="timers: an empty PostgreSQL database or schema instead of a throw-away SQLite file")
    args = parser.parse_args(argv)
    if not (args.households or args.timers):
        parser.error("choose --households N (the annual review, then the timers) or --timers")
    if args.pending < 2100:
        parser.error("--pending: at least 2100 (the due rows of every timed tick come out of the pending ones)")
    print_machine()
    review_ratio = households_section(args.households, args.small, random.Random(args.seed)) \
        if args.households else None
    ticks = timers(args.pending, args.database_url)
    tick_ratio = (ticks[1000] / 1000) / (ticks[10] / 10)
    print(f"\ntick per-timer ratio 1000-due/10-due: {tick_ratio:.2f}")
    if review_ratio is not None:
        print(f"annual review per-household ratio large/small: {review_ratio:.2f}")


if __name__ == "__main__":
    main()
