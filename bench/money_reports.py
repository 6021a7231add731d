"""The money report's queries over a large register: many households, years of awards and paid instalments.

    python bench/money_reports.py --households 100000 --years 10 [--reps 30] [--database-url URL | --keep DIR]

A fresh SQLite file (or, with --database-url, an empty PostgreSQL database or schema the script migrates),
the standard people and 20 unions, then, with SQLAlchemy Core executemany in batches: the households, filed
over the years (about a third leave again, 脱困, 解困 or another reason) with their status changes; and for
every year each one is filed, its awards with their instalments, the same mix as the centre's: 送温暖 for
every filed household at the Spring Festival, 生活救助 (monthly, one award per year) for about four in ten,
金秋助学 for about one in eight (university or high school), 医疗救助 and 意外致困 for a few. Instalments due
up to today are paid a few days later, but 1 in 50 (a failed transfer, held).

With --keep (SQLite) or a --database-url that already holds awards, an earlier run's data is measured again.

Measured, each many times on the last complete year (and on one month of it): every report query
(money/reports.py) and the whole report, and, as the baseline in the same run, `SELECT count(*) FROM awards`.
Printed: p50 and p95 per query and the ratio of each p95 to the baseline's; the last line
`report p95 max: X ms (ratio to baseline: Y)`. Goal: p95 under 200 ms.
"""
import argparse
import contextlib
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import BENCH_DATA_KEY, make_app, percentile, print_machine  # noqa: E402
from sqlalchemy import func, insert, select, text  # noqa: E402

from bangfu import create_app, db  # noqa: E402
from bangfu.households.models import Household, HouseholdStatusChange  # noqa: E402
from bangfu.migrate import upgrade  # noqa: E402
from bangfu.money import reports, totals  # noqa: E402
from bangfu.money.awards import month_starts  # noqa: E402
from bangfu.money.models import DEFAULT_FUND_SOURCE, Award, Instalment, MoneyTotal, Programme  # noqa: E402
from bangfu.people.models import Organisation  # noqa: E402
from bangfu.testing import populate  # noqa: E402
from bangfu.unit_of_work import run  # noqa: E402

TODAY = date(2026, 11, 30)
BATCH = 20_000
UNIONS = [f"U-B{i:02d}" for i in range(1, 21)]
EXTRA_ORGS = [(code, f"第{code[3:]}基层工会", "union") for code in UNIONS]
CATEGORIES = ["deep", "relative", "sudden"]
EXITS = [("out_of_hardship", "out_of_hardship"), ("relieved", "relieved"), ("retired", "exited"),
         ("moved_away", "exited")]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


