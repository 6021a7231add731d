"""Commands on cases: start one, withdraw a draft, complete, claim and release its tasks, fire its timers.

Each is orchestration over the parts that own the rows: the engine runs the workflow, the instance
store keeps its state under the version lock, tasks/ keeps the human-task rows, cases/ the case row,
its history and the hardship rules. A command checks access, flushes and returns; it never commits
(unit_of_work.run does).

When the engine cannot finish a command's work cleanly (a step or time bound, the case's data past
its cap, or an error inside SpiffWorkflow) that work is discarded and the case, in its last committed
state, is set aside as an incident; the result says so (`incident`), and the caller tells the user.
"""
import json
from dataclasses import dataclass, field

from sqlalchemy import select

from ..access import Action, ensure
from ..audit.recording import command_action, note
from ..cases import history, rules
from ..cases.models import Case, CaseStatus
from ..cases.operations import (close_withdrawn, get_case, open_case, set_incident, settle_status,
                               withdrawal_refusal)
from ..db import utcnow
from ..engine import EngineFailure, TaskNotReady
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..forms import load_form, validate
from ..instances.store import CaseDataTooLarge
from ..named_operations import running
from ..people.duties import ensure_independent
from ..people.operations import system_user
from ..process_models.operations import latest_version
from ..scheduler.timers import drop_case_timer, sync_case_timer
from ..tasks import projection
from ..tasks.models import HumanTask
from ..tasks.operations import (DONE_MESSAGE, claim, ensure_can_act, ensure_workable, get_task, mark_completed,
                               release, reopen, take_for_completion, take_for_system, task_for_command,
                               task_form)

MAX_FORM_BYTES = 256 * 1024
INCIDENT_MESSAGE = "流程运行异常，本次办理未生效；案件已暂停，等待管理人员处理"


@dataclass
class Completion:
    task: HumanTask
    case: Case
    next_tasks: list
    incident: str | None = None  # the engine failed: the task is still open and the case set aside
    opened: list = field(default_factory=list)  # the next tasks this completion opened (not left open)
    decision: str | None = None


def start_case(session, services, user, process_key, draft=None):
    """Declare a new household: start the process; `draft` prefills the first task's form."""
    ensure(user, Action.START_CASE)
    if draft is not None:
        draft = _sent_copy(draft)
    version = latest_version(session, process_key)

    def run_first_steps():
        instance = services.store.start(version)
        instance.advance()
        if draft:
            _prefill(session, version, instance, draft)
        return instance, services.store.dump(instance)
    ran, failure = _run(services, run_first_steps)
    instance, state = ran or (services.store.start(version), None)  # a failed start keeps the unrun workflow
    now = utcnow()
    case = open_case(session, user, version, now, household_name=(draft or {}).get("name"))
    if failure:
        set_incident(session, case, user, failure, now)
    _settle(session, services, case, instance, user, now, state=state)
    return case


def start_case_once(session, services, user, process_key, draft=None, request_key=None):
    """start_case for an API client that names its request (Idempotency-Key): (case, True) when started now,
    (the case this user started under the same key, False) when the request is a retry of one that was
    committed although its answer never reached the client (a server killed, a connection dropped)."""
    if request_key is not None:
        ensure(user, Action.START_CASE)
        earlier = session.scalar(select(Case).where(Case.created_by_id == user.id, Case.request_key == request_key))
        if earlier is not None:
            if earlier.process_version.process_model.key != process_key:
                raise Conflict("此 Idempotency-Key 已用于发起另一流程的申报", {"Idempotency-Key": ["已被使用"]})
            return earlier, False
    case = start_case(session, services, user, process_key, draft)
    case.request_key = request_key
    note(session, action=command_action(start_case))  # logged as any other start, whatever the channel
    return case, True


def _sent_copy(data):
    """A copy of submitted form data, refused when it is not an object or larger than MAX_FORM_BYTES."""
    if not isinstance(data, dict):
        raise ValidationFailed("表单数据应为对象", {"data": ["应为对象"]})
    encoded = json.dumps(data, ensure_ascii=False)
    if len(encoded.encode()) > MAX_FORM_BYTES:
        raise ValidationFailed("表单数据过大", {"data": [f"不能超过 {MAX_FORM_BYTES // 1024} KB"]})
    return json.loads(encoded)


def _prefill(session, version, instance, draft):
    first = instance.open_tasks()
    if not first or not first[0].form:
        raise ValidationFailed("此流程的第一步没有表单，不能预填数据", {"data": ["不能预填"]})
    form = load_form(session, version, first[0].form)
    problems = {k: v for k, v in validate(form.schema, draft, form.key).items() if v != ["必填"]}
    if problems:
        raise ValidationFailed("初始数据有误", {f"data.{k}": v for k, v in problems.items()})
    instance.task_data(first[0].id)[first[0].spec_name] = draft


