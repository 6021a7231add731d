"""Payment batches (代发批次): finance builds one from the instalments that are due, a second finance user
approves it (制单 ≠ 复核), and only then may its bank file be exported. A draft can be cancelled: its lines
are released and the instalments go into a later batch.

Who is paid: only filed households (在档), only into the worker's own account (the account's holder is the
worker's name). Any other due household is listed as excluded, with the reason, and nothing is paid to it.

Never in two open batches: the partial unique index on payment_lines (one pending-or-paid line per
instalment) decides. On PostgreSQL a build also locks the instalments it takes (FOR UPDATE SKIP LOCKED), so
two builds at once split the due instalments instead of waiting; a build that still meets the index (an
instalment taken by a build that committed while this one read) is run again on fresh state.
"""
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import uuid4

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import Action, ensure
from ..db import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..households.models import EXITED_STATUSES, STATUS_LABELS, Household, HouseholdStatus
from ..unit_of_work import StaleState
from .models import (BatchStatus, Instalment, InstalmentStatus, LineState, PaymentBatch, PaymentLine,
                     Programme)

RACE_MESSAGE = "另一批次刚刚取走了部分应发明细，请重试"


@dataclass
class Exclusion:
    household_id: int
    worker_name: str
    purpose: str
    amount: Decimal
    reason: str


@dataclass
class Build:
    batch: PaymentBatch | None
    excluded: list = field(default_factory=list)


def account_problem(number):
    """None when an account number can be sent to the bank. Digits and length only: most Chinese debit cards
    pass the Luhn check, but not every account banks pay into does (some older and passbook accounts), and
    the bank's result names a wrong account; refusing on Luhn alone would leave a worker unpaid."""
    digits = (number or "").replace(" ", "")
    if not digits.isdigit() or not 12 <= len(digits) <= 19:
        return "银行账号应为 12 至 19 位数字"
    return None


def owed_before_exit(due):
    """An instalment due before its household left the register is still owed: the family was in hardship
    that month (the exit cancelled the ones from its day on, awards.end_award)."""
    return due.status in EXITED_STATUSES and due.closed_on is not None and due.due_on < due.closed_on


def exclusion_reason(due):
    """Why a due instalment is not paid (None: it is paid); `due` is a row of _DUE_COLUMNS."""
    if due.status != HouseholdStatus.FILED and not owed_before_exit(due):
        return f"家庭不在档（{STATUS_LABELS.get(due.status, due.status)}），不予发放"
    if not due.bank_card_number or not due.bank_name:
        return "缺少开户行或银行账号"
    if (due.bank_account_name or "").strip() != due.worker_name.strip():
        return "账户户名不是职工本人，不予发放：请援助中心与职工核实本人账户"
    return account_problem(due.bank_card_number)


_DUE_COLUMNS = (Instalment.id, Instalment.household_id, Instalment.amount, Instalment.purpose, Instalment.due_on,
                Household.status, Household.closed_on, Household.worker_name, Household.bank_name,
                Household.bank_account_name, Household.bank_card_number, Household.phone)


def _due(session, due_through, programme):
    """Rows (not ORM objects: a month's batch is thousands of lines) of the payable-looking due instalments."""
    live = select(PaymentLine.id).where(PaymentLine.instalment_id == Instalment.id,
                                        PaymentLine.state.in_((LineState.PENDING, LineState.PAID)))
    query = (select(*_DUE_COLUMNS).join(Household, Household.id == Instalment.household_id)
             .where(Instalment.status == InstalmentStatus.OPEN, Instalment.due_on <= due_through, ~live.exists())
             .order_by(Instalment.household_id, Instalment.due_on, Instalment.id))
    if programme:
        query = query.where(Instalment.programme == programme)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Instalment.__table__)
    return session.execute(query).all()


def build_batch(session, user, due_through=None, programme=None, note=None):
    """Build a draft batch of every payable instalment due by `due_through` (default: today in China); returns
    the batch (None: nothing payable) and the households left out with their reasons."""
    ensure(user, Action.MAKE_PAYMENTS)
    due_through = due_through or clock.today()
    if programme and programme not in set(Programme):
        raise ValidationFailed("没有这个帮扶项目", {"programme": [f"可选：{'、'.join(Programme)}"]})
    result, taken, lines = Build(None), set(), []
    for due in _due(session, due_through, programme):
        reason = exclusion_reason(due)
        if reason is None and (due.household_id, due.purpose) in taken:
            reason = "同一家庭同一用途本批已有一笔，留待下一批"
        if reason:
            result.excluded.append(Exclusion(due.household_id, due.worker_name, due.purpose, due.amount, reason))
            continue
        taken.add((due.household_id, due.purpose))
        lines.append(due)
    if not lines:
        return result
    batch = PaymentBatch(reference=f"tmp-{uuid4().hex[:24]}", due_through=due_through, programme=programme,
                         note=note, built_by_id=user.id, built_at=utcnow(), line_count=len(lines),
                         total_amount=sum((due.amount for due in lines), Decimal("0.00")))
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
            batch.reference = f"PB{clock.today():%Y%m}-{batch.id:04d}"
            session.execute(insert(PaymentLine.__table__),
                            [_line(batch, number, due) for number, due in enumerate(lines, 1)])
    except IntegrityError:
        raise StaleState(RACE_MESSAGE) from None
    result.batch = batch
    return result