class Seeder:
    """Bulk rows with ids given here, so instalments name their award without a round trip."""

    def __init__(self, app, rng):
        self.engine, self.rng = db.engine_of(app), rng
        with self.engine.connect() as conn:
            self.unions = [conn.scalar(select(Organisation.id).where(Organisation.code == c)) for c in UNIONS]
        self.pending = {Household: [], HouseholdStatusChange: [], Award: [], Instalment: []}
        self.award_id = self.instalment_id = 0
        self.counts = dict.fromkeys(self.pending, 0)

    def add(self, model, row):
        rows = self.pending[model]
        rows.append(row)
        if len(rows) >= BATCH:
            self.flush()

    def flush(self):
        """Every pending row, parents first."""
        for kind in self.pending:
            rows = self.pending[kind]
            if rows:
                with self.engine.begin() as conn:
                    conn.execute(insert(kind.__table__), rows)
                self.counts[kind] += len(rows)
                rows.clear()

    def household(self, number, first_year, last_year):
        rng = self.rng
        filed_on = date(first_year, 1, 1) + timedelta(days=rng.randrange((date(last_year, 11, 30) -
                                                                         date(first_year, 1, 1)).days))
        exit_on = exit_reason = status = None
        if rng.random() < 0.35:
            exit_on = filed_on + timedelta(days=rng.randrange(60, 365 * 4))
            if exit_on >= TODAY:
                exit_on = None
        status = "filed"
        if exit_on:
            exit_reason, status = rng.choice(EXITS)
        union, category = rng.choice(self.unions), rng.choices(CATEGORIES, (5, 4, 1))[0]
        now = datetime.now(timezone.utc)
        self.add(Household, dict(
            id=number, file_number=f"DA{filed_on:%Y}{number:07d}", organisation_id=union,
            worker_name=rng.choice(SURNAMES) + rng.choice("建国秀英晓东志强丽华伟明"), worker_id_number=f"B{number}",
            worker_id_digest=f"bench-{number}", category=category, status=status, exit_reason=exit_reason,
            declared_on=filed_on - timedelta(days=30), filed_on=filed_on, closed_on=exit_on,
            created_at=now, updated_at=now))
        changes = [(None, "declared", filed_on - timedelta(days=30)), ("declared", "filed", filed_on)]
        if exit_on:
            changes.append(("filed", status, exit_on))
        for before, after, on in changes:
            self.add(HouseholdStatusChange, dict(household_id=number, from_status=before, to_status=after,
                                                 changed_on=on, occurred_at=now, reason=None))
        self.awards(number, union, category, filed_on, exit_on or TODAY)

    def awards(self, household, union, category, start, end):
        rng = self.rng
        living = category == "deep" or rng.random() < 0.2
        for year in range(start.year, end.year + 1):
            first, last = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
            if first > last:
                continue
            if first <= date(year, 1, 15) <= last:
                self.award(household, union, category, Programme.WARMTH, date(year, 1, 15), Decimal("800.00"))
            if living:
                self.award(household, union, category, Programme.LIVING, first, Decimal(rng.choice((500, 600, 650))),
                           period_end=last)
            if rng.random() < 0.12 and first <= date(year, 9, 1) <= last:
                level, amount = rng.choice((("university", "5000.00"), ("high_school", "3000.00")))
                self.award(household, union, category, Programme.EDUCATION, date(year, 9, 1), Decimal(amount),
                           student=rng.choice(SURNAMES) + "小" + rng.choice("明红军芳"), level=level)
            if rng.random() < 0.06:
                day = first + timedelta(days=rng.randrange((last - first).days + 1))
                self.award(household, union, category, Programme.MEDICAL, day,
                           Decimal(rng.randrange(50_000, 2_000_000)) / 100)
            if rng.random() < 0.02:
                self.award(household, union, category, Programme.SUDDEN, first, Decimal("2000.00"))

    def award(self, household, union, category, programme, approved_on, amount, period_end=None, student=None,
              level=None):
        if approved_on > TODAY:
            return
        self.award_id += 1
        if programme == Programme.LIVING:
            parts = [(day, amount) for day in month_starts(approved_on, period_end)]
        else:
            parts = [(approved_on, amount)]
        self.add(Award, dict(
            id=self.award_id, household_id=household, programme=programme, category=category,
            organisation_id=union, amount=sum((p[1] for p in parts), Decimal("0.00")),
            monthly_amount=amount if programme == Programme.LIVING else None, period_start=approved_on,
            period_end=period_end or approved_on, fund_source=DEFAULT_FUND_SOURCE[programme],
            budget_year=approved_on.year, student_name=student, school_level=level, purpose=programme.label,
            status="active", approved_on=approved_on, created_at=datetime.now(timezone.utc)))
        for number, (due_on, value) in enumerate(parts, start=1):
            self.instalment_id += 1
            paid_on = due_on + timedelta(days=self.rng.randrange(1, 6))
            paid = paid_on <= TODAY and self.rng.random() >= 0.02
            self.add(Instalment, dict(
                id=self.instalment_id, award_id=self.award_id, household_id=household, programme=programme,
                fund_source=DEFAULT_FUND_SOURCE[programme], category=category, organisation_id=union,
                sequence=number, due_on=due_on, amount=value, purpose=programme.label,
                status="paid" if paid else ("held" if due_on <= TODAY else "open"), paid_on=paid_on if paid else None))


