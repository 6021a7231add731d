"""The money report's shapes: the period it covers, its tables' lines, and each table's total computed from
its lines (the sum of a report is the sum of its lines, whatever the lines are)."""
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Period:
    """A calendar year, or one month of it."""
    year: int
    month: int | None = None

    def __post_init__(self):
        if not 1 <= (self.month or 1) <= 12:
            raise ValueError(f"month {self.month} is not 1-12")

    @property
    def first(self):
        return date(self.year, self.month or 1, 1)

    @property
    def last(self):
        if self.month in (None, 12):
            return date(self.year, 12, 31)
        return date(self.year, self.month + 1, 1) - timedelta(days=1)

    @property
    def label(self):
        return f"{self.year}年{self.month}月" if self.month else f"{self.year}年"


@dataclass
class MoneyLine:
    key: str | None
    label: str
    times: int = 0  # 户次
    awarded: Decimal = ZERO
    paid: Decimal = ZERO


@dataclass
class RegisterLine:
    key: str | None
    label: str
    at_start: int = 0
    entered: int = 0
    exited: int = 0

    @property
    def at_end(self):
        return self.at_start + self.entered - self.exited


@dataclass
class MonthLine:
    month: int
    label: str
    entered: int
    exited: int
    at_end: int


@dataclass
class RegisterMonth:
    """The register in one month of a span of years (reports.register_sizes)."""
    month: date  # its first day
    label: str
    entered: int
    exited: int
    at_end: int


@dataclass
class GrantLine:
    student_name: str | None
    school_level: str | None
    school_level_label: str
    amount: Decimal
    file_number: str | None
    worker_name: str
    union: str
    approved_on: date


@dataclass
class Table:
    """A report table: its lines and, computed from them, its total."""
    key: str
    title: str
    lines: list = field(default_factory=list)

    @property
    def total(self):
        if not self.lines:
            return None
        kind = type(self.lines[0])
        if kind is MoneyLine:
            return MoneyLine(None, "合计", sum(x.times for x in self.lines), _sum(x.awarded for x in self.lines),
                             _sum(x.paid for x in self.lines))
        if kind is RegisterLine:
            return RegisterLine(None, "合计", sum(x.at_start for x in self.lines),
                                sum(x.entered for x in self.lines), sum(x.exited for x in self.lines))
        if kind is MonthLine:  # the register's size is the year's last month's, not a sum
            return MonthLine(0, "合计", sum(x.entered for x in self.lines), sum(x.exited for x in self.lines),
                             self.lines[-1].at_end)
        return GrantLine(None, None, f"{len(self.lines)}人", _sum(x.amount for x in self.lines), None, "", "", None)


@dataclass
class MoneyReport:
    period: Period
    centre: str
    register: Table  # 在档家庭 by union
    money: dict  # dimension key -> Table of MoneyLine
    grants: Table  # 金秋助学 per student
    months: Table  # 在档户数 month by month


def _sum(values):
    return sum(values, ZERO)
