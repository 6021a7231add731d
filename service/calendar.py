"""Counting days for deadlines, in one place: China's working days, and calendar days where a rule says so.

A working day is Monday to Friday, less statutory holidays, plus make-up working days (调休). Holidays come
from the maintained `chinese-calendar` package (the years the State Council has published) and from the
`calendar_days` table, which the centre's administrator fills for a year the package does not know yet
(`bangfu calendar import FILE`, or the 工作日历 page); a year in the table replaces the package's for that
year. A year counts as known only when it is in `calendar_years` (imported whole) or in the package. A date
in any other year raises `YearNotKnown`, whose message says so in Chinese; nothing is guessed.

Lookups are cheap: each session asks the table once for its stamp (how many years, last import), the years
are built once per process and stamp, and an import changes the stamp, so every process sees it.

A task due on a day may be done until that day ends in China; it is late from the next morning.

Import file (UTF-8 CSV, one day a line: date (2027-01-01, 2027/1/1 or 2027年1月1日), 休 or 班, name, optional
note; `#` comments and blank lines are skipped, a first line starting with "日期" or "date" is a header; the
other days of the year follow the week):

    2027-01-01,休,元旦
    2027-02-07,班,春节调休,周日上班

or JSON: a list of {"date": "2027-01-01", "type": "休", "name": "元旦", "note": "..."}.
"""
import csv
import functools
import io
import json
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import has_app_context
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, delete, event, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .clock import local_date
from .config import LOCAL_TIMEZONE
from .db import Base, UTCDateTime, utcnow
from .engine.workdays import YearNotKnown, Workdays, year_not_known_message
from .errors import ValidationFailed

__all__ = ["YearNotKnown", "add_days", "add_working_days", "current", "due_after", "due_after_working",
           "due_on", "end_of_day", "import_days", "is_working_day", "working_period_end"]

HOLIDAY, WORKDAY = "休", "班"
HOLIDAY_NAMES = {  # chinese-calendar's names, in Chinese
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
MAX_FILE_BYTES = 64 * 1024


class CalendarYear(Base):
    """A year the administrator imported whole: its days that differ from the week are in calendar_days."""
    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    imported_by: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(200))


class CalendarDay(Base):
    """A holiday (is_working_day false) or a make-up working day (true) of an imported year."""
    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_years.year", ondelete="CASCADE"), index=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(50))
    note: Mapped[str | None] = mapped_column(String(200))


# ---------------------------------------------------------------------------------------------- calendar days

def add_days(start, days):
    """The date `days` calendar days after the date `start`."""
    return start + timedelta(days=days)


def period_end(start, days):
    """The last day of a period `days` calendar days long that begins on `start` (its first day counts)."""
    return add_days(start, days - 1)


def end_of_day(day):
    """The last instant of a date in China, UTC."""
    next_morning = datetime.combine(add_days(day, 1), time(), LOCAL_TIMEZONE)
    return (next_morning - timedelta(microseconds=1)).astimezone(timezone.utc)


def end_of_day_iso(day):
    """The end of a date in China as ISO 8601 with +08:00, as a BPMN timeDate reads it."""
    return datetime.combine(day, time(23, 59, 59), LOCAL_TIMEZONE).isoformat()


def due_after(opened_at, days):
    """When something that opened at `opened_at` and must be done within `days` calendar days is due."""
    return end_of_day(add_days(local_date(opened_at), days))


def due_on(day):
    """When something that must be done by the date `day` is due."""
    return end_of_day(day)


# ---------------------------------------------------------------------------------------------- working days

def is_working_day(day, workdays=None):
    return (workdays or current()).is_working_day(day)


def add_working_days(day, n, workdays=None):
    """The date `n` working days after `day` (not counting `day`); YearNotKnown past the known years."""
    return (workdays or current()).add_working_days(day, n)


def working_period_end(start, n, workdays=None):
    """The last day of a period of `n` working days beginning on `start`, both ends counted."""
    return (workdays or current()).period_end(start, n)


def due_after_working(opened_at, n, workdays=None):
    """When something that opened at `opened_at` and must be done within `n` working days is due: the end of
    the n-th working day after the day it opened."""
    return end_of_day(add_working_days(local_date(opened_at), n, workdays))


# ---------------------------------------------------------------------------------------------- the data

_package_years = None
_cache_lock = threading.Lock()
_cache = {}  # stamp -> Workdays; an import changes the stamp
_SESSION_KEY = "bangfu.calendar"


def package_years():
    """{year: ({holidays on weekdays}, {worked weekend days})} for the years chinese-calendar knows."""
    global _package_years
    if _package_years is None:
        import chinese_calendar
        years = {}
        for day in chinese_calendar.holidays:
            if day.weekday() < 5:
                years.setdefault(day.year, (set(), set()))[0].add(day)
        for day in chinese_calendar.workdays:
            years.setdefault(day.year, (set(), set()))[1].add(day)
        first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
        for year in range(first, last + 1):
            years.setdefault(year, (set(), set()))
        _package_years = years
    return _package_years


