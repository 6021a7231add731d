"""Counting China's working days over known years: the arithmetic, without any source of data.

A year is known when its statutory holidays and make-up working days (调休) are: `Workdays` holds, per
known year, the weekdays that are not worked (holidays) and the weekend days that are (调休); every other
day follows the week (Monday to Friday worked). A date in a year it does not know raises `YearNotKnown`,
never a guess.

The service (bangfu.calendar) fills it from the `chinese-calendar` package and the administrator's table.
Script workers fill it from the JSON the service sends with a call (`to_json` / `from_json`): this module
imports only the standard library, so a worker loads it as a plain module beside restricted.py.
"""
from datetime import date, datetime, timedelta

MAX_STEP_DAYS = 3660  # add_working_days moves at most this many working days (ten years)


def year_not_known_message(year):
    return f"{year}年的节假日安排尚未导入，无法按工作日计算；请中心管理员导入"


class YearNotKnown(LookupError):
    """A date falls in a year whose holidays are not known."""

    def __init__(self, message, year=None):
        super().__init__(message)
        self.year = year


def as_date(value):
    """A date from a date, a datetime or an ISO string ("2026-10-09" or "2026-10-09T18:00:00+08:00")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise ValueError(f"日期应为“年-月-日”格式（如 2026-10-09），当前为 {value!r}"[:200])


class Workdays:
    """Working days over the years it knows: {year: (holidays on weekdays, worked weekend days)}."""

    def __init__(self, years):
        self.years = {int(year): (frozenset(off), frozenset(on)) for year, (off, on) in years.items()}

    def known(self, year):
        return year in self.years

    def _year(self, year):
        try:
            return self.years[year]
        except KeyError:
            raise YearNotKnown(year_not_known_message(year), year) from None

    def is_working_day(self, day):
        off, on = self._year(day.year)
        return day in on if day.weekday() >= 5 else day not in off

    def add_working_days(self, day, n):
        """The date `n` working days after `day` (`day` itself not counted; n < 0 goes back; 0 is `day`)."""
        if abs(n) > MAX_STEP_DAYS:
            raise ValueError(f"工作日数不能超过 {MAX_STEP_DAYS}")
        step = timedelta(days=1 if n >= 0 else -1)
        left = abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def period_end(self, start, n):
        """The last day of a period of `n` working days (n ≥ 1) that begins on `start`, both ends counted:
        `start` counts when it is a working day, else the period begins on the next one."""
        return self.add_working_days(start - timedelta(days=1), n)

    def to_json(self):
        return {str(year): {"off": sorted(d.isoformat() for d in off), "on": sorted(d.isoformat() for d in on)}
                for year, (off, on) in self.years.items()}

    @classmethod
    def from_json(cls, data):
        return cls({int(year): ({date.fromisoformat(d) for d in entry["off"]},
                                {date.fromisoformat(d) for d in entry["on"]})
                    for year, entry in (data or {}).items()})


def helpers(workdays):
    """The functions model expressions may call, over `workdays`: ISO dates in and out, as task data holds."""
    def add_working_days(value, n):
        if isinstance(n, bool) or not isinstance(n, int):
            raise ValueError("add_working_days 的第二个参数应为整数（工作日数）")
        return workdays.add_working_days(as_date(value), n).isoformat()

    def is_working_day(value):
        return workdays.is_working_day(as_date(value))
    return {"add_working_days": add_working_days, "is_working_day": is_working_day}


HELPER_NAMES = frozenset({"add_working_days", "is_working_day"})
