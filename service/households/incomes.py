"""Monthly incomes a visit verified, and the 脱困 suggestion they give.

Where incomes are recorded: each annual-review visit (review_visit form) lists the household's verified
income month by month (`monthly_incomes`: month YYYY-MM, household income) with the household size it
verified. They are kept per household and month in household_incomes (a later visit's figure for the same
month replaces the earlier one), so months verified at one visit count with those of the next.

The suggestion (脱困建议, Jiangsu 2019): per-capita monthly income (household income ÷ household size) above
the local 低保 line in each of 6 consecutive calendar months, the last of them the latest month recorded.
The service only suggests; the centre concludes and the approver approves. Incomes are personal data: the
suggestion's figures are under `income_notes` and `per_capita_income`, which privacy.POLICY hides from the
roles that may not see incomes.
"""
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ForeignKey, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow
from ..sealing import SealedDecimal
from ..wording import amount

CONSECUTIVE_MONTHS = 6
CENT = Decimal("0.01")


class HouseholdIncome(Base):
    """A household's verified income in one month, as a visit recorded it."""

    __tablename__ = "household_incomes"
    __table_args__ = (UniqueConstraint("household_id", "month", name="uq_household_incomes_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    month: Mapped[date]  # the first day of the month
    household_income: Mapped[Decimal] = mapped_column(SealedDecimal("household_incomes.household_income"))
    household_size: Mapped[int]
    per_capita_income: Mapped[Decimal] = mapped_column(SealedDecimal("household_incomes.per_capita_income"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


@dataclass(frozen=True)
class MonthIncome:
    month: date
    household_income: Decimal
    household_size: int

    @property
    def per_capita(self):
        return (self.household_income / self.household_size).quantize(CENT, ROUND_HALF_UP)


def parse_month(text):
    """2026-06 -> date(2026, 6, 1); ValueError for anything else."""
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def from_visit(visit):
    """The months a review_visit answer lists, as MonthIncome (the visit's household size for each)."""
    size = visit.get("household_size") or 1
    return [MonthIncome(parse_month(item["month"]), Decimal(str(item["monthly_household_income"])), size)
            for item in visit.get("monthly_incomes") or []]


def month_problems(visit, today):
    """{field: [reason]}: a month listed twice, or a month not yet over (its income is not known)."""
    found, seen = {}, {}
    for index, item in enumerate(visit.get("monthly_incomes") or []):
        try:
            month = parse_month(item["month"])
        except (KeyError, ValueError, TypeError):
            continue
        if month in seen:
            found[f"monthly_incomes.{index}.month"] = [f"与第 {seen[month] + 1} 行月份重复"]
        elif (month.year, month.month) >= (today.year, today.month):
            found[f"monthly_incomes.{index}.month"] = ["只能填写已经结束的月份"]
        seen.setdefault(month, index)
    return found


def recorded(session, household_id):
    """The household's recorded months, MonthIncome each, by month."""
    rows = session.execute(select(HouseholdIncome.month, HouseholdIncome.household_income,
                                  HouseholdIncome.household_size)
                           .where(HouseholdIncome.household_id == household_id)).all()
    return [MonthIncome(month, income, size) for month, income, size in rows]


def record(session, household_id, months, case_id, now):
    """Keep the visit's months for the household; a month already recorded takes the new figures."""
    if not months:
        return
    existing = {row.month: row for row in session.scalars(select(HouseholdIncome).where(
        HouseholdIncome.household_id == household_id, HouseholdIncome.month.in_([m.month for m in months])))}
    for item in months:
        row = existing.get(item.month)
        if row is None:
            row = HouseholdIncome(household_id=household_id, month=item.month)
            session.add(row)
        row.household_income, row.household_size = item.household_income, item.household_size
        row.per_capita_income, row.case_id, row.recorded_at = item.per_capita, case_id, now
    session.flush()


def suggestion(months, dibao_line):
    """The 脱困 suggestion from monthly incomes (the latest figure per month wins: pass older ones first):
    {"suggested", "months_above", "latest_month", "per_capita_income", "income_notes"}, or None without any."""
    by_month = {}
    for item in months:
        by_month[item.month] = item
    if not by_month:
        return None
    ordered = sorted(by_month.values(), key=lambda m: m.month, reverse=True)
    run, expected = 0, ordered[0].month
    for item in ordered:
        if item.month != expected or item.per_capita <= dibao_line:
            break
        run += 1
        expected = _previous_month(expected)
    latest = ordered[0]
    suggested = run >= CONSECUTIVE_MONTHS
    line = amount(dibao_line)
    if suggested:
        note = f"已连续 {run} 个月人均月收入高于低保标准（{line} 元），符合脱困条件，建议退出（脱困）"
    elif run:
        note = f"人均月收入连续 {run} 个月高于低保标准（{line} 元），不足 {CONSECUTIVE_MONTHS} 个月，暂不建议脱困"
    else:
        note = f"最近一个月人均月收入未高于低保标准（{line} 元），不建议脱困"
    notes = [note] + [f"{_month_label(m.month)}：家庭月收入 {amount(m.household_income)} 元，{m.household_size} 人，"
                      f"人均 {amount(m.per_capita)} 元" for m in ordered[:12]]
    return {"suggested": suggested, "months_above": run, "latest_month": f"{latest.month:%Y-%m}",
            "latest_month_label": _month_label(latest.month),
            "per_capita_income": str(latest.per_capita), "income_notes": notes}


def _month_label(day):
    return f"{day.year}年{day.month}月"


def _previous_month(day):
    return date(day.year - 1, 12, 1) if day.month == 1 else date(day.year, day.month - 1, 1)