@functools.cache
def _package_workdays():
    return Workdays(package_years())


def package_days(year):
    """[(date, is_working_day, Chinese name)] of a year chinese-calendar knows, in date order."""
    import chinese_calendar
    found = [(d, False, HOLIDAY_NAMES.get(n, n)) for d, n in chinese_calendar.holidays.items() if d.year == year]
    found += [(d, True, f"{HOLIDAY_NAMES.get(n, n)}调休") for d, n in chinese_calendar.workdays.items()
              if d.year == year]
    return sorted(found)


_STAMP = select(func.count(CalendarYear.year), func.max(CalendarYear.imported_at))  # built once: read per command


def _stamp(session):
    count, last = session.execute(_STAMP).one()
    return count, last.isoformat() if last else None


def load(session):
    """The working days the package and the table know, as this session sees them (an import in flight too)."""
    years = dict(package_years())
    rows = session.execute(select(CalendarYear.year)).scalars().all()
    table = {year: (set(), set()) for year in rows}
    for row in session.scalars(select(CalendarDay)):
        off, on = table.setdefault(row.year, (set(), set()))
        if row.is_working_day and row.day.weekday() >= 5:
            on.add(row.day)
        elif not row.is_working_day and row.day.weekday() < 5:
            off.add(row.day)
    years.update(table)
    return Workdays(years)


def current(session=None):
    """The working days in force: once per session, the table's stamp decides whether the cache holds."""
    if session is None:
        if not has_app_context():  # a script or test without the service: the package's years alone
            return _package_workdays()
        from . import db
        session = db.session()
    memo = session.info.get(_SESSION_KEY)
    if memo is not None:
        return memo
    stamp = _stamp(session)
    with _cache_lock:
        workdays = _cache.get(stamp)
    if workdays is None:
        workdays = load(session)
        with _cache_lock:
            _cache.clear()
            _cache[stamp] = workdays
    session.info[_SESSION_KEY] = workdays
    return workdays


def forget(session, *_):
    """Drop this session's memo (after an import, or when its transaction ends)."""
    session.info.pop(_SESSION_KEY, None)


event.listen(Session, "after_commit", forget)
event.listen(Session, "after_soft_rollback", forget)


# ---------------------------------------------------------------------------------------------- import

@dataclass
class ImportedDay:
    day: date
    is_working_day: bool
    name: str
    note: str | None
    line: int


class CalendarFileInvalid(ValidationFailed):
    """An import file with problems, each named by its line."""


def parse_file(content, filename=""):
    """The days of an import file (bytes or text), checked: one year, no duplicates, 休 or 班, a name. Raises
    CalendarFileInvalid naming each bad line."""
    if isinstance(content, bytes):
        if len(content) > MAX_FILE_BYTES:
            raise CalendarFileInvalid("导入文件过大", {"file": [f"不能超过 {MAX_FILE_BYTES // 1024} KB"]})
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CalendarFileInvalid("导入文件应为 UTF-8 编码的文本", {"file": ["不是 UTF-8 文本"]}) from None
    stripped = content.lstrip()
    entries = _json_entries(stripped) if filename.lower().endswith(".json") or stripped.startswith("[") \
        else _csv_entries(content)
    problems, days = {}, []
    for line, cells in entries:
        day, reasons = _day(line, cells)
        if reasons:
            problems[f"第 {line} 行"] = reasons
        else:
            days.append(day)
    if not entries:
        problems["file"] = ["文件中没有任何日期"]
    seen = {}
    for day in days:
        if day.day in seen:
            problems.setdefault(f"第 {day.line} 行", []).append(
                f"{day.day.isoformat()} 与第 {seen[day.day]} 行重复")
        seen.setdefault(day.day, day.line)
    years = sorted({day.day.year for day in days})
    if len(years) > 1:
        first = years[0]
        for day in days:
            if day.day.year != first:
                problems.setdefault(f"第 {day.line} 行", []).append(
                    f"一个文件只能导入一年：本文件从 {first} 年开始，此行为 {day.day.year} 年")
    if problems:
        by_line = sorted(problems.items(), key=lambda item: int(item[0].split()[1]) if item[0] != "file" else 0)
        raise CalendarFileInvalid("导入文件有误，未导入任何内容", dict(by_line))
    return years[0], sorted(days, key=lambda d: d.day)


def _csv_entries(text):
    entries = []
    for line, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if not entries and cells[0].lower() in ("日期", "date"):
            continue
        entries.append((line, cells))
    return entries


