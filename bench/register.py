"""The household register over the years, at size.

    python bench/register.py --timers [--pending 100000] [--database-url URL]

`--timers`: the scheduler's tick with many pending timers. One case of a small model (a timer, then a
review) is started through the service; its row is then copied until `--pending` cases wait on a timer
(bulk inserts: the same workflow state, each case with its own row in `timers`, due a month or more
ahead). Then, each on fresh rows, N of them are made due (their `timers.due_at` moved into the past; the
workflows' own timers are already past) and one tick is timed: N = 0, 10 and 1,000, several times for the
small counts. Each due timer fires for real (the case is restored, the timer fires, the case moves on to its
review, the history and rows are written, committed one firing per transaction).

Printed: the claim query's plan, the tick's time for each N, the time per due timer, and last
`tick per-timer ratio 1000-due/10-due: Y` (goal: about 1, the tick's cost grows with the due count, not the
pending count; an empty tick over all the pending rows stays around a millisecond).

Without --database-url: a throw-away SQLite file. With it: an empty PostgreSQL database or schema the
script migrates and fills (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/bench).
"""
import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import Client, check, make_app, print_machine  # noqa: E402

from sqlalchemy import insert, select, text, update  # noqa: E402

from bangfu import clock, create_app, db  # noqa: E402
from bangfu.cases.models import Case  # noqa: E402
from bangfu.migrate import upgrade  # noqa: E402
from bangfu.scheduler.models import Timer  # noqa: E402
from bangfu.scheduler.tick import tick  # noqa: E402
from bangfu.testing import populate  # noqa: E402

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
                      "SECRET_KEY": "benchmark-" + "k" * 32, "LOG_LEVEL": "WARNING"})
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
    parser.add_argument("--timers", action="store_true", help="the scheduler's tick over many pending timers")
    parser.add_argument("--pending", type=int, default=100_000, help="pending timer rows for --timers")
    parser.add_argument("--database-url", default=None,
                        help="an empty PostgreSQL database or schema instead of a throw-away SQLite file")
    args = parser.parse_args(argv)
    if not args.timers:
        parser.error("choose a section: --timers")
    if args.timers and args.pending < 2100:
        parser.error("--pending: at least 2100 (the due rows of every timed tick come out of the pending ones)")
    print_machine()
    if args.timers:
        timers(args.pending, args.database_url)


if __name__ == "__main__":
    main()
