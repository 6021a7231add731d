"""Reading human tasks (the inbox, one task, a task with what a command needs) and claiming them."""
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import joinedload, object_session
from sqlalchemy.orm.attributes import set_committed_value

from ..access import ensure_can_act, ensure_can_read, task_filter
from ..audit import recording
from ..cases.models import Case
from ..households.models import Household
from ..errors import Conflict, NotFound
from ..forms import load_form
from ..people.delegations import delegator_ids, delegators_of
from ..people.models import User
from ..process_models.models import ProcessModelVersion
from .models import HumanTask, TaskState

DONE_MESSAGE = "该任务已办理完成或已撤销"
COUNT_LIMIT = 1000
INBOX_ORDERS = {  # each served by an index (models.HumanTask): due dates first, tasks without one last
    "due": (HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id),
    "oldest": (HumanTask.created_at, HumanTask.id),
    "newest": (HumanTask.created_at.desc(), HumanTask.id.desc()),
}


def inbox(session, user, mine=None, page=1, page_size=50, step=None, text=None, order="due"):
    """Open tasks of the user's roles and organisation, unclaimed or claimed by the user (or by a colleague who
    delegated their tasks to the user, people/delegations.py: among "mine"), in `order` (one of
    INBOX_ORDERS: earliest due first by default); optionally of one step (BPMN task id) or for households
    matching `text`.

    Returns (page of tasks, total, whether total is exact). Counting stops at COUNT_LIMIT: an inbox
    that long reads "1000+" and costs the same to open as a short one.
    """
    query = select(HumanTask).where(HumanTask.state == TaskState.OPEN, task_filter(user)).options(
        joinedload(HumanTask.case).load_only(Case.reference, Case.household_name, Case.file_number, Case.status,
                                             Case.submitted_at, Case.household_id),
        joinedload(HumanTask.case).joinedload(Case.household).load_only(Household.file_number),
        joinedload(HumanTask.assignee).load_only(User.username, User.display_name))
    held = or_(HumanTask.assignee_id == user.id, HumanTask.assignee_id.in_(delegators_of(user)))
    if mine is True:
        query = query.where(held)
    elif mine is False:
        query = query.where(HumanTask.assignee_id.is_(None))
    else:
        query = query.where(or_(HumanTask.assignee_id.is_(None), held))
    if step:
        query = query.where(HumanTask.spec_name == step)
    if text:
        query = query.where(HumanTask.case_id.in_(select(Case.id).where(or_(
            Case.household_name.icontains(text, autoescape=True), Case.reference.icontains(text, autoescape=True),
            Case.file_number.icontains(text, autoescape=True),
            Case.household_id.in_(select(Household.id).where(
                Household.file_number.icontains(text, autoescape=True)))))))
    capped = query.with_only_columns(HumanTask.id).limit(COUNT_LIMIT + 1).subquery()
    total = session.scalar(select(func.count()).select_from(capped))
    items = session.scalars(query.order_by(*INBOX_ORDERS[order]).offset((page - 1) * page_size).limit(page_size)).all()
    return items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT


def get_task(session, user, task_id):
    """The task and its case, if the user may read them."""
    task = session.scalar(select(HumanTask).where(HumanTask.id == task_id).options(
        joinedload(HumanTask.case).joinedload(Case.process_version)))
    if task is None:
        raise NotFound("任务不存在")
    ensure_can_read(user, task.case)
    return task


def _task_with_case_statement():
    task_id = bindparam("task_id")
    case_of_task = select(HumanTask.case_id).where(HumanTask.id == task_id).scalar_subquery()
    case_load = joinedload(HumanTask.case)
    return select(HumanTask).where(
        HumanTask.case_id == case_of_task, or_(HumanTask.state == TaskState.OPEN, HumanTask.id == task_id)).options(
        case_load.joinedload(Case.process_version).joinedload(ProcessModelVersion.process_model),
        case_load.undefer(Case.workflow_state))


# Built once (every completion runs them): a statement built per call costs several times its execution.
_TASK_WITH_CASE = _task_with_case_statement()
_TAKE = update(HumanTask).where(
    HumanTask.id == bindparam("task_id"), HumanTask.state == TaskState.OPEN,
    or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == bindparam("user_id"))).values(
    state=TaskState.COMPLETED, assignee_id=bindparam("user_id"), completed_by_id=bindparam("user_id"),
    completed_at=bindparam("now")).execution_options(synchronize_session=False)


