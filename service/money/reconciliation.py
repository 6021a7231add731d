"""Reconciliation (对账): for the awards approved in a period (approved_on from..to, one programme or all),
what was awarded equals what was paid plus what is pending plus what is not yet due, to the fen.

The four figures, as the books stand when asked:
- **awarded** (核定): the awards' own amounts (awards.amount, which an ended award lowers to what it kept);
- **paid** (已发放): the amounts of their payment lines the bank paid (payment_lines, state paid);
- **pending** (待发放): instalments not paid that were due by the period's end: held after a failed transfer
  (待核实), in an open batch (in the bank's hands), or due and waiting for the next batch;
- **not yet due** (未到期): open instalments due after the period's end and in no batch.
Cancelled instalments (an award ended before they fell due) count nowhere: the award's amount left them.

The sides are computed from different rows: awarded from awards, paid from lines, the rest from instalments.
Every instalment whose lines and status disagree (paid without a paid line, a paid line on an instalment not
paid, a paid amount that is not the instalment's, two paid lines) and every award whose amount is not the sum
of its instalments is listed as a difference; the database's unique index makes some of them impossible, the
check does not rely on it.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from ..access import Action, ensure
from ..errors import ValidationFailed
from .models import Award, Instalment, InstalmentStatus, LineState, PaymentLine, Programme

ZERO = Decimal("0.00")


@dataclass
class Difference:
    award_id: int
    instalment_id: int | None
    household_id: int | None
    purpose: str
    reason: str
    amount: Decimal


@dataclass
class Reconciliation:
    date_from: object
    date_to: object
    programme: str | None
    awarded: Decimal = ZERO
    paid: Decimal = ZERO
    pending: Decimal = ZERO
    not_yet_due: Decimal = ZERO
    award_count: int = 0
    differences: list = field(default_factory=list)

    @property
    def accounted(self):
        return self.paid + self.pending + self.not_yet_due

    @property
    def balanced(self):
        return self.awarded == self.accounted and not self.differences


def reconcile(session, user, date_from, date_to, programme=None):
    ensure(user, Action.RECONCILE)
    if date_from > date_to:
        raise ValidationFailed("开始日期不能晚于结束日期", {"from": ["应不晚于结束日期"]})
    if programme and programme not in set(Programme):
        raise ValidationFailed("没有这个帮扶项目", {"programme": [f"可选：{'、'.join(Programme)}"]})
    awards = select(Award.id).where(Award.approved_on >= date_from, Award.approved_on <= date_to)
    if programme:
        awards = awards.where(Award.programme == programme)
    result = Reconciliation(date_from, date_to, programme)
    award_amounts = dict(session.execute(select(Award.id, Award.amount).where(Award.id.in_(awards))).all())
    result.awarded, result.award_count = sum(award_amounts.values(), ZERO), len(award_amounts)
    lines = defaultdict(list)
    for instalment_id, state, amount in session.execute(
            select(PaymentLine.instalment_id, PaymentLine.state, PaymentLine.amount)
            .join(Instalment, Instalment.id == PaymentLine.instalment_id).where(Instalment.award_id.in_(awards))):
        lines[instalment_id].append((state, amount))
    kept = defaultdict(lambda: ZERO)
    for instalment in session.scalars(select(Instalment).where(Instalment.award_id.in_(awards))
                                      .order_by(Instalment.award_id, Instalment.sequence)):
        if instalment.status != InstalmentStatus.CANCELLED:
            kept[instalment.award_id] += instalment.amount
        _classify(result, instalment, lines.get(instalment.id, []), date_to)
    for award_id, amount in award_amounts.items():
        if amount != kept[award_id]:
            result.differences.append(Difference(award_id, None, None, "", "核定金额与分期合计不符",
                                                 amount - kept[award_id]))
    return result


def _classify(result, instalment, lines, date_to):
    paid = [amount for state, amount in lines if state == LineState.PAID]
    pending_line = any(state == LineState.PENDING for state, _ in lines)
    status = instalment.status

    def differ(reason, amount):
        result.differences.append(Difference(instalment.award_id, instalment.id, instalment.household_id,
                                             instalment.purpose, reason, amount))
    if paid:
        result.paid += sum(paid, ZERO)
        if len(paid) > 1:
            differ(f"同一分期有 {len(paid)} 笔已发放明细（重复发放）", sum(paid[1:], ZERO))
        if paid[0] != instalment.amount:
            differ("已发放金额与分期金额不符", paid[0] - instalment.amount)
        if status != InstalmentStatus.PAID:
            differ("银行已发放，但分期未标记为已发放", paid[0])
    elif status == InstalmentStatus.PAID:
        differ("分期标记为已发放，但没有银行发放成功的明细", instalment.amount)
    elif status == InstalmentStatus.CANCELLED:
        if pending_line:
            differ("已取消的分期仍在未回盘的批次中", instalment.amount)
    elif status == InstalmentStatus.HELD or pending_line or instalment.due_on <= date_to:
        result.pending += instalment.amount
    else:
        result.not_yet_due += instalment.amount
