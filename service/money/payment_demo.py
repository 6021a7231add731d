"""Paying a hardship case the way finance does, for the demo, the tests and the benchmarks: a batch built by
one finance user, approved by another, exported, and the bank's result file (this case's line paid) imported.
"""
from datetime import date

from sqlalchemy import select

from .. import clock
from ..cases.models import Case
from ..people.models import User
from . import bank, batches
from .models import Award, Instalment, LineState, PaymentLine

def award_for_case(session, case):
    """The award the case's 审批 created (money/granting.py); a case approved without money has none."""
    award = session.scalar(select(Award).where(Award.case_id == case.id).order_by(Award.id))
    if award is None:
        raise LookupError(f"case {case.id} has no award to pay")
    return award


def result_file(rows):
    """A bank result CSV (UTF-8): rows of (reference, amount, paid, reason)."""
    text = "明细编号,金额,处理结果,失败原因,银行流水号\r\n" + "".join(
        f"{ref},{amount:.2f},{'成功' if paid else '失败'},{reason or ''},{'B' + ref if paid else ''}\r\n"
        for ref, amount, paid, reason in rows)
    return text.encode("utf-8-sig")


def pay_case_through_batch(session, services, case_id, maker="finance1", checker="finance2"):
    """Pay the case's first instalment through a batch; returns its payment line. Other lines of the batch
    stay pending (their result is the bank's next file)."""
    case = session.get(Case, case_id)
    award = award_for_case(session, case)
    first = session.scalar(select(Instalment).where(Instalment.award_id == award.id, Instalment.sequence == 1))
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_((maker, checker))))}
    line = session.scalar(select(PaymentLine).where(PaymentLine.instalment_id == first.id,
                                                    PaymentLine.state == LineState.PENDING))
    if line is None:
        batch = batches.build_batch(session, users[maker], first.due_on).batch
        batches.approve_batch(session, users[checker], batch.id)
        line = session.scalar(select(PaymentLine).where(PaymentLine.instalment_id == first.id,
                                                        PaymentLine.state == LineState.PENDING))
    if line.batch.status == "approved":
        bank.export_batch(session, users[checker], line.batch_id, "csv", "generic")
    bank.import_results(session, services, users[maker], line.batch_id,
                        result_file([(line.reference, line.amount, True, None)]), "回盘.csv")
    return line


def load_payments_demo(session):
    """The demo's next month: finance1 has built the batch of the living aid due on the 1st (待复核), waiting
    for finance2 to approve it, export the bank file and import the bank's result."""
    today = clock.today()
    first_of_next = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    maker = session.scalar(select(User).where(User.username == "finance1"))
    batches.build_batch(session, maker, first_of_next, note="下月生活救助（演示）")