def _line(batch, number, due):
    return dict(batch_id=batch.id, sequence=number, reference=f"{batch.reference}-{number:05d}",
                instalment_id=due.id, household_id=due.household_id, payee_name=due.worker_name,
                account_number=due.bank_card_number.replace(" ", ""), bank_name=due.bank_name, phone=due.phone,
                amount=due.amount, purpose=due.purpose, state=LineState.PENDING)


def get_batch(session, batch_id, for_update=False):
    query = select(PaymentBatch).where(PaymentBatch.id == batch_id)
    batch = session.scalar(query.with_for_update() if for_update else query)
    if batch is None:
        raise NotFound("没有这个代发批次")
    return batch


def batch_lines(session, batch_id):
    return session.scalars(select(PaymentLine).where(PaymentLine.batch_id == batch_id)
                           .order_by(PaymentLine.sequence)).all()


def list_batches(session, user, limit=200):
    ensure(user, Action.MAKE_PAYMENTS)
    return session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc()).limit(limit)).all()


def approve_batch(session, user, batch_id):
    """The second finance user's check (复核): the maker may not approve their own batch."""
    ensure(user, Action.MAKE_PAYMENTS)
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status != BatchStatus.DRAFT:
        raise Conflict(f"批次{batch.status_label}，不能复核")
    if batch.built_by_id == user.id:
        raise Conflict("制单人不能复核自己制作的批次，请由另一位财务人员复核")
    batch.status, batch.approved_by_id, batch.approved_at = BatchStatus.APPROVED, user.id, utcnow()
    session.flush()
    return batch


def cancel_batch(session, user, batch_id):
    """Cancel a draft (作废): its lines are released, their instalments payable in a later batch."""
    ensure(user, Action.MAKE_PAYMENTS)
    batch = get_batch(session, batch_id, for_update=True)
    if batch.status != BatchStatus.DRAFT:
        raise Conflict(f"批次{batch.status_label}，只有待复核的批次可以作废")
    for line in batch_lines(session, batch.id):
        line.state = LineState.RELEASED
    batch.status = BatchStatus.CANCELLED
    session.flush()
    return batch


def release_from_drafts(session, instalment_ids):
    """The pending lines of `instalment_ids` (a select of Instalment.id) in draft batches (待复核) are released,
    their instalments payable in a later batch; each such batch keeps the count and total of its remaining lines
    (a batch left with none is cancelled). Approved and exported batches keep theirs: they were checked, and the
    bank may have them."""
    holding = select(PaymentLine.batch_id).where(PaymentLine.state == LineState.PENDING,
                                                 PaymentLine.instalment_id.in_(instalment_ids))
    # locked as approve_batch locks them: a batch approved meanwhile is no longer a draft here
    drafts = session.scalars(select(PaymentBatch.id).where(PaymentBatch.status == BatchStatus.DRAFT,
                                                           PaymentBatch.id.in_(holding)).with_for_update()).all()
    if not drafts:
        return
    lines = session.scalars(select(PaymentLine).where(
        PaymentLine.state == LineState.PENDING, PaymentLine.batch_id.in_(drafts),
        PaymentLine.instalment_id.in_(instalment_ids))).all()
    for line in lines:
        line.state = LineState.RELEASED
    session.flush()
    for batch_id in {line.batch_id for line in lines}:
        batch = session.get(PaymentBatch, batch_id)
        count, total = session.execute(select(func.count(), func.coalesce(func.sum(PaymentLine.amount), 0)).where(
            PaymentLine.batch_id == batch_id, PaymentLine.state == LineState.PENDING)).one()
        batch.line_count, batch.total_amount = count, Decimal(total).quantize(Decimal("0.01"))
        if count == 0:
            batch.status = BatchStatus.CANCELLED


def line_counts(session, batch_id):
    """{state: (count, total)} of a batch's lines."""
    rows = session.execute(select(PaymentLine.state, func.count(), func.coalesce(func.sum(PaymentLine.amount), 0))
                           .where(PaymentLine.batch_id == batch_id).group_by(PaymentLine.state)).all()
    return {state: (count, Decimal(total).quantize(Decimal("0.01"))) for state, count, total in rows}
