"""INTERIM — swap at merge. The standard in force and an amount's check against it, until
`money/standards.py` (another engineer's `in_force(session, day)` and `check_amount(...)`) is merged.

The lead replaces `in_force` with `from .standards import in_force` and `checked` with a call of
`standards.check_amount`; callers in this branch use only these two names. The rule written here: an approved
standard whose period covers the day; its item for the programme, narrowed by school level or category where
the item says so; a "fixed" item is that amount exactly, a "cap" at most it; no standard or no item refuses.
"""
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import or_, select

from ..wording import long_date, yuan
from .models import PROGRAMME_LABELS, FundStandard, FundStandardItem, Programme, StandardStatus

try:  # the real lookup once standards.py is merged
    from .standards import in_force  # noqa: F401
except ImportError:
    def in_force(session, day):
        """The approved standard whose period covers `day` (the latest to take effect), or None."""
        return session.scalar(select(FundStandard).where(
            FundStandard.status == StandardStatus.APPROVED, FundStandard.effective_from <= day,
            or_(FundStandard.effective_to.is_(None), FundStandard.effective_to >= day))
            .order_by(FundStandard.effective_from.desc(), FundStandard.id.desc()).limit(1))


@dataclass(frozen=True)
class Checked:
    standard: FundStandard | None
    item: FundStandardItem | None
    problem: str | None  # why the amount is refused, or None

    @property
    def limit(self):
        return self.item.amount if self.item else None


def item_for(session, standard, programme, category=None, school_level=None):
    """The standard's item for the programme: one naming the level or category before one naming neither."""
    items = session.scalars(select(FundStandardItem).where(FundStandardItem.standard_id == standard.id,
                                                           FundStandardItem.programme == programme)).all()
    fitting = [i for i in items if i.school_level in (None, school_level) and i.category in (None, category)]
    fitting.sort(key=lambda i: (i.school_level is None, i.category is None))
    return fitting[0] if fitting else None


def checked(session, programme, amount, day, category=None, school_level=None):
    """`amount` (None: only look the item up) held to the standard in force on `day`."""
    label = PROGRAMME_LABELS[Programme(programme)]
    standard = in_force(session, day)
    if standard is None:
        return Checked(None, None, f"{long_date(day)}没有生效的资金标准，不能核定{label}金额")
    item = item_for(session, standard, programme, category, school_level)
    if item is None:
        return Checked(standard, None, f"资金标准《{standard.title}》没有{label}的标准")
    if amount is None:
        return Checked(standard, item, None)
    amount = Decimal(str(amount))
    if item.rule == "fixed" and amount != item.amount:
        return Checked(standard, item, f"{label}按标准定额 {yuan(item.amount)}（{standard.document_number}）")
    if amount > item.amount:
        return Checked(standard, item, f"{label}不超过标准上限 {yuan(item.amount)}（{standard.document_number}）")
    return Checked(standard, item, None)