def _json_entries(text):
    try:
        items = json.loads(text)
    except ValueError as exc:
        raise CalendarFileInvalid("导入文件不是有效的 JSON", {"file": [f"第 {exc.lineno} 行附近格式有误"
                                                                   if hasattr(exc, "lineno") else "格式有误"]})
    if not isinstance(items, list):
        raise CalendarFileInvalid("JSON 导入文件应为数组", {"file": ["应为 [{\"date\": ..., \"type\": ..., \"name\": ...}]"]})
    entries = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            entries.append((index, [None]))
            continue
        entries.append((index, [item.get("date"), item.get("type"), item.get("name"), item.get("note")]))
    return entries


_FILE_DATE = re.compile(r"(\d{4})(?:-(\d{2})-(\d{2})|/(\d{1,2})/(\d{1,2})|年(\d{1,2})月(\d{1,2})日)")


def _file_date(text):
    """A date written 2027-01-01, 2027/1/1 or 2027年1月1日; None otherwise."""
    found = _FILE_DATE.fullmatch(text) if isinstance(text, str) else None
    if not found:
        return None
    year, *parts = found.groups()
    month, day = [int(p) for p in parts if p is not None]
    try:
        return date(int(year), month, day)
    except ValueError:
        return None


def _day(line, cells):
    """(ImportedDay, []) or (None, [reasons])."""
    reasons = []
    cells = list(cells) + [None] * (4 - len(cells))
    raw_date, kind, name, note = cells[:4]
    if len(cells) > 4 and any(cells[4:]):
        reasons.append("列数过多：应为“日期,休或班,名称,备注（可省略）”")
    day = _file_date(raw_date)
    if day is None:
        reasons.append(f"日期“{raw_date or ''}”无效，应为 年-月-日（如 2027-01-01 或 2027年1月1日）")
    if kind not in (HOLIDAY, WORKDAY):
        reasons.append(f"第二列“{kind or ''}”应为“休”（放假）或“班”（调休上班）")
    if not isinstance(name, str) or not name.strip():
        reasons.append("缺少名称（如 元旦、春节调休）")
    elif len(name) > 50:
        reasons.append("名称不能超过 50 个字")
    if note is not None and (not isinstance(note, str) or len(note) > 200):
        reasons.append("备注应为不超过 200 个字的文字")
    if day and kind == WORKDAY and day.weekday() < 5:
        reasons.append(f"{day.isoformat()} 是周{'一二三四五'[day.weekday()]}，本来就上班，无需标为“班”")
    if reasons:
        return None, reasons
    return ImportedDay(day, kind == WORKDAY, name.strip(), (note or "").strip() or None, line), []


@dataclass
class ImportResult:
    year: int
    holidays: int  # days off on weekdays
    workdays: int  # worked weekend days
    rows: int
    replaced: bool
    tasks_dated: int  # open tasks whose due date could now be computed


def import_days(session, content, filename="", imported_by=None):
    """Replace a year's days with those of the file, in the command's transaction, and give the open tasks
    that waited for this year their due dates."""
    year, days = parse_file(content, filename)
    replaced = session.get(CalendarYear, year) is not None
    session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    session.execute(delete(CalendarYear).where(CalendarYear.year == year))
    session.flush()
    session.add(CalendarYear(year=year, imported_at=utcnow(), imported_by=imported_by, source=filename[:200] or None))
    session.flush()
    session.add_all(CalendarDay(day=d.day, year=year, is_working_day=d.is_working_day, name=d.name, note=d.note)
                    for d in days)
    session.flush()
    forget(session)
    workdays = load(session)
    session.info[_SESSION_KEY] = workdays
    from .tasks.deadlines import date_pending_tasks
    dated = date_pending_tasks(session, workdays)
    return ImportResult(year, sum(1 for d in days if not d.is_working_day and d.day.weekday() < 5),
                        sum(1 for d in days if d.is_working_day), len(days), replaced, dated)


# ---------------------------------------------------------------------------------------------- reading

@dataclass
class YearSummary:
    year: int
    source: str  # "package" or "table"
    imported_at: datetime | None
    imported_by: str | None
    days: list  # [(date, is_working_day, name, note)]


def known_years(session):
    """Every known year, newest first, with where its days come from."""
    table = {row.year: row for row in session.scalars(select(CalendarYear))}
    years = sorted(set(package_years()) | set(table), reverse=True)
    return [(year, "table" if year in table else "package", table.get(year)) for year in years]


def year_summary(session, year):
    """A known year's holidays and make-up days; YearNotKnown otherwise."""
    row = session.get(CalendarYear, year)
    if row is not None:
        days = [(d.day, d.is_working_day, d.name, d.note) for d in
                session.scalars(select(CalendarDay).where(CalendarDay.year == year).order_by(CalendarDay.day))]
        return YearSummary(year, "table", row.imported_at, row.imported_by, days)
    if year in package_years():
        return YearSummary(year, "package", None, None, [(d, w, n, None) for d, w, n in package_days(year)])
    raise YearNotKnown(year_not_known_message(year), year)
