"""The household register at scale: the annual review started for 10,000 and for N filed households.

    python bench/register.py --households 100000 [--small 10000]

For each size, a fresh SQLite file: the standard people and the bundled annual_review model, then that many
filed (在档) households seeded with SQLAlchemy Core executemany (20 unions, categories mixed, one
transaction per 10,000 rows, as bench/inbox.py seeds cases). Measured: the real command,
`start_annual_reviews` through unit_of_work (the same call as POST /api/v1/annual-reviews), as the centre
user: every household gets its case, its first task row and its history line, in one transaction. Then it is
run again for the same year, which must start nothing. Printed per size: the time of the start, the time per
household, and the cases and task rows written. Last line: `annual review per-household ratio large/small: Y`
(per-household time at N / per-household time at the small size; goal Y < 1.2, the whole start at 100,000
under 60 s on the 2-CPU machine).

Other sections of this benchmark (the scheduler's timers) live in their own functions behind their own flags.
"""
import argparse
import hashlib
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import make_app, print_machine  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from bangfu import db  # noqa: E402
from bangfu.cases.models import Case  # noqa: E402
from bangfu.households.models import Household  # noqa: E402
from bangfu.households.review import start_annual_reviews  # noqa: E402
from bangfu.people.models import Organisation, User  # noqa: E402
from bangfu.process_models.operations import deploy  # noqa: E402
from bangfu.resources import bundled_models  # noqa: E402
from bangfu.services import services  # noqa: E402
from bangfu.tasks.models import HumanTask  # noqa: E402
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
    print(f"annual review per-household ratio large/small: {large_per / small_per:.2f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=None, help="large size (e.g. 100000)")
    parser.add_argument("--small", type=int, default=10_000, help="small size (default 10000)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print_machine()
    if args.households:
        households_section(args.households, args.small, random.Random(args.seed))


if __name__ == "__main__":
    main()
