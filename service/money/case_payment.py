"""The hardship case's payment task (发放确认), completed by the bank's result instead of by hand.

When the first instalment of an award that a hardship case's approval created (awards.case_id) is paid by a
batch's result, the case's open payment task is completed by the system user with the line's amount, the
day it was paid and its bank reference, in the result import's own transaction. Later instalments (living
aid's following months) do not touch the case: it is closed as 已发放 after the first.
"""
from sqlalchemy import select

from ..casework.commands import complete_task_as_system
from ..tasks.models import HumanTask, TaskState
from .models import Award, Instalment, LineState, PaymentLine

PAYMENT_TASK = "payment"


def complete_paid_cases(session, services, result_import_id):
    """Complete the open payment task of each case whose award's first instalment this result import paid;
    returns those cases' ids."""
    paid = session.execute(
        select(HumanTask.id, HumanTask.case_id, PaymentLine.reference, PaymentLine.amount, PaymentLine.settled_on,
               PaymentLine.bank_reference)
        .join(Instalment, Instalment.id == PaymentLine.instalment_id)
        .join(Award, Award.id == Instalment.award_id)
        .join(HumanTask, HumanTask.case_id == Award.case_id)
        .where(PaymentLine.result_import_id == result_import_id, PaymentLine.state == LineState.PAID,
               Instalment.sequence == 1, HumanTask.spec_name == PAYMENT_TASK, HumanTask.state == TaskState.OPEN)
        .order_by(HumanTask.case_id)).all()
    for task_id, _, reference, amount, paid_on, bank_reference in paid:
        # Form data is JSON: the amount travels as a JSON number, as every form amount does; the rule reads
        # it back with Decimal(str(...)), exact for two decimals.
        complete_task_as_system(session, services, task_id, {
            "paid_amount": float(amount), "paid_on": paid_on.isoformat(), "bank_reference": bank_reference,
            "opinion": f"银行代发批次回盘确认（明细编号 {reference}）"})
    return [case_id for _, case_id, *_ in paid]
