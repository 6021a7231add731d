"""Timer values: ISO 8601 as the BPMN standard and Camunda Modeler write them, or Python expressions.

A timer's text is read once, at deployment. Text that looks like ISO 8601 (`P5D`, `PT2S`, `2026-12-01`,
`2026-12-01T09:00:00+08:00`, `R/P1Y`, `R3/2027-01-01T09:00:00+08:00/P1D`) is an ISO value: it must be
one the timer can use, or the model is refused, and SpiffWorkflow is handed it as a string constant.
Any other text is a sandboxed expression over the case data, evaluated when the workflow reaches the
timer; its value is checked then (script_engine.ScriptEngine), and a bad one makes the case an incident.

Date-times without an offset, and dates (midnight), are China time (config.LOCAL_TIMEZONE) whatever the
server's time zone: values are normalised here to carry the offset, and SpiffWorkflow's own fallback
zone is set to China time too (timing.py).
"""
import ast
import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .. import clock
from ..config import LOCAL_TIMEZONE

KINDS = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}
MAX_REPEATS = 100  # a repeating boundary timer fires at most this many times (R100/…)
MAX_YEARS = 100  # the longest duration or period a timer may have
MIN_START_PERIOD = timedelta(days=1)  # the shortest cycle of a timer start event: each firing starts a case
_BASE = datetime(2000, 1, 1, tzinfo=LOCAL_TIMEZONE)

_LOOKS_ISO = re.compile(r"(?:P(?:\d|T\d)|R\d*/|\d{4}-?\d{2})")
_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                       r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:[.,]\d+)?)S)?)?")
_CYCLE = re.compile(r"R(\d*)/([^/]+)(?:/([^/]+))?")

_HELP = {
    "duration": "应为 ISO 8601 时长，如 PT2S、P5D、P1Y2M",
    "date": "应为 ISO 8601 日期或日期时间，如 2026-12-01 或 2026-12-01T09:00:00+08:00",
    "cycle": "应为 ISO 8601 循环：R次数/周期 或 R次数/开始时间/周期，如 R/P1Y、R3/P1D、R3/2027-01-01T09:00:00+08:00/P1D",
}
_NOUN = {"duration": "时长", "date": "时间", "cycle": "循环"}


