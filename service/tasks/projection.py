"""Keeping the human-task rows in step with the workflow's ready user tasks.

Inboxes and case lists read these rows and never deserialise a workflow; a command that moved a case
calls `sync` before it saves, so rows and state commit together.
"""
from sqlalchemy import select

from ..access import task_organisation
from ..people.roles import role_for_lane
from .deadlines import due
from .models import HumanTask, TaskState


def open_rows(session, case_id):
    return session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                   HumanTask.state == TaskState.OPEN)
                           .order_by(HumanTask.id)).all()


def unassigned(ready_tasks):
    """The ready tasks no role can do (a version deployed before every human task needed a lane or candidate
    groups): they get no row, and the case is set aside as an incident naming them."""
    return [task for task in ready_tasks if role_for_lane(task.lane) is None]


def unassigned_text(tasks):
    names = "、".join(f"“{task.title}”" for task in tasks)
    return f"任务{names}没有办理角色：模型未把它放在以角色命名的泳道中，也未用候选组指定角色"


def sync(session, case, ready_tasks, now, rows=None):
    """Open a row, with its due date, for each ready user task that has none, cancel the rows of tasks no
    longer ready; return the case's open rows. `rows`: its open rows when the caller has them already."""
    rows = {row.spiff_task_id: row for row in (open_rows(session, case.id) if rows is None else rows)}
    added = []
    for task in ready_tasks:
        if task.id in rows or role_for_lane(task.lane) is None:
            continue
        role = role_for_lane(task.lane)
        when = due(task, now)
        added.append(HumanTask(case_id=case.id, spiff_task_id=task.id, spec_name=task.spec_name, title=task.title,
                               role=role, organisation_id=task_organisation(case, role), form=task.form,
                               ui_form=task.ui_form, created_at=now, due_at=when.at,
                               due_working_days=when.working_days if when.pending_year else None,
                               due_pending_year=when.pending_year))
    session.add_all(added)
    ready_ids = {task.id for task in ready_tasks}
    for spiff_id, row in rows.items():
        if spiff_id not in ready_ids:
            row.state, row.completed_at = TaskState.CANCELLED, now
    return [row for row in rows.values() if row.state == TaskState.OPEN] + added
