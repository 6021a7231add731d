"""Keeping the human-task rows in step with the workflow's ready user tasks.

Inboxes and case lists read these rows and never deserialise a workflow; a command that moved a case
calls `sync` before it saves, so rows and state commit together.
"""
from sqlalchemy import select

from ..access import ORG_SCOPE, task_organisation
from ..people.roles import role_for_lane
from .deadlines import due
from .models import HumanTask, TaskState


def open_rows(session, case_id):
    return session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                   HumanTask.state == TaskState.OPEN)
                           .order_by(HumanTask.id)).all()


def _holder(case, task):
    """(role, organisation) that works the task, or None when nobody can: no role (a version deployed before every
    human task needed a lane or candidate groups), or an organisation's role and the case names none of that kind
    (a third party's step in a model where no step chose the third party)."""
    role = role_for_lane(task.lane)
    if role is None:
        return None
    organisation = task_organisation(case, role)
    return None if organisation is None and role in ORG_SCOPE else (role, organisation)


def unworkable(case, ready_tasks):
    """Why nobody can do some of the ready tasks (they get no row; the case is set aside), or None."""
    reasons = []
    for task in ready_tasks:
        role = role_for_lane(task.lane)
        if role is None:
            reasons.append(f"任务“{task.title}”没有办理角色：模型未把它放在以角色命名的泳道中，也未用候选组指定角色")
        elif _holder(case, task) is None:
            reasons.append(f"任务“{task.title}”由{role.label}办理，但本案件尚未确定办理的{role.label}机构")
    return "；".join(reasons) or None


def sync(session, case, ready_tasks, now, rows=None):
    """Open a row, with its due date, for each ready user task that has none, cancel the rows of tasks no
    longer ready; return the case's open rows. `rows`: its open rows when the caller has them already."""
    rows = {row.spiff_task_id: row for row in (open_rows(session, case.id) if rows is None else rows)}
    added = []
    for task in ready_tasks:
        holder = _holder(case, task)
        if task.id in rows or holder is None:
            continue
        role, organisation = holder
        when = due(task, now)
        added.append(HumanTask(case_id=case.id, spiff_task_id=task.id, spec_name=task.spec_name, title=task.title,
                               role=role, organisation_id=organisation, form=task.form,
                               ui_form=task.ui_form, created_at=now, due_at=when.at,
                               due_working_days=when.working_days if when.pending_year else None,
                               due_pending_year=when.pending_year))
    session.add_all(added)
    ready_ids = {task.id for task in ready_tasks}
    for spiff_id, row in rows.items():
        if spiff_id not in ready_ids:
            row.state, row.completed_at = TaskState.CANCELLED, now
    return [row for row in rows.values() if row.state == TaskState.OPEN] + added


def respec(session, case, ready_tasks, due_changed):
    """After the case moved to another version of its model: each open row takes its task's new name, form and
    role; its due date is counted again from when it opened only for the tasks in `due_changed` (the model
    changed how; otherwise a due date set meanwhile, say by 督办, stands). A claim stays while the task's role
    and organisation do; returns the rows whose claim went back to the pool."""
    tasks = {task.id: task for task in ready_tasks}
    released = []
    for row in open_rows(session, case.id):
        task = tasks.get(row.spiff_task_id)
        if task is None:
            continue
        role = role_for_lane(task.lane)
        organisation = task_organisation(case, role)
        if row.assignee_id is not None and (role, organisation) != (row.role, row.organisation_id):
            row.assignee = None
            released.append(row)
        row.spec_name, row.title, row.role, row.organisation_id = task.spec_name, task.title, role, organisation
        row.form, row.ui_form = task.form, task.ui_form
        if task.id in due_changed:
            when = due(task, row.created_at)
            row.due_at, row.due_pending_year = when.at, when.pending_year
            row.due_working_days = when.working_days if when.pending_year else None
    return released
