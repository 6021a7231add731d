"""Programme budgets (预算): what the centre sets per programme and year, and how much of it is used.

Committed (已批准) is the sum of the awards approved for the year's budget (`budget_year`), an ended award
counting what it kept (end_award sets its amount to the instalments not cancelled). Paid (已发放) is the sum
of the year's awards' paid instalments. Remaining (剩余) = budget − committed. An approval that would pass
the remaining budget, or one with no budget set, is not refused: the approver is warned (`approval_warning`)
and decides.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ..access import Action, ensure
from ..db import utcnow
from ..errors import ValidationFailed
from ..wording import yuan
from .models import (DEFAULT_FUND_SOURCE, FUND_SOURCE_LABELS, PROGRAMME_LABELS, Award, FundSource, Instalment,
                     InstalmentStatus, Programme, ProgrammeBudget)

ZERO = Decimal("0.00")
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_BUDGET = Decimal("9999999999.99")


@dataclass
class BudgetLine:
    programme: str
    year: int
    fund_source: str
    budget: Decimal | None  # None: no budget set
    committed: Decimal
    paid: Decimal

    @property
    def remaining(self):
        return self.budget - self.committed if self.budget is not None else None

    @property
    def programme_label(self):
        return PROGRAMME_LABELS[Programme(self.programme)]

    @property
    def fund_source_label(self):
        return FUND_SOURCE_LABELS.get(self.fund_source, self.fund_source)


def _committed(session, year):
    return dict(session.execute(select(Award.programme, func.sum(Award.amount))
                                .where(Award.budget_year == year).group_by(Award.programme)).all())


def _paid(session, year):
    return dict(session.execute(
        select(Award.programme, func.sum(Instalment.amount)).join(Instalment, Instalment.award_id == Award.id)
        .where(Award.budget_year == year, Instalment.status == InstalmentStatus.PAID)
        .group_by(Award.programme)).all())


def year_figures(session, user, year):
    """Every programme's line for `year`: budget, committed, paid, remaining (to the fen)."""
    ensure(user, Action.READ_BUDGETS)
    _check_year(year)
    budgets = {b.programme: b for b in session.scalars(select(ProgrammeBudget).where(ProgrammeBudget.year == year))}
    committed, paid = _committed(session, year), _paid(session, year)
    lines = []
    for programme in Programme:
        row = budgets.get(programme.value)
        lines.append(BudgetLine(programme.value, year, row.fund_source if row else DEFAULT_FUND_SOURCE[programme],
                                row.amount if row else None, Decimal(committed.get(programme.value) or ZERO),
                                Decimal(paid.get(programme.value) or ZERO)))
    return lines


def programme_figures(session, programme, year):
    budget = session.scalar(select(ProgrammeBudget).where(ProgrammeBudget.programme == programme,
                                                          ProgrammeBudget.year == year))
    committed = session.scalar(select(func.sum(Award.amount)).where(Award.programme == programme,
                                                                    Award.budget_year == year))
    return BudgetLine(programme, year, budget.fund_source if budget else DEFAULT_FUND_SOURCE[Programme(programme)],
                      budget.amount if budget else None, Decimal(committed or ZERO), ZERO)


def set_budget(session, user, programme, year, amount, fund_source=None):
    """The centre sets (or changes) a programme's budget for a year; returns its figures."""
    ensure(user, Action.SET_BUDGETS)
    problems = {}
    if programme not in Programme._value2member_map_:
        problems["programme"] = [f"应为{'、'.join(PROGRAMME_LABELS.values())}之一"]
    _check_year(year)
    try:
        amount = Decimal(str(amount))
        if amount != amount.quantize(Decimal("0.01")) or not ZERO <= amount <= MAX_BUDGET:
            problems["amount"] = [f"应为 0 至 {yuan(MAX_BUDGET)} 的金额，最多两位小数"]
    except ArithmeticError:
        problems["amount"] = ["应为金额"]
    if fund_source is not None and fund_source not in FundSource._value2member_map_:
        problems["fund_source"] = [f"应为{'、'.join(FUND_SOURCE_LABELS.values())}之一"]
    if problems:
        raise ValidationFailed("预算填写有误", problems)
    row = session.scalar(select(ProgrammeBudget).where(ProgrammeBudget.programme == programme,
                                                       ProgrammeBudget.year == year).with_for_update())
    if row is None:
        row = ProgrammeBudget(programme=programme, year=year)
        session.add(row)
    row.amount, row.set_by_id, row.set_at = amount, user.id, utcnow()
    row.fund_source = fund_source or row.fund_source or DEFAULT_FUND_SOURCE[Programme(programme)]
    session.flush()
    return next(line for line in year_figures(session, user, year) if line.programme == programme)


def approval_warning(session, programme, year, amount):
    """The approver's warning when approving `amount` would pass the year's remaining budget, or there is none."""
    line = programme_figures(session, programme, year)
    label = PROGRAMME_LABELS[Programme(programme)]
    if line.budget is None:
        return f"{year}年{label}尚未设定预算，请核实资金来源后再批准"
    if amount is not None and Decimal(str(amount)) > line.remaining:
        return (f"批准 {yuan(amount)} 将超出{year}年{label}预算：预算 {yuan(line.budget)}，"
                f"已批准 {yuan(line.committed)}，剩余 {yuan(line.remaining)}")
    return None


def _check_year(year):
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed("年度无效", {"year": [f"应为 {FIRST_YEAR} 到 {LAST_YEAR} 之间的年份"]})
