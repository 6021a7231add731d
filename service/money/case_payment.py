"""The hardship case's payment task (发放确认), completed by the bank's result instead of by hand.

When the first instalment of an award that a hardship case's approval created (awards.case_id) is paid by a
batch's result, the case's open payment task is completed by the system user with the line's amount, the
day it was paid and its bank reference, in the result import's own transaction. Later instalments (living
aid's following months) do not touch the case: it is closed as 已发放 after the first.
"""
from dataclasses import dataclass

from sqlalchemy import select

from ..casework.commands import complete_task_as_system
from ..tasks.models import HumanTask, TaskState
from .models import Award, Instalment, InstalmentStatus, LineState, PaymentLine

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
        # The amount as text with two decimals ("1234.10"), as the money fields of forms take it: exact to
        # the fen in the case's data, never through a binary float.
        complete_task_as_system(session, services, task_id, {
            "paid_amount": f"{amount:.2f}", "paid_on": paid_on.isoformat(), "bank_reference": bank_reference,
            "opinion": f"银行代发批次回盘确认（明细编号 {reference}）"})
    return [case_id for _, case_id, *_ in paid]


@dataclass(frozen=True)
class BankPayment:
    """Where a hardship case's payment stands at the bank: its award's first instalment and its latest line."""
    amount: object
    due_on: object
    instalment_status: str
    line_reference: str | None
    batch_reference: str | None
    line_state: str | None
    failure_reason: str | None

    @property
    def summary(self):
        if self.line_state == LineState.PENDING:
            return f"已列入代发批次 {self.batch_reference}（明细编号 {self.line_reference}），等待银行回盘"
        if self.instalment_status == InstalmentStatus.HELD:
            return f"银行代发失败（{self.failure_reason}），待援助中心与职工核实账户后列入下一批次"
        return "待财务生成代发批次"


def bank_payment(session, task):
    """The open payment task's bank payment, or None for any other task (or a case paid by hand: no award)."""
    if task.spec_name != PAYMENT_TASK or task.state != TaskState.OPEN:
        return None
    first = session.scalar(select(Instalment).join(Award, Award.id == Instalment.award_id)
                           .where(Award.case_id == task.case_id, Instalment.sequence == 1).order_by(Award.id))
    if first is None:
        return None
    line = session.scalar(select(PaymentLine).where(PaymentLine.instalment_id == first.id)
                          .order_by(PaymentLine.id.desc()).limit(1))
    return BankPayment(first.amount, first.due_on, first.status, line.reference if line else None,
                       line.batch.reference if line else None, line.state if line else None,
                       line.failure_reason if line else None)
