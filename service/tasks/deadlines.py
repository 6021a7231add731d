"""When a human task is due (办理期限) and whether it is late, for the inbox, the case list and the reports.

A user task's model gives its due date as properties: `dueDateFrom` names a date in the case data (the
centre's 走访完成期限 for the visit, `assign_third_party.visit_due_date`); `dueInWorkingDays` the working
days it has from when it opens (China's working days, holidays and 调休 included) and `dueInDays` calendar
days, used when the named date is absent; a model gives one of the two. Days are counted by `calendar`.

A task due in working days whose due date falls in a year without holiday data still opens, without a
due date: its row keeps the days (`due_working_days`) and the year (`due_pending_year`), the inbox shows
期限待定 with the reason, and importing that year dates it (`date_pending_tasks`, in the import's
transaction).
"""
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from .. import calendar
from .models import HumanTask, TaskState

DUE_IN_DAYS = "dueInDays"
DUE_IN_WORKING_DAYS = "dueInWorkingDays"
DUE_DATE_FROM = "dueDateFrom"
DUE_DATE = "dueDate"  # a fixed day (ISO date), from a Camunda model's camunda:dueDate
MAX_DUE_DAYS = 365
DATA_PATH = re.compile(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+")


@dataclass
class Due:
    at: datetime | None = None  # when the task is due, or None
    working_days: int | None = None  # the working days it has, when counted so
    pending_year: int | None = None  # the year whose holidays are missing, when `at` could not be counted


def due_at(task, opened_at):
    """When an opening task (engine OpenTask) is due, or None when its model gives no due date (or the
    holidays of its year are not known yet: see `due`)."""
    return due(task, opened_at).at


def due(task, opened_at, workdays=None):
    """The opening task's Due: a named date wins, then working days, then calendar days."""
    named = _named_date(task.data, task.properties.get(DUE_DATE_FROM))
    if named is None:
        named = _date(task.properties.get(DUE_DATE))
    if named is not None:
        return Due(calendar.due_on(named))
    working = due_days(task.properties.get(DUE_IN_WORKING_DAYS))
    if working is not None:
        return working_due(opened_at, working, workdays)
    days = due_days(task.properties.get(DUE_IN_DAYS))
    return Due(calendar.due_after(opened_at, days) if days is not None else None)


def working_due(opened_at, working, workdays=None):
    try:
        return Due(calendar.due_after_working(opened_at, working, workdays), working)
    except calendar.YearNotKnown as exc:
        return Due(None, working, exc.year)


def pending_text(year):
    """What the inbox and the task page say of a task whose due date waits for a year's holidays."""
    return f"期限待定：{year}年节假日安排尚未导入"


def date_pending_tasks(session, workdays):
    """Give the open tasks waiting for holiday data the due dates `workdays` now allows; how many got one."""
    rows = session.scalars(select(HumanTask).where(HumanTask.state == TaskState.OPEN,
                                                   HumanTask.due_pending_year.is_not(None))).all()
    dated = 0
    for row in rows:
        found = working_due(row.created_at, row.due_working_days, workdays)
        row.due_at, row.due_pending_year = found.at, found.pending_year
        dated += found.at is not None
    session.flush()
    return dated


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
    return _date(value)


def _date(value):
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def model_problems(user_tasks):
    """(task id, reason) for each user task (engine UserTaskDefinition) whose due-date properties make no sense."""
    found = []
    for task in user_tasks:
        days, working = task.properties.get(DUE_IN_DAYS), task.properties.get(DUE_IN_WORKING_DAYS)
        if days is not None and due_days(days) is None:
            found.append((task.id, f"{DUE_IN_DAYS}（办理期限天数）应为 0 到 {MAX_DUE_DAYS} 之间的整数；当前为 {days}"))
        if working is not None and due_days(working) is None:
            found.append((task.id, f"{DUE_IN_WORKING_DAYS}（办理期限工作日数）应为 0 到 {MAX_DUE_DAYS} 之间的整数；"
                                   f"当前为 {working}"))
        if days is not None and working is not None:
            found.append((task.id, f"{DUE_IN_DAYS}（自然日）和 {DUE_IN_WORKING_DAYS}（工作日）只能选用一个"))
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
