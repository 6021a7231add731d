"""After a failed transfer (退票): the centre checks the worker's account with the worker and records it.

The account's holder must be the worker: a different holder is refused, whatever the reason given (workers
are paid only into their own account). The verification updates the household's bank fields and releases
the held instalment (status open again), so the next batch takes it.

The household's other lines in batches still to be checked (待复核) carry the old account: they are released
from those batches too, so the next batch takes them with the verified account. Released, not rewritten in
place: a line's account is what the maker built and the checker approves, and rewriting it under a batch being
checked would let money go to an account neither of them saw in that batch; a release only sends less, and the
new account then goes through a maker and a checker like any other. Approved and exported batches keep their
lines (checked, perhaps at the bank): a wrong account there fails at the bank and comes back here.
"""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..access import Action, ensure
from ..db import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..households.models import Household
from .batches import account_problem, release_from_drafts
from .models import AccountVerification, Instalment, InstalmentStatus, LineState, PaymentBatch, PaymentLine

VERIFIED_WITH = {"phone": "电话核实", "visit": "入户核实", "counter": "窗口核实"}


@dataclass
class AccountCheck:
    line_id: int
    bank_name: str
    account_number: str
    account_holder: str
    verified_with: str
    note: str | None = None


def _latest():
    """The line is its instalment's latest (an instalment that failed twice is verified once, on its last line)."""
    later = aliased(PaymentLine)
    return ~select(later.id).where(later.instalment_id == PaymentLine.instalment_id, later.id > PaymentLine.id).exists()


def failed_lines(session, user):
    """Lines whose transfer failed and whose instalment still waits for the account to be verified."""
    ensure(user, Action.VERIFY_ACCOUNTS)
    return session.execute(
        select(PaymentLine, PaymentBatch.reference, Household)
        .join(PaymentBatch, PaymentBatch.id == PaymentLine.batch_id)
        .join(Instalment, Instalment.id == PaymentLine.instalment_id)
        .join(Household, Household.id == PaymentLine.household_id)
        .where(PaymentLine.state == LineState.FAILED, Instalment.status == InstalmentStatus.HELD, _latest())
        .order_by(PaymentLine.settled_on, PaymentLine.id)).all()


def waiting_count(session):
    """How many failed lines wait for the centre (the number beside its navigation link)."""
    return session.scalar(select(func.count()).select_from(PaymentLine)
                          .join(Instalment, Instalment.id == PaymentLine.instalment_id)
                          .where(PaymentLine.state == LineState.FAILED, Instalment.status == InstalmentStatus.HELD,
                                 _latest()))


def verify_account(session, user, check):
    ensure(user, Action.VERIFY_ACCOUNTS)
    line = session.scalar(select(PaymentLine).where(PaymentLine.id == check.line_id, _latest()))
    if line is None:
        raise NotFound("没有这条代发明细，或该笔已有更新的代发明细")
    instalment = session.scalar(select(Instalment).where(Instalment.id == line.instalment_id).with_for_update())
    if line.state != LineState.FAILED or instalment.status != InstalmentStatus.HELD:
        raise Conflict("这条明细不是待核实的失败明细（可能已核实过）")
    household = session.get(Household, line.household_id)
    problems = {}
    if check.account_holder.strip() != household.worker_name.strip():
        problems["account_holder"] = [f"开户人须为职工本人（{household.worker_name}），帮扶资金只能打入职工本人账户"]
    if (reason := account_problem(check.account_number)):
        problems["account_number"] = [reason]
    if not check.bank_name.strip():
        problems["bank_name"] = ["请填写开户行"]
    if check.verified_with not in VERIFIED_WITH:
        problems["verified_with"] = [f"可选：{'、'.join(f'{k}（{v}）' for k, v in VERIFIED_WITH.items())}"]
    if problems:
        raise ValidationFailed("账户核实信息有误", problems)
    number = check.account_number.replace(" ", "")
    verification = AccountVerification(
        household_id=household.id, line_id=line.id, bank_name=check.bank_name.strip(), account_number=number,
        account_holder=check.account_holder.strip(), verified_with=check.verified_with, note=check.note,
        verified_by_id=user.id, verified_at=utcnow())
    session.add(verification)
    household.bank_name, household.bank_card_number = verification.bank_name, number
    household.bank_account_name, household.updated_at = verification.account_holder, utcnow()
    instalment.status = InstalmentStatus.OPEN
    release_from_drafts(session, select(Instalment.id).where(Instalment.household_id == household.id))
    session.flush()
    return verification
