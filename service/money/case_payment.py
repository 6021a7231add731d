"""The hardship case's payment task (发放确认), completed by the bank's result instead of by hand.

When the first instalment of an award that a hardship case's approval created (awards.case_id) is paid by a
batch's result, the case's open payment task is completed by the system user with the line's amount, the
day it was paid and its bank reference, in the result import's own transaction. Later instalments (living
aid's following months) do not touch the case: it is closed as 已发放 after the first.
"""
from sqlalchemy import select

from ..tasks.models import HumanTask, TaskState
from .models import Award

PAYMENT_TASK = "payment"


def complete_paid_cases(session, services, paid):
    """`paid`: (line, instalment) pairs just paid. Returns the ids of the cases whose payment task completed."""
    from ..casework.commands import complete_task_as_system  # casework's rules read money's wording

    firsts = {instalment.award_id: line for line, instalment in paid if instalment.sequence == 1}
    if not firsts:
        return []
    awards = session.execute(select(Award.id, Award.case_id).where(
        Award.id.in_(firsts), Award.case_id.is_not(None))).all()
    by_case = {case_id: firsts[award_id] for award_id, case_id in awards}
    if not by_case:
        return []
    tasks = session.execute(select(HumanTask.id, HumanTask.case_id).where(
        HumanTask.case_id.in_(by_case), HumanTask.spec_name == PAYMENT_TASK,
        HumanTask.state == TaskState.OPEN)).all()
    completed = []
    for task_id, case_id in tasks:
        line = by_case[case_id]
        # Form data is JSON: the amount travels as a JSON number, as every form amount does; the rule reads
        # it back with Decimal(str(...)), exact for two decimals.
        complete_task_as_system(session, services, task_id, {
            "paid_amount": float(line.amount), "paid_on": line.settled_on.isoformat(),
            "bank_reference": line.bank_reference,
            "opinion": f"银行代发批次回盘确认（明细编号 {line.reference}）"})
        completed.append(case_id)
    return completed
