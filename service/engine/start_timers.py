"""A process's timer start event, as plain data for the scheduler that starts its cases.

The timer says when cases start; it does not hold a started case back: the service starts a case when
its start is due (or when a user starts one), and the case runs past its start event at once
(Engine.start). A timeDuration or a cycle without a start instant counts from the version's deployment.
Instants are aware datetimes in UTC. A first start may lie in the past (a date already gone when the
version is deployed); whether to start a case for starts missed is the scheduler's choice: `next_due(now,
deployed_at)` gives the next start still to come.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from .timers import literal, normalise, parse_cycle, parse_duration, parse_instant


@dataclass(frozen=True)
class StartTimer:
    element: str  # the start event's BPMN id
    kind: str  # "date" (timeDate), "duration" (timeDuration) or "cycle" (timeCycle)
    value: str  # the ISO 8601 text, date-times with their offset
    first_due: datetime | None  # the first start when fixed by the model; None: it counts from deployment
    period: str | None  # a cycle's ISO duration between starts, e.g. "P1Y"
    count: int | None  # how many starts in all: 1 for date and duration; None for a cycle without end

    def due(self, deployed_at):
        """The first start's instant (UTC) for a version deployed at `deployed_at` (which may be past)."""
        return self._nth(0, deployed_at)

    def next_due(self, after, deployed_at):
        """The first start strictly after the instant `after`, or None when the timer starts no more cases."""
        try:
            return self._next(after, deployed_at)
        except (ValueError, OverflowError):  # past the year 9999
            return None

    def _next(self, after, deployed_at):
        if self._nth(0, deployed_at) > after:
            return self._nth(0, deployed_at)
        if self.count == 1:
            return None
        low, high = 0, 1  # occurrence `low` is not after `after`; find the first that is
        while self._nth(high, deployed_at) <= after:
            low, high = high, high * 2
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (middle, high) if self._nth(middle, deployed_at) <= after else (low, middle)
        return self._nth(high, deployed_at) if self.count is None or high < self.count else None

    def _nth(self, k, deployed_at):
        """The k-th start (from 0), on the calendar from the first: 31 Jan + P1M then 31 Mar, no drift."""
        if self.kind == "date":
            return self.first_due.astimezone(timezone.utc)
        if self.kind == "duration":
            return parse_duration(self.value).after(deployed_at).astimezone(timezone.utc)
        cycle = parse_cycle(self.value)
        base, k = (cycle.start, k) if cycle.start is not None else (deployed_at, k + 1)
        return cycle.period.times(k).after(base).astimezone(timezone.utc)


def start_timer_of(element, kind, text):
    """The StartTimer for a start event's timer text (ISO, or an expression that is a string constant)."""
    value = normalise(kind, literal(text))
    if kind == "date":
        return StartTimer(element, kind, value, parse_instant(value), None, 1)
    if kind == "duration":
        return StartTimer(element, kind, value, None, None, 1)
    cycle = parse_cycle(value)
    return StartTimer(element, kind, value, cycle.start, cycle.period_text, cycle.count)