def complete_task(session, services, user, task_id, data):
    """Validate the form, run the task in the engine and store everything in one transaction."""
    task, other_open = task_for_command(session, user, task_id)
    ensure_workable(user, task)
    ensure_independent(session, user, task)
    return _complete(session, services, user, task, other_open, data)


def complete_task_as_system(session, services, task_id, data):
    """The service completes a task itself, as the system user (people.operations.system_user), inside the
    caller's transaction: the bank's result paying a hardship case completes its payment task. Whoever
    claimed the task, it is the system's now; the task's form and rules still check the data."""
    user = system_user(session)
    task, other_open = task_for_command(session, user, task_id)
    take_for_system(session, user, task)
    return _complete(session, services, user, task, other_open, data, held=True)


def _complete(session, services, user, task, other_open, data, held=False):
    case = task.case
    _ensure_running(case)
    data = _sent_copy(data)  # the rules may normalise it; a retried command starts from what was sent
    instance = services.store.load(case, for_command=True)
    ctx = rules.RuleContext(session, case, instance, notice_min_days=services.notice_min_days,
                            user=user, services=services)
    _check_form(session, task, ctx, data)
    extra = rules.derive(task.spec_name, ctx, data)
    now = utcnow()
    if held:
        mark_completed(task, user, now)
    else:
        take_for_completion(session, user, task, now)
    state, failure = run_with_service_tasks(session, services, case, user, instance,
                                             lambda: _completed(services, instance, task, data, extra))
    if failure:
        reopen(task)
        set_incident(session, case, user, failure, now)
        drop_case_timer(session, case)
        session.flush()
        return Completion(task, case, other_open + [task], incident=failure)
    # The task is held for this user (take_for_completion). Between commands on other tasks of the same
    # case (the visit and the oversight finishing at once) the case row's version check at the store's
    # flush decides: the loser is rolled back whole and run again by the unit of work.
    with session.no_autoflush:
        if case.submitted_at is None:
            case.submitted_at = now
        rules.record(task.spec_name, ctx, data, extra)
        history.record(session, case, user, "completed", task=task, decision=data.get("decision"),
                       opinion=data.get("opinion") or None, when=now)
        next_tasks = _settle(session, services, case, instance, user, now, other_open, state)
    return Completion(task, case, next_tasks, opened=[row for row in next_tasks if row not in other_open],
                      decision=data.get("decision"))


def _check_form(session, task, ctx, data):
    form = task_form(session, task)
    problems = validate(form.schema, data, form.key) if form else {}
    for field, reasons in rules.problems(task.spec_name, ctx, data).items():
        problems.setdefault(field, []).extend(r for r in reasons if r not in problems.get(field, []))
    if problems:
        raise ValidationFailed("表单填写有误，请按提示修改", {f"data.{k}": v for k, v in problems.items()})


def _completed(services, instance, task, data, extra):
    try:
        instance.complete(task.spiff_task_id, data, extra)
    except TaskNotReady:
        raise Conflict(DONE_MESSAGE) from None
    return services.store.dump(instance)


def withdraw_case(session, services, user, case_id):
    """Withdraw a declaration its union never submitted (撤回): the workflow and its open tasks are
    cancelled and the case ends as withdrawn, with a history entry."""
    ensure(user, Action.WITHDRAW_CASE)
    case = get_case(session, user, case_id)
    refusal = withdrawal_refusal(case)
    if refusal:
        raise Conflict(refusal)
    instance = services.store.load(case, for_command=True)

    def cancelled():
        instance.cancel()
        return services.store.dump(instance)
    state, failure = _run(services, cancelled)
    if failure:
        raise Conflict(f"撤回未生效：{failure}")
    now = utcnow()
    projection.sync(session, case, [], now)
    close_withdrawn(session, case, user, now)
    drop_case_timer(session, case)
    services.store.save(session, case, instance, state)
    return case


def claim_task(session, user, task_id):
    """Claim a task so nobody else works on it."""
    task = get_task(session, user, task_id)
    ensure_can_act(user, task)  # not their role or organisation: that answer, before any duty question
    ensure_independent(session, user, task)
    if claim(session, user, task):
        history.record(session, task.case, user, "claimed", task=task)
    return task


def release_task(session, user, task_id):
    """Give a claimed task back to the pool."""
    task = get_task(session, user, task_id)
    release(user, task)
    history.record(session, task.case, user, "unclaimed", task=task)
    session.flush()
    return task