def build(database_url, workdir, households, years, rng):
    if database_url:
        app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": str(workdir),
                          "SECRET_KEY": "benchmark-" + "k" * 32, "DATA_KEYS": BENCH_DATA_KEY,
                          "LOG_LEVEL": "WARNING"})
        upgrade(app)
        with db.engine_of(app).connect() as conn:
            if conn.scalar(select(func.count()).select_from(Award)):  # filled by an earlier run: measure it again
                print("reusing the awards already in the database", flush=True)
                return refresh_statistics(app)
        populate(app, EXTRA_ORGS)
    else:
        app = make_app(workdir, EXTRA_ORGS)
    t0 = time.perf_counter()
    seeder = Seeder(app, rng)
    for number in range(1, households + 1):
        seeder.household(number, TODAY.year - years + 1, TODAY.year)
    seeder.flush()
    engine = db.engine_of(app)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("households", "awards", "instalments"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"))
    counts = ", ".join(f"{n:,} {model.__tablename__}" for model, n in seeder.counts.items())
    print(f"seeded in {time.perf_counter() - t0:.1f} s: {counts}", flush=True)
    return refresh_statistics(app)


def refresh_statistics(app):
    """The planner's statistics; on PostgreSQL also the visibility map (VACUUM), without which no index-only
    scan, as autovacuum would do some time after a bulk load."""
    engine = db.engine_of(app)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE")
    return app


def ensure_totals(app):
    """The monthly totals the service keeps as it approves and pays (money/totals.py), computed once from the
    bulk-loaded awards and instalments (which bypassed those commands), as the migration does for old data."""
    with app.app_context():
        if db.session().scalar(select(func.count()).select_from(MoneyTotal)):
            return
        t0 = time.perf_counter()
        run(totals.rebuild)
        rows = db.session().scalar(select(func.count()).select_from(MoneyTotal))
        print(f"monthly totals computed from the awards and instalments in {time.perf_counter() - t0:.1f} s: "
              f"{rows:,} rows", flush=True)


def timed(app, function, reps):
    """Milliseconds of each of `reps` calls of function(session), each in its own session (after one warm-up)."""
    times = []
    for rep in range(reps + 1):
        with app.app_context():
            session = db.session()
            t0 = time.perf_counter()
            function(session)
            elapsed = (time.perf_counter() - t0) * 1000
            session.rollback()
        if rep:
            times.append(elapsed)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", metavar="DIR", help="SQLite: build in DIR and keep it; an existing one is reused")
    parser.add_argument("--database-url", default=None,
                        help="an empty PostgreSQL database or schema (default: a throw-away SQLite file)")
    args = parser.parse_args()
    print_machine()
    year = reports.Period(TODAY.year - 1)
    month = reports.Period(TODAY.year - 1, 12)
    with (contextlib.nullcontext(args.keep) if args.keep
          else tempfile.TemporaryDirectory(prefix="bangfu-bench-reports-")) as tmp:
        if args.keep and (Path(tmp) / "bench.sqlite3").exists():
            app = make_app(tmp, existing=True)
        else:
            Path(tmp).mkdir(parents=True, exist_ok=True)
            app = build(args.database_url, tmp, args.households, args.years, random.Random(args.seed))
        ensure_totals(app)
        print(f"database: {db.engine_of(app).dialect.name}; report for {year.label} and {month.label}; "
              f"{args.reps} repetitions each", flush=True)
        names = {}
        queries = [
            ("baseline: SELECT count(*) FROM awards",
             lambda s: s.scalar(select(func.count()).select_from(Award))),
            ("register by union (year)", lambda s: reports.register_table(s, year, names)),
            ("money by programme/fund/category/union (year)", lambda s: reports.money_tables(s, year, names)),
            ("education grants (year)", lambda s: reports.grants_table(s, year)),
            ("register month by month (year)", lambda s: reports.months_table(s, year, TODAY)),
            ("whole report (year)", lambda s: reports.money_report(s, year, TODAY)),
            ("money by programme/fund/category/union (month)", lambda s: reports.money_tables(s, month, names)),
            ("whole report (month)", lambda s: reports.money_report(s, month, TODAY)),
        ]
        results = {label: timed(app, function, args.reps) for label, function in queries}
        with app.app_context():
            report = reports.money_report(db.session(), year, TODAY)
        total = report.money["programme"].total
        print(f"{year.label}: 户次 {total.times:,}, awarded ¥{total.awarded:,}, paid ¥{total.paid:,}; "
              f"filed at year end {report.register.total.at_end:,}; {len(report.grants.lines):,} education grants")
        db.engine_of(app).dispose()
    base = percentile(results[queries[0][0]], 95)
    worst = 0.0
    for label, times in results.items():
        p95 = percentile(times, 95)
        ratio = "" if label.startswith("baseline") else f"  ratio {p95 / base:6.1f}"
        print(f"  {label:<50} p50 {percentile(times, 50):8.2f} ms  p95 {p95:8.2f} ms{ratio}")
        if not label.startswith("baseline") and not label.startswith("whole"):
            worst = max(worst, p95)
    print(f"report p95 max: {worst:.1f} ms (ratio to baseline: {worst / base:.1f})")


if __name__ == "__main__":
    main()
