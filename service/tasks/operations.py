"""The inbox and the commands on a human task: claim, unclaim, complete."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import joinedload

from ..cases import history, rules
from ..cases.access import ensure_can_act, ensure_can_read, task_visible_to
from ..cases.models import Case
from ..people.models import User
from ..process_models.models import ProcessModelVersion
from ..cases.operations import settle_status, sync_tasks
from ..db import utcnow
from ..engine import TaskNotReady
from ..errors import Conflict, NotFound, ValidationFailed
from ..forms import load_form, validate
from .models import HumanTask

DONE_MESSAGE = "该任务已办理完成或已撤销"


COUNT_LIMIT = 1000


def inbox(session, user, mine=None, page=1, page_size=50, step=None, text=None, newest_first=False):
    """Open tasks of the user's role and organisation, unclaimed or claimed by the user, oldest first;
    optionally of one step (BPMN task id) or for households matching `text`.

    Returns (page of tasks, total, whether total is exact). Counting stops at COUNT_LIMIT: an inbox
    that long reads "1000+" and costs the same to open as a short one.
    """
    query = select(HumanTask).where(HumanTask.state == "open", task_visible_to(user)).options(
        joinedload(HumanTask.case).load_only(Case.reference, Case.household_name, Case.file_number),
        joinedload(HumanTask.assignee).load_only(User.username))
    if mine is True:
        query = query.where(HumanTask.assignee_id == user.id)
    elif mine is False:
        query = query.where(HumanTask.assignee_id.is_(None))
    else:
        query = query.where(or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == user.id))
    if step:
        query = query.where(HumanTask.spec_name == step)
    if text:
        like = f"%{text}%"
        query = query.where(HumanTask.case_id.in_(select(Case.id).where(or_(
            Case.household_name.ilike(like), Case.reference.ilike(like), Case.file_number.ilike(like)))))
    capped = query.with_only_columns(HumanTask.id).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped))
    order = (HumanTask.created_at.desc(), HumanTask.id.desc()) if newest_first else (HumanTask.created_at,
                                                                                      HumanTask.id)
    items = session.scalars(query.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT


def get_task(session, user, task_id):
    """The task and its case, if the user may read them."""
    task = session.scalar(select(HumanTask).where(HumanTask.id == task_id).options(
        joinedload(HumanTask.case).joinedload(Case.process_version)))
    if task is None:
        raise NotFound("任务不存在")
    ensure_can_read(user, task.case)
    return task


def _task_for_command(session, user, task_id):
    """(task, the case's open tasks) in one query, with the case and its instance state."""
    case_of_task = select(HumanTask.case_id).where(HumanTask.id == task_id).scalar_subquery()
    case_load = joinedload(HumanTask.case)
    rows = session.scalars(select(HumanTask).where(
        HumanTask.case_id == case_of_task, or_(HumanTask.state == "open", HumanTask.id == task_id)).options(
        case_load.joinedload(Case.process_version).joinedload(ProcessModelVersion.process_model),
        case_load.undefer(Case.workflow_state))).unique().all()
    task = next((row for row in rows if row.id == task_id), None)
    if task is None:
        raise NotFound("任务不存在")
    ensure_can_read(user, task.case)
    return task, [row for row in rows if row.state == "open" and row is not task]


def task_form(session, task):
    """The task's form (choices filled in) from the case's model version, or None."""
    return load_form(session, task.case.process_version, task.form, task.ui_form) if task.form else None


def claim(session, user, task_id):
    task = get_task(session, user, task_id)
    ensure_can_act(user, task)
    result = session.execute(update(HumanTask).where(
        HumanTask.id == task.id, HumanTask.state == "open", HumanTask.assignee_id.is_(None))
        .values(assignee_id=user.id).execution_options(synchronize_session=False))
    if result.rowcount == 0:
        session.refresh(task)
        if task.state != "open":
            raise Conflict(DONE_MESSAGE)
        if task.assignee_id != user.id:
            raise Conflict(f"该任务已被 {task.assignee.display_name} 认领")
        return task
    history.record(session, task.case, user, "claimed", task=task)
    session.flush()
    session.refresh(task)
    return task


def unclaim(session, user, task_id):
    task = get_task(session, user, task_id)
    ensure_can_act(user, task)
    if task.state != "open":
        raise Conflict(DONE_MESSAGE)
    if task.assignee_id != user.id:
        raise Conflict("只能退回自己认领的任务")
    task.assignee = None
    history.record(session, task.case, user, "unclaimed", task=task)
    session.flush()
    return task


def complete(session, services, user, task_id, data):
    """Validate the form, run the task in the engine and store everything in one transaction."""
    task, other_open = _task_for_command(session, user, task_id)
    ensure_can_act(user, task)
    if task.state != "open":
        raise Conflict(DONE_MESSAGE)
    if task.assignee_id not in (None, user.id):
        raise Conflict(f"该任务已被 {task.assignee.display_name} 认领")
    if not isinstance(data, dict):
        raise ValidationFailed("表单数据应为对象", {"data": ["应为对象"]})
    case = task.case
    instance = services.store.load(case, for_command=True)
    form = task_form(session, task)
    ctx = rules.RuleContext(session, case, instance, services.policy)
    problems = validate(form.schema, data, form.key) if form else {}
    for field, reasons in rules.problems(task.spec_name, ctx, data).items():
        problems.setdefault(field, []).extend(r for r in reasons if r not in problems.get(field, []))
    if problems:
        raise ValidationFailed("表单填写有误，请按提示修改", {f"data.{k}": v for k, v in problems.items()})
    now = utcnow()
    # Nothing is written before the store's flush: the case row's version check then decides which of
    # two racing completions wins, and the loser is rolled back whole.
    with session.no_autoflush:
        task.state, task.assignee, task.completed_by_id, task.completed_at = "completed", user, user.id, now
        extra = rules.apply(task.spec_name, ctx, data)
        try:
            instance.complete(task.spiff_task_id, data, extra)
        except TaskNotReady:
            raise Conflict(DONE_MESSAGE) from None
        history.record(session, case, user, "completed", task=task, decision=data.get("decision"),
                       opinion=data.get("opinion") or None, when=now)
        next_tasks = sync_tasks(session, case, instance, now, other_open)
        settle_status(session, case, instance, user, now)
    services.store.save(session, case, instance)
    return Completion(task, case, next_tasks)


@dataclass
class Completion:
    task: HumanTask
    case: object
    next_tasks: list

