"""Timer events a workflow waits on, as the scheduler sees them: their due times, read without running anything.

SpiffWorkflow computes a waiting timer's due time (its `event_value`) the first time it checks the timer,
which `do_engine_steps` does at its end (refresh_timers): so once the engine has run, every waiting timer
carries its due time, and `pending_timers` only reads them. The scheduler stores the earliest in the
case's timer row, so finding due work never restores a workflow.
"""
import functools
import logging
from dataclasses import dataclass
from datetime import datetime, timezone

from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition, DurationTimerEventDefinition,
                                                              TimeDateEventDefinition, TimerEventDefinition)
from SpiffWorkflow.util.task import TaskState

log = logging.getLogger(__name__)


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
    for task in tasks_in(workflow, TaskState.WAITING):
        definition = timer_of(getattr(task.task_spec, "event_definition", None))
        if definition is None:
            continue
        due = _due(definition, task._get_internal_data("event_value"))
        if due is None:
            continue
        spec = task.task_spec
        found.append(PendingTimer(str(task.id), spec.name, definition.name or spec.bpmn_name or spec.name, due))
    found.sort(key=lambda timer: timer.due_at)
    return found


def tasks_in(workflow, state):
    """The tasks of the workflow and of its running subprocesses in `state` (a TaskState mask), in no set order.

    A scan of their task tables: get_tasks walks the task tree, looking each parent and child up by id, which
    made it one of the costliest parts of a completion where a yes/no or a set is all that is asked."""
    for flow in (workflow, *workflow.get_active_subprocesses()):
        for task in flow.tasks.values():
            if task.state & state:
                yield task


@functools.lru_cache(maxsize=256)
def has_timer_events(spec):
    """Whether any task of the process spec (a restored spec object, cached per version) is a timer event."""
    return any(timer_of(getattr(task_spec, "event_definition", None)) is not None
               for task_spec in spec.task_specs.values())


def timer_of(definition):
    """The timer an event waits on: its own definition, or the timer among an event-based gateway's events (the
    deployment allows one per gateway: Spiff keeps one due time per waiting task)."""
    if isinstance(definition, TimerEventDefinition):
        return definition
    if isinstance(definition, MultipleEventDefinition):
        return next((d for d in definition.event_definitions if isinstance(d, TimerEventDefinition)), None)
    return None


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
