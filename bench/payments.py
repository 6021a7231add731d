"""A month's payment batch at size: build, approve, export (xlsx), import the bank's result with 1 % failures.

    python bench/payments.py --households 10000 [--database-url URL]

A fresh SQLite file (or an empty PostgreSQL database/schema with --database-url) with the standard people;
`--households` filed households, each with a one-off award and its instalment due today, seeded with
SQLAlchemy Core executemany. Then, each through unit_of_work as the service runs them (the same calls as the
API's routes): finance1 builds the batch, finance2 approves it, the xlsx bank file is exported (generic
layout), and a result CSV (every line, 1 % failed with 账户已销户) is imported. In the same run, the same
rows are written with openpyxl alone (a write_only workbook, values appended, no service code).

Printed: each step's time, then `batch ratio service/openpyxl: X` where X = (build + approve + export) /
(openpyxl alone): what the service adds around writing the file (goal X ≤ 3; the whole run under 5 s).
"""
import argparse
import hashlib
import io
import sys
import tempfile
import time
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import BENCH_DATA_KEY, make_app, print_machine, settle  # noqa: E402
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bangfu import clock, create_app, db  # noqa: E402
from bangfu.households.models import Household  # noqa: E402
from bangfu.migrate import upgrade  # noqa: E402
from bangfu.money import bank, batches  # noqa: E402
from bangfu.money.payment_demo import result_file  # noqa: E402
from bangfu.money.models import Award, Instalment, PaymentLine  # noqa: E402
from bangfu.people.models import Organisation, User  # noqa: E402
from bangfu.services import services  # noqa: E402
from bangfu.testing import populate  # noqa: E402
from bangfu.unit_of_work import run_in  # noqa: E402

SEED_BATCH = 10_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def seed(app, count):
    """`count` filed households, each with a 意外致困 award of one instalment due today."""
    engine = db.engine_of(app)
    today, now = clock.today(), datetime.now(timezone.utc)
    with engine.connect() as conn:
        union = conn.scalar(select(Organisation.id).where(Organisation.code == "U-STEEL"))
    for start in range(0, count, SEED_BATCH):
        numbers = range(start, min(count, start + SEED_BATCH))
        names = {i: SURNAMES[i % len(SURNAMES)] + "建国秀英晓东志强丽华伟明"[i % 11] + str(i) for i in numbers}
        amount = {i: Decimal(500 + i % 2000) + Decimal(i % 100) / 100 for i in numbers}
        with engine.begin() as conn:
            conn.execute(insert(Household.__table__), [dict(
                id=i + 1, organisation_id=union, worker_name=names[i], worker_id_number=f"3205{i:014d}",
                worker_id_digest=hashlib.sha256(str(i).encode()).hexdigest(), phone=f"139{i:08d}",
                bank_name="中国农业银行张家港支行", bank_account_name=names[i], bank_card_number=f"622848{i:013d}",
                category="relative", status="filed", declared_on=today, filed_on=today, created_at=now,
                updated_at=now) for i in numbers])
            conn.execute(insert(Award.__table__), [dict(
                id=i + 1, household_id=i + 1, programme="sudden", organisation_id=union, amount=amount[i],
                period_start=today, period_end=today, fund_source="hardship_fund", budget_year=today.year,
                purpose=f"{today.year}年意外致困", status="active", approved_on=today, created_at=now)
                for i in numbers])
            conn.execute(insert(Instalment.__table__), [dict(
                award_id=i + 1, household_id=i + 1, programme="sudden", sequence=1, due_on=today, amount=amount[i],
                purpose=f"{today.year}年意外致困", status="open", fund_source="hardship_fund", category="relative",
                organisation_id=union) for i in numbers])


def timed(label, work):
    settle()
    t0 = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - t0
    print(f"{label}: {seconds:.3f} s", flush=True)
    return result, seconds


def as_user(app, username, command, *args):
    def work(session):
        return command(session, session.scalar(select(User).where(User.username == username)), *args)
    return run_in(app, work)


def openpyxl_alone(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代发明细")
    sheet.append(["序号", "收款人姓名", "收款账号", "开户行", "金额", "用途", "手机号", "明细编号"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    print_machine()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as workdir:
        if args.database_url:
            app = create_app({"DATABASE_URL": args.database_url, "INSTANCE_PATH": workdir,
                              "SECRET_KEY": "benchmark-" + "k" * 32, "DATA_KEYS": BENCH_DATA_KEY,
                              "LOG_LEVEL": "WARNING"})
            upgrade(app)
            populate(app)
        else:
            app = make_app(workdir)
        _, seeded = timed(f"seed {args.households} households with a due instalment",
                          lambda: seed(app, args.households))
        built, build_s = timed("build", lambda: as_user(app, "finance1", lambda s, u: batches.build_batch(
            s, u, clock.today()).batch.id))
        _, approve_s = timed("approve", lambda: as_user(app, "finance2", lambda s, u: batches.approve_batch(
            s, u, built).id))
        exported, export_s = timed("export xlsx", lambda: as_user(
            app, "finance1", lambda s, u: bank.export_batch(s, u, built, "xlsx", "generic")))
        with app.app_context():
            lines = db.session().execute(select(
                PaymentLine.sequence, PaymentLine.payee_name, PaymentLine.account_number, PaymentLine.bank_name,
                PaymentLine.amount, PaymentLine.purpose, PaymentLine.phone, PaymentLine.reference)
                .where(PaymentLine.batch_id == built).order_by(PaymentLine.sequence)).all()
        content = result_file([(line.reference, line.amount, n % 100 != 0, None if n % 100 else "账户已销户")
                               for n, line in enumerate(lines)])
        outcome, import_s = timed("import result (1 % failed)", lambda: as_user(
            app, "finance1", lambda s, u: bank.import_results(s, services(), u, built, content, "result.csv")))
        _, alone_s = timed("openpyxl alone, the same rows", lambda: openpyxl_alone([list(line) for line in lines]))
        db.engine_of(app).dispose()
    print(f"lines {len(lines)}; xlsx {len(exported.content)} bytes; paid {outcome.paid}, failed {outcome.failed}")
    print(f"whole run: {time.perf_counter() - started:.2f} s (seeding {seeded:.2f} s)")
    print(f"batch ratio service/openpyxl: {(build_s + approve_s + export_s) / alone_s:.2f}")


if __name__ == "__main__":
    main()
