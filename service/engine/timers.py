"""Timer events as the scheduler sees them: due times read from a workflow, and cycles of timer start events.

SpiffWorkflow computes a waiting timer's due time (its `event_value`) the first time it checks the timer,
which `do_engine_steps` does at its end (refresh_timers): so once the engine has run, every waiting timer
carries its due time, and `pending_timers` only reads them. The scheduler stores the earliest in the
case's timer row, so finding due work never restores a workflow.

A timer start event is not something a case waits for: a case is started now, by a user or by the
scheduler at the cycle's due time (one case per cycle), so `skip_start_timers` marks it fired before the
first step. Its cycle (`R/P1Y`, `R3/2027-01-01T09:00:00+08:00/P1D`) is read at deployment into a `Cycle`,
which gives each due time after the last, calendar-aware (a year from 2027-03-01 is 2028-03-01).
"""
import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition, DurationTimerEventDefinition,
                                                              TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.util.task import TaskState

log = logging.getLogger(__name__)
_BARE_CYCLE = re.compile(r"^\s*R\d*/", re.IGNORECASE)


@dataclass(frozen=True)
class PendingTimer:
    """A timer event the workflow waits on: its task, its element (spec name), its name and due time (UTC)."""
    task_id: str
    spec_name: str
    title: str
    due_at: datetime


def pending_timers(workflow):
    """The workflow's waiting timer events with their due times, earliest first."""
    found = []
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        due = _due(definition, task._get_internal_data("event_value"))
        if due is None:
            continue
        spec = task.task_spec
        found.append(PendingTimer(str(task.id), spec.name, definition.name or spec.bpmn_name or spec.name, due))
    found.sort(key=lambda timer: timer.due_at)
    return found


@functools.lru_cache(maxsize=256)
def has_timer_events(spec):
    """Whether any task of the process spec (a restored spec object, cached per version) is a timer event."""
    return any(isinstance(getattr(task_spec, "event_definition", None), TimerEventDefinition)
               for task_spec in spec.task_specs.values())


def _due(definition, value):
    try:
        if value is None:
            return None
        if isinstance(definition, CycleTimerEventDefinition):
            if not isinstance(value, dict) or value.get("cycles") == 0:
                return None
            return _utc(datetime.fromisoformat(value["next"]))
        if isinstance(definition, DurationTimerEventDefinition):
            return TimerEventDefinition.get_datetime(value)
        if isinstance(definition, TimeDateEventDefinition):
            due = TimerEventDefinition.parse_time_or_duration(value)
            return due if isinstance(due, datetime) else None
    except Exception:  # a value SpiffWorkflow itself could not read: it will fail the case when checked
        log.warning("unreadable timer value on %s", type(definition).__name__)
    return None


def _utc(instant):
    return instant.astimezone(timezone.utc) if instant.tzinfo else instant.replace(tzinfo=timezone.utc)


def skip_start_timers(workflow):
    """Mark the timer start events of a new workflow fired: the instance starts now, whoever started it.
    SpiffWorkflow gives a cycle timer's task its next steps only as each cycle passes; here it gets them
    once, as any other start event does."""
    for task in workflow.get_tasks():
        definition = getattr(task.task_spec, "event_definition", None)
        if type(task.task_spec).__name__ == "StartEvent" and isinstance(definition, TimerEventDefinition):
            task._set_internal_data(event_fired=True)
            if isinstance(definition, CycleTimerEventDefinition) and not task.children:
                for output in task.task_spec.outputs:  # as the cycle's update_task adds them, once
                    child = task._add_child(output, TaskState.FUTURE)
                    child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)


def start_cycle_expression(spec):
    """(start event name, its cycle expression as written) for a process whose start event has a cycle timer."""
    for task_spec in spec.task_specs.values():
        definition = getattr(task_spec, "event_definition", None)
        if type(task_spec).__name__ == "StartEvent" and isinstance(definition, CycleTimerEventDefinition):
            return definition.name or task_spec.bpmn_name or task_spec.name, definition.expression
    return None


class CycleInvalid(ValueError):
    pass


@dataclass(frozen=True)
class Cycle:
    """An ISO 8601 repeating interval: `cycles` (None: for ever) occurrences `duration` apart from `start`
    (None: one duration after the moment the cycle is first scheduled)."""
    text: str
    cycles: int | None
    start: datetime | None
    duration: dict

    @classmethod
    def parse(cls, text):
        text = (text or "").strip()
        parts = text.upper().split("/")
        if len(parts) not in (2, 3) or not parts[0].startswith("R"):
            raise CycleInvalid(f"不是 ISO 8601 重复周期（例如 R/P1Y 或 R3/2027-01-01T09:00:00+08:00/P1D）：{text}")
        try:
            cycles = int(parts[0][1:]) if parts[0][1:] else None
            values = [TimerEventDefinition.parse_time_or_duration(p) for p in parts[1:]]
        except Exception:
            raise CycleInvalid(f"无法解析的重复周期：{text}") from None
        durations = [v for v in values if isinstance(v, dict)]
        dates = [v for v in values if isinstance(v, datetime)]
        if len(durations) != 1 or len(dates) > 1 or not any(durations[0].values()):
            raise CycleInvalid(f"重复周期应有一个时长和至多一个起始时间：{text}")
        duration = durations[0]
        start = dates[0] if dates else None
        if start is not None and isinstance(values[-1], datetime):  # R/duration/end: the last occurrence ends there
            start = start - TimerEventDefinition.get_timedelta_from_end(dict(duration), start)
        if cycles is not None and cycles < 0:
            cycles = None
        return cls(text, cycles, start, duration)

    def after(self, instant):
        """One duration after `instant`, by the calendar (months and years of their real lengths)."""
        return instant + TimerEventDefinition.get_timedelta_from_start(dict(self.duration), instant)

    def first(self, now):
        """(the first due time not before `now`, cycles left from it on, None for ever), or None when none is left."""
        due = self.start if self.start is not None else self.after(now)
        left = self.cycles
        while due < now and (left is None or left > 0):
            due = self.after(due)
            left = None if left is None else left - 1
        if left is not None and left <= 0:
            return None
        return due, left


def evaluate_cycle(script_engine, expression):
    """The cycle text of a start event's timer: written bare (R/P1Y) or as an expression giving it ("R/P1Y")."""
    if _BARE_CYCLE.match(expression or ""):
        return Cycle.parse(expression)
    value = script_engine.environment.evaluate(expression, {})
    if not isinstance(value, str):
        raise CycleInvalid("开始事件的定时器周期应为字符串，例如 \"R/P1Y\"")
    return Cycle.parse(value)