def reassign_task(session, user, task_id, username):
    """The centre head gives a claimed task to another active user of the task's role (改派), say when its
    holder is away; the new holder must be free to do the step (people.duties)."""
    from ..access import may_act_on
    from ..audit.recording import note
    from ..people.models import User
    from ..people.roles import Role
    from sqlalchemy import select
    if Role.CENTRE_HEAD not in user.roles:
        raise Forbidden("只有中心负责人可以改派任务")
    task = get_task(session, user, task_id)
    if task.state != "open":
        raise Conflict(DONE_MESSAGE)
    if task.assignee_id is None:
        raise Conflict("该任务尚未被认领，无需改派", {"task": ["未认领"]})
    target = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if target is None:
        raise ValidationFailed("改派对象不存在或已停用", {"username": [f"没有在职用户 {username}"]})
    if not may_act_on(target, task):
        raise ValidationFailed("改派对象的角色或机构与任务不符", {"username": ["须为该任务所属角色和机构的人员"]})
    ensure_independent(session, target, task, someone_else=True)
    previous = task.assignee.username
    task.assignee = target
    history.record(session, task.case, user, "reassigned", task=task)
    note(session, action="task_reassigned", subject=("case", task.case_id), task=task.id,
         from_user=previous, to_user=target.username)
    session.flush()
    return task


def fire_timers(session, services, case_id):
    """Let the case's timer events whose time has come fire, each recorded in the history as the system's
    (定时器触发); the case is saved only when it moved, and its timer row is brought in step either way."""
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在")
    if case.status != CaseStatus.ACTIVE:
        drop_case_timer(session, case)
        session.flush()
        return case
    instance = services.store.load(case, for_command=True)
    before = instance.progress_marker()
    waiting = instance.pending_timers()
    now = utcnow()

    def fired():
        instance.fire_timers()
        return services.store.dump(instance)
    state, failure = run_with_service_tasks(session, services, case, None, instance, fired)
    if failure:
        set_incident(session, case, None, failure, now)
        drop_case_timer(session, case)
        session.flush()
    elif instance.progress_marker() != before:
        for timer in _timers_fired(waiting, instance.pending_timers(), now):
            history.record(session, case, None, "timer_fired", task=timer, when=now)
        _settle(session, services, case, instance, None, now, state=state)
    else:
        sync_case_timer(session, case, instance)
        session.flush()
    return case


def _timers_fired(waiting, still_waiting, now):
    """The timers of `waiting` that were due and no longer wait (or, a cycle, wait for their next time)."""
    after = {timer.task_id: timer.due_at for timer in still_waiting}
    return [timer for timer in waiting if timer.due_at <= now and after.get(timer.task_id) != timer.due_at]


def start_scheduled_case(session, services, process_key, title):
    """Start one case of the process's latest version as the system (a timer start event fired): it belongs
    to the centre (the system user's organisation) and its history says 定时发起 by 系统. It is no draft
    waiting for someone to submit it: it counts as submitted when it starts, so case lists show it."""
    version = latest_version(session, process_key)
    creator = system_user(session)

    def run_first_steps():
        instance = services.store.start(version)
        instance.advance()
        return instance, services.store.dump(instance)
    ran, failure = _run(services, run_first_steps)
    instance, state = ran or (services.store.start(version), None)
    now = utcnow()
    case = open_case(session, creator, version, now, scheduled=title)
    case.submitted_at = now
    if failure:
        set_incident(session, case, None, failure, now)
    _settle(session, services, case, instance, None, now, state=state)
    return case


def _ensure_running(case):
    if case.status == CaseStatus.INCIDENT:
        raise Conflict("案件流程异常，已暂停办理，等待管理人员处理", {"case": [case.incident or ""]})


def _run(services, work):
    """(result, None), or (None, incident text) when the engine could not finish the work cleanly."""
    try:
        return work(), None
    except EngineFailure as exc:
        return None, exc.text
    except CaseDataTooLarge:
        limit = services.store.max_state_bytes // 1024
        return None, f"案件数据超过上限（{limit} KB），已中止"


def run_with_service_tasks(session, services, case, user, instance, work):
    """_run, with the service tasks the engine reaches calling their named operations in this transaction: every
    command that moves a case's engine (a completion, a timer, an incident's retry or skip, a version move)."""
    def context(view):
        return rules.RuleContext(session, case, view, notice_min_days=services.notice_min_days, user=user,
                                 services=services)
    return running.run_with_service_tasks(session, context, instance, lambda: _run(services, work))


def _settle(session, services, case, instance, user, now, open_rows=None, state=None):
    """Bring the task rows and the case row in step with the instance, then save it under the version check."""
    ready = instance.open_tasks()
    unworkable = projection.unworkable(case, ready)
    if unworkable and not instance.incident:
        instance.incident = unworkable
    rows = projection.sync(session, case, ready, now, open_rows)
    settle_status(session, case, instance, user, now, "、".join(task.title for task in ready))
    sync_case_timer(session, case, instance)
    services.store.save(session, case, instance, state)
    return rows