def task_for_command(session, user, task_id):
    """(task, the case's other open tasks) in one query, with the case, its model and its instance state."""
    rows = session.scalars(_TASK_WITH_CASE, {"task_id": task_id}).unique().all()
    task = next((row for row in rows if row.id == task_id), None)
    if task is None:
        raise NotFound("任务不存在")
    ensure_can_read(user, task.case)
    return task, [row for row in rows if row.state == TaskState.OPEN and row is not task]


def task_form(session, task):
    """The task's form (choices filled in) from its case's model version, or None for a task without one."""
    return load_form(session, task.case.process_version, task.form, task.ui_form) if task.form else None


def ensure_workable(user, task):
    """The user may work on the task now: their role and organisation's, open, not claimed by someone else
    (unless that someone delegated their tasks to the user)."""
    ensure_can_act(user, task)
    if task.state != TaskState.OPEN:
        raise Conflict(DONE_MESSAGE)
    if task.assignee_id not in (None, user.id) and task.assignee_id not in delegator_ids(object_session(task), user):
        raise Conflict(f"该任务已被 {task.assignee.display_name} 认领")


def claim(session, user, task):
    """Claim an open task for the user; True when it was claimed now, False when the user had it already.

    One conditional UPDATE: of two users claiming at once, one gets it and the other a Conflict. A task a
    colleague delegated to the user is taken over from them."""
    ensure_can_act(user, task)
    result = session.execute(update(HumanTask).where(
        HumanTask.id == task.id, HumanTask.state == TaskState.OPEN,
        or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id.in_(delegators_of(user))))
        .values(assignee_id=user.id).execution_options(synchronize_session=False))
    session.refresh(task)
    if result.rowcount:
        return True
    ensure_workable(user, task)
    return False


def take_for_completion(session, user, task, now):
    """Take the open task for the user's completion and mark it completed, with one conditional UPDATE, so
    that of a completion and a claim (or two completions) arriving together exactly one wins; Conflict for
    the other. A task a colleague delegated to the user is taken over from them (a second UPDATE, built per
    call as the delegation is dated today). `reopen` undoes the mark when the engine then fails."""
    result = session.execute(_TAKE, {"task_id": task.id, "user_id": user.id, "now": now})
    if not result.rowcount:
        result = session.execute(update(HumanTask).where(
            HumanTask.id == task.id, HumanTask.state == TaskState.OPEN,
            HumanTask.assignee_id.in_(delegators_of(user))).values(
            state=TaskState.COMPLETED, assignee_id=user.id, completed_by_id=user.id, completed_at=now)
            .execution_options(synchronize_session=False))
    if result.rowcount:
        for key, value in (("state", TaskState.COMPLETED), ("assignee_id", user.id), ("assignee", user),
                           ("completed_by_id", user.id), ("completed_at", now)):
            set_committed_value(task, key, value)  # what the row now holds, without reading it back
        recording.written(session, HumanTask.__tablename__, (task.id,), step=(task.spec_name, task.title),
                          case=task.case_id)
        return
    session.refresh(task)
    ensure_workable(user, task)
    raise Conflict(DONE_MESSAGE)


def reopen(task):
    """The task taken for a completion stays open (held for its user): the engine could not complete it."""
    task.state, task.completed_by_id, task.completed_at = TaskState.OPEN, None, None


def take_for_system(session, user, task):
    """Hold the open task for the system user's completion, whoever claimed it; Conflict when it is done."""
    result = session.execute(update(HumanTask).where(HumanTask.id == task.id, HumanTask.state == TaskState.OPEN)
                             .values(assignee_id=user.id).execution_options(synchronize_session=False))
    if not result.rowcount:
        raise Conflict(DONE_MESSAGE)
    set_committed_value(task, "assignee_id", user.id)


def mark_completed(task, user, now):
    task.state, task.assignee, task.completed_by_id, task.completed_at = TaskState.COMPLETED, user, user.id, now


def release(user, task):
    """Give a task the user claimed back to the pool."""
    ensure_can_act(user, task)
    if task.state != TaskState.OPEN:
        raise Conflict(DONE_MESSAGE)
    if task.assignee_id != user.id:
        raise Conflict("只能退回自己认领的任务")
    task.assignee = None