class TimerValueError(Exception):
    """A timer value no timer can use; the text (Chinese) says what is wrong and what is expected."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Duration:
    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    hours: int = 0
    minutes: int = 0
    seconds: float = 0

    def times(self, k):
        return Duration(*(k * getattr(self, name) for name in
                          ("years", "months", "weeks", "days", "hours", "minutes", "seconds")))

    def after(self, instant):
        """`instant` plus this duration, years and months on the China-time calendar (31 Jan + P1M = 28/29 Feb)."""
        local = instant.astimezone(LOCAL_TIMEZONE)
        months = local.month - 1 + self.months + 12 * self.years
        year, month = local.year + months // 12, months % 12 + 1
        local = local.replace(year=year, month=month, day=min(local.day, calendar.monthrange(year, month)[1]))
        return local + timedelta(weeks=self.weeks, days=self.days, hours=self.hours, minutes=self.minutes,
                                 seconds=self.seconds)


def looks_iso(text):
    """Whether timer text is meant as an ISO 8601 value rather than an expression."""
    return bool(_LOOKS_ISO.match(text.strip()))


def parse_duration(text):
    match = _DURATION.fullmatch(text.strip())
    if not match or text.strip() in ("P", "PT") or (match.group(3) and any(match.group(i) for i in (1, 2, 4))):
        raise TimerValueError(f"定时器时长“{_quote(text)}”无效：{_HELP['duration']}")
    years, months, weeks, days, hours, minutes = (int(match.group(i) or 0) for i in range(1, 7))
    duration = Duration(years, months, weeks, days, hours, minutes, float((match.group(7) or "0").replace(",", ".")))
    try:
        too_long = duration.after(_BASE) > _BASE.replace(year=_BASE.year + MAX_YEARS)
    except (ValueError, OverflowError):
        too_long = True
    if too_long:
        raise TimerValueError(f"定时器时长“{_quote(text)}”超过 {MAX_YEARS} 年")
    return duration


def parse_instant(text):
    """An ISO 8601 date or date-time as an aware datetime; no offset means China time, a date its midnight."""
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text):
            value = datetime.combine(date.fromisoformat(text), datetime.min.time())
        else:
            if "T" not in text.upper():
                raise ValueError
            value = datetime.fromisoformat(text)
    except ValueError:
        raise TimerValueError(f"定时器时间“{_quote(text)}”无效：{_HELP['date']}") from None
    if not 1970 <= value.year <= 2999:
        raise TimerValueError(f"定时器时间“{_quote(text)}”超出范围（1970 至 2999 年）")
    return value if value.tzinfo is not None else value.replace(tzinfo=LOCAL_TIMEZONE)


@dataclass(frozen=True)
class Cycle:
    count: int | None  # None: repeats without end
    start: datetime | None  # None: the first firing is one period after the timer is reached
    period: Duration
    period_text: str


def parse_cycle(text):
    match = _CYCLE.fullmatch(text.strip().upper())
    if not match:
        raise TimerValueError(f"定时器循环“{_quote(text)}”无效：{_HELP['cycle']}")
    count = int(match.group(1)) if match.group(1) else None
    if count == 0:
        raise TimerValueError(f"定时器循环“{_quote(text)}”的次数为 0，定时器永不触发：{_HELP['cycle']}")
    first, second = match.group(2), match.group(3)
    try:
        if first.startswith("P") and second is None:
            period_text, start = first, None
        elif not first.startswith("P") and second is not None and second.startswith("P"):
            start, period_text = parse_instant(first), second
        else:
            raise TimerValueError("")
        period = parse_duration(period_text)
    except TimerValueError:
        raise TimerValueError(f"定时器循环“{_quote(text)}”无效：{_HELP['cycle']}") from None
    if period.after(_BASE) <= _BASE:
        raise TimerValueError(f"定时器循环“{_quote(text)}”的周期为 0：{_HELP['cycle']}")
    return Cycle(count, start, period, period_text)


def normalise(kind, value):
    """The ISO text SpiffWorkflow is given for a timer value: date-times with an explicit offset (China time
    when the value has none). TimerValueError when the value is not one a `kind` timer can use."""
    if not isinstance(value, str):
        raise TimerValueError(f"定时器{_NOUN[kind]}应为文本（ISO 8601），而不是 {type(value).__name__}：{_HELP[kind]}")
    text = value.strip()
    if kind == "duration":
        parse_duration(text)
        return text
    if kind == "date":
        return parse_instant(text).isoformat()
    cycle = parse_cycle(text)
    repeat = f"R{cycle.count if cycle.count is not None else ''}"
    if cycle.start is not None:
        return f"{repeat}/{cycle.start.isoformat()}/{cycle.period_text}"
    return f"{repeat}/{cycle.period_text}"


def literal(text):
    """The timer's value when its text is fixed at deployment (ISO text, or an expression that is only a
    string constant), else None: an expression whose value depends on the case."""
    text = (text or "").strip()
    if looks_iso(text):
        return text
    try:
        return ast.literal_eval(text)  # a constant of another type is kept, to be refused by `normalise`
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None


def _quote(text):
    """A value as quoted in a message: short, and with long digit runs (ID, card, phone numbers) masked, since
    an incident is shown to every role that reads the case. Dates and times keep their digits."""
    text = _LONG_NUMBER.sub("******", str(text))
    return text if len(text) <= 40 else text[:40] + "…"


_LONG_NUMBER = re.compile(r"\d(?: ?\d){5,}")


SPIFF_KINDS = {"TimeDateEventDefinition": "date", "DurationTimerEventDefinition": "duration",
                "CycleTimerEventDefinition": "cycle"}


def checked_value(task, expression, value):
    """The value a timer expression gave, as normalised ISO text for SpiffWorkflow; TimerValueError naming
    the event and the expression when no timer can use it. Values of other expressions pass unchanged."""
    definition = getattr(task.task_spec, "event_definition", None)
    kind = SPIFF_KINDS.get(type(definition).__name__)
    if kind is None or expression != definition.expression:
        return value
    try:
        text = normalise(kind, value)
        if kind == "cycle" and getattr(task.task_spec, "cancel_activity", True) is False:
            check_repeats(parse_cycle(text))
    except TimerValueError as exc:
        name = task.task_spec.bpmn_name or task.task_spec.bpmn_id or task.task_spec.name
        raise TimerValueError(f"{name}：定时器表达式 {_quote(expression.strip())} 的值无效（{exc.text}）") from None
    return text


def check_repeats(cycle):
    """A repeating non-interrupting timer must say how many times it fires, at most MAX_REPEATS."""
    if cycle.count is None or cycle.count > MAX_REPEATS:
        raise TimerValueError(f"非中断边界定时器的循环须写明次数，且不超过 {MAX_REPEATS} 次，如 R3/P1D")


def check_start_period(cycle):
    """A timer start event's cycle starts a new case at each firing: at most one a day (R/PT1S, with the
    scheduler's tick every few seconds, would start thousands of cases a day for as long as it runs)."""
    if cycle.period.after(_BASE) - _BASE < MIN_START_PERIOD:
        raise TimerValueError(f"定时开始事件每次触发都会发起一件新案件，循环周期不能短于 1 天"
                              f"（“{_quote(cycle.period_text)}”过短），如 R/P1D、R/P1M、R/P1Y")


def skip_missed_cycles(waiting_tasks):
    """A repeating timer fires once for the cycles that passed while nothing fired it (a scheduler down for
    three days starts one 督办 task, not three): the periods already past are counted as spent."""
    now = clock.now()
    for task in waiting_tasks:
        if type(getattr(task.task_spec, "event_definition", None)).__name__ != "CycleTimerEventDefinition":
            continue
        value = task._get_internal_data("event_value")
        if not isinstance(value, dict) or not value.get("duration"):
            continue
        due, period = datetime.fromisoformat(value["next"]), timedelta(seconds=value["duration"])
        while due < now and value["cycles"] != 0:
            due += period
            value["cycles"] -= 1 if value["cycles"] > 0 else 0
        value["next"] = due.isoformat()
