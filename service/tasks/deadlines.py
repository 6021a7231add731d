"""When a human task is due (办理期限) and whether it is late, for the inbox, the case list and the reports.

A user task's model gives its due date as properties: `dueDateFrom` names a date in the case data (the
centre's 走访完成期限 for the visit, `assign_third_party.visit_due_date`) and `dueInDays` the days it has
from when it opens, used when the named date is absent. Days are counted by `calendar`.
"""
import re
from datetime import date

from .. import calendar
from .models import HumanTask, TaskState

DUE_IN_DAYS = "dueInDays"
DUE_DATE_FROM = "dueDateFrom"
MAX_DUE_DAYS = 365
DATA_PATH = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+")


def due_at(task, opened_at):
    """When an opening task (engine OpenTask) is due, or None when its model gives no due date."""
    named = _named_date(task.data, task.properties.get(DUE_DATE_FROM))
    if named is not None:
        return calendar.due_on(named)
    days = due_days(task.properties.get(DUE_IN_DAYS))
    return calendar.due_after(opened_at, days) if days is not None else None


def due_days(value):
    """The whole number of days a `dueInDays` property gives, or None when it gives none that makes sense."""
    try:
        days = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return days if 0 <= days <= MAX_DUE_DAYS else None


def _named_date(data, path):
    """The ISO date at a dotted path of the task's data ("task_id.field"), or None."""
    if not path:
        return None
    value = data or {}
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def model_problems(user_tasks):
    """(task id, reason) for each user task (engine UserTaskDefinition) whose due-date properties make no sense."""
    found = []
    for task in user_tasks:
        days = task.properties.get(DUE_IN_DAYS)
        if days is not None and due_days(days) is None:
            found.append((task.id, f"{DUE_IN_DAYS}（办理期限天数）应为 0 到 {MAX_DUE_DAYS} 之间的整数；当前为 {days}"))
        path = task.properties.get(DUE_DATE_FROM)
        if path is not None and not DATA_PATH.fullmatch(path):
            found.append((task.id, f"{DUE_DATE_FROM}（办理期限日期所在字段）应为“任务ID.字段名”，"
                                   f"如 assign_third_party.visit_due_date；当前为 {path}"))
    return found


def overdue(now):
    """SQL: the task is open and past its due date."""
    return (HumanTask.state == TaskState.OPEN) & (HumanTask.due_at < now)


def is_overdue(task, now):
    return task.state == TaskState.OPEN and task.due_at is not None and task.due_at < now
