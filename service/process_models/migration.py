"""Moving the open cases of a deployed version to a newer version of the same model (迁移).

The preview says, per case, whether it can move and why not, which open task (or waiting event) becomes which
task of the new version and what changes for it, and what the case would lose: the steps ahead that the new
version does not have, and answers the case pages would no longer show (a step, or a form field, the new
version lacks; the data stays in the case). The engine decides what maps (engine/migration.py, on
SpiffWorkflow's diff); the refusals are its own plus the case's: set aside as an incident, held by a command
running on it now (its row or a task row locked), or no longer on the version.

Each case moves in a transaction of its own (`move_case`), under the case row's version check and, on
PostgreSQL, the locks a completion takes (its task rows, then the case row): a move never waits for them
but refuses a busy case, and a completion that loses the race runs again on the moved case.
"""
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..access import Action, ensure, task_organisation
from ..audit.recording import note
from ..cases import history
from ..cases.models import STATUS_LABELS, Case, CaseStatus
from ..cases.operations import settle_status
from ..db import utcnow
from ..errors import DomainError, NotFound, ValidationFailed
from ..forms.store import step_forms, version_documents
from ..people.roles import Role, role_for_lane
from ..scheduler.timers import drop_case_timer, sync_case_timer
from ..tasks import projection
from ..tasks.deadlines import DUE_DATE_FROM, DUE_IN_DAYS, DUE_IN_WORKING_DAYS
from ..tasks.models import HumanTask, TaskState
from ..unit_of_work import run
from .models import ProcessModel, ProcessModelVersion

log = logging.getLogger(__name__)
OPEN_STATUSES = (CaseStatus.ACTIVE, CaseStatus.INCIDENT)
_DUE_PROPERTIES = (DUE_DATE_FROM, DUE_IN_WORKING_DAYS, DUE_IN_DAYS)
BUSY = "案件正在被其他人办理（已锁定），请稍后再迁移"


@dataclass
class TaskMove:
    """An open task (or a waiting event) of the case and the task of the new version it becomes."""
    task_id: str
    waiting: bool
    from_step: str
    from_title: str
    to_step: str
    to_title: str
    changes: list = field(default_factory=list)  # what changes for it, in Chinese


@dataclass
class LostItem:
    step: str
    title: str
    field: str | None = None  # None: the whole step (or its whole answers)
    label: str | None = None


@dataclass
class CaseMove:
    """One case in a preview, or the outcome of moving it."""
    case: Case
    reasons: list = field(default_factory=list)  # why it cannot move; empty when it can
    tasks: list = field(default_factory=list)
    lost_steps: list = field(default_factory=list)
    lost_data: list = field(default_factory=list)
    moved: bool = False

    @property
    def can_move(self):
        return not self.reasons

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.case.status, self.case.status)


@dataclass
class Migration:
    key: str
    from_version: int
    to_version: int
    cases: list

    @property
    def moved(self):
        return [c for c in self.cases if c.moved]

    @property
    def refused(self):
        return [c for c in self.cases if not c.moved]


MAX_KEY = 100  # parsing.MAX_PROCESS_ID: no model has a longer key
MAX_VERSION = 2 ** 31 - 1  # the versions' integer column


def versions(session, key, from_number, to_number):
    """The two versions of the model a move goes between; 404 for an unknown model or version, 422 when the
    target is not a newer version of the same model."""
    model = session.scalar(select(ProcessModel).where(ProcessModel.key == key)) if len(key) <= MAX_KEY else None
    if model is None:
        raise NotFound(f"流程模型 {key[:MAX_KEY]} 不存在")

    def version(number, field_name):
        # a number no version can have (2**64 from the command line) is not looked up: SQLite cannot bind it and
        # PostgreSQL's integer column refuses it
        found = session.scalar(select(ProcessModelVersion).where(ProcessModelVersion.process_model_id == model.id,
                                                                 ProcessModelVersion.version == number)) \
            if 1 <= number <= MAX_VERSION else None
        if found is None:
            raise NotFound(f"流程模型 {key} 没有第 {number} 版", {field_name: [f"没有第 {number} 版"]})
        return found
    if to_number is None:
        raise ValidationFailed("请指定目标版本", {"to": ["必填"]})
    source = version(from_number, "version")
    if to_number <= from_number:
        raise ValidationFailed("只能迁移到更新的版本", {"to": [f"应晚于第 {from_number} 版"]})
    return source, version(to_number, "to")


def _open_cases(version):
    return (Case.process_version_id == version.id) & Case.status.in_(OPEN_STATUSES)


def open_case_ids(session, version):
    return session.scalars(select(Case.id).where(_open_cases(version)).order_by(Case.id)).all()


def open_case_counts(session):
    """{version id: open cases}: what the models page offers to move."""
    rows = session.execute(select(Case.process_version_id, func.count()).where(Case.status.in_(OPEN_STATUSES))
                           .group_by(Case.process_version_id)).all()
    return dict(rows)


def preview(session, services, user, key, from_number, to_number):
    """Migration with a CaseMove per open case of the version: what moving it would do, or why it cannot."""
    _ensure(user)
    source, target = versions(session, key, from_number, to_number)
    cases = session.scalars(select(Case).where(_open_cases(source)).order_by(Case.id)).all()
    moves = []
    for case in cases:
        try:
            moves.append(assess(session, services, case, services.store.restore(case), source, target))
        except Exception as exc:  # one unreadable case must not hide the others
            log.warning("migration preview of case %s failed: %s", case.id, type(exc).__name__)
            moves.append(CaseMove(case, reasons=["无法读取案件的流程状态，不能迁移"]))
    return Migration(key, from_number, to_number, moves)


def migrate(services, user, key, from_number, to_number):
    """Move every open case of the version that can move, each in its own transaction; the Migration lists
    every case, moved or refused with its reasons. Runs its own transactions (the caller holds none)."""
    source_id, target_id, case_ids = run(_selection, user, key, from_number, to_number)
    moves = []
    for case_id in case_ids:
        try:
            moves.append(run(move_case, services, user, case_id, source_id, target_id))
        except DomainError as exc:  # e.g. StaleState: lost the race to other commands on the case every time
            moves.append(CaseMove(run(_case, case_id), reasons=[exc.message]))
    return Migration(key, from_number, to_number, moves)


def _selection(session, user, key, from_number, to_number):
    _ensure(user)
    source, target = versions(session, key, from_number, to_number)
    return source.id, target.id, open_case_ids(session, source)


def _case(session, case_id):
    return session.get(Case, case_id)


def move_case(session, services, user, case_id, source_id, target_id):
    """Move one case from the version `source_id` to `target_id` (a command: one transaction). A case that
    cannot move is left as it was and comes back with its reasons."""
    _ensure(user)
    if not _hold(session, case_id):
        return CaseMove(session.get(Case, case_id), reasons=[BUSY])
    case = session.get(Case, case_id, populate_existing=True)
    source, target = session.get(ProcessModelVersion, source_id), session.get(ProcessModelVersion, target_id)
    if source.process_model_id != target.process_model_id:
        return CaseMove(case, reasons=["目标版本属于另一个流程模型"])
    if case.process_version_id != source.id:
        return CaseMove(case, reasons=[f"案件已不在第 {source.version} 版"])
    if case.status not in OPEN_STATUSES:
        return CaseMove(case, reasons=[f"案件{STATUS_LABELS.get(case.status, case.status)}，无需迁移"])
    instance = services.store.load(case, for_command=True)
    move = assess(session, services, case, instance, source, target)
    if not move.can_move:
        return move
    before = open_tasks_by_id(instance)
    from ..casework.commands import run_with_service_tasks  # casework builds on process models

    def moved():
        services.engine.migrate(instance, target.engine_key, lambda: target.spec_json)
        return services.store.dump(instance)
    state, failure = run_with_service_tasks(session, services, case, user, instance, moved)
    if failure:
        return CaseMove(case, reasons=[f"迁移未生效：{failure}"])
    if instance.incident:
        return CaseMove(case, reasons=[f"迁移未生效：新版本运行出错（{instance.incident}）"])
    now = utcnow()
    record_move(session, user, case, source, target, now)
    ready = respec_moved(session, user, case, instance, before, now)
    projection.sync(session, case, ready, now)
    settle_status(session, case, instance, user, now, "、".join(task.title for task in ready))
    if instance.may_wait_on_timers():
        sync_case_timer(session, case, instance)
    else:
        drop_case_timer(session, case)
    services.store.save(session, case, instance, state)
    note(session, subject=("case", case.id), **move_detail(source, target))
    move.moved = True
    return move


def open_tasks_by_id(instance):
    """The instance's open tasks by id, taken before a move to compare their due rules after it."""
    return {task.id: task for task in instance.open_tasks()}


def record_move(session, user, case, source, target, now):
    """The case stands on `target` now: its version switched and the move in its history (the 'migrated'
    event, returned). The engine has moved the instance (services.engine.migrate)."""
    case.process_version_id = target.id
    session.expire(case, ["process_version"])
    event = history.record(session, case, user, "migrated", when=now)
    event.task_title = f"流程版本 第 {source.version} 版 → 第 {target.version} 版"
    return event


def respec_moved(session, user, case, instance, before, now):
    """The open task rows take the new version's names, forms, roles and (where its rules changed) due dates;
    a claim the new role or organisation ends goes back to the pool, in the history. Returns the open tasks."""
    ready = instance.open_tasks()
    due_changed = {task.id for task in ready if task.id in before
                   and _due_rules(task.properties) != _due_rules(before[task.id].properties)}
    for row in projection.respec(session, case, ready, due_changed):
        history.record(session, case, user, "unclaimed", task=row, when=now)
    return ready


def move_detail(source, target):
    """What the audit entry of a move says of it (a move alone, or an incident's retry on a newer version)."""
    return {"process": source.process_model.key, "from_version": source.version, "to_version": target.version}


def _ensure(user):
    if user is not None:  # None: the CLI, run by whoever administers the server
        ensure(user, Action.MIGRATE_CASES)


def _hold(session, case_id):
    """Take the case row and its open task rows without waiting (PostgreSQL), False when another transaction
    holds one: a completion holds its task row, then the case row, until it commits. SQLite has one writer."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    if session.scalar(select(Case.id).where(Case.id == case_id).with_for_update(skip_locked=True)) is None:
        return False
    open_rows = (HumanTask.case_id == case_id) & (HumanTask.state == TaskState.OPEN)
    held = session.scalars(select(HumanTask.id).where(open_rows).with_for_update(skip_locked=True)).all()
    return len(held) == session.scalar(select(func.count()).select_from(HumanTask).where(open_rows))


def assess(session, services, case, instance, source, target, incident_allowed=False):
    """The CaseMove of one case: the engine's plan, the case's own refusals, the claims and data it touches.
    A case in incident moves only as the first half of its retry (`incident_allowed`, casework/incidents.py):
    a version move alone would leave its failed step failed."""
    move = CaseMove(case)
    if case.status == CaseStatus.INCIDENT and not incident_allowed:
        move.reasons.append(f"案件处于流程异常状态，须先处理异常：{case.incident or ''}".rstrip("："))
    plan = services.engine.plan_migration(instance, target.engine_key, lambda: target.spec_json)
    move.reasons.extend(plan.refusals)
    claims = {row.spiff_task_id: row for row in projection.open_rows(session, case.id)}
    old_forms, new_forms = version_documents(source), version_documents(target)
    for mapped in plan.mapped:
        move.tasks.append(TaskMove(mapped.task_id, mapped.waiting, mapped.old.spec_name, mapped.old.title,
                                   mapped.new.spec_name, mapped.new.title,
                                   _changes(case, mapped, claims.get(mapped.task_id), old_forms, new_forms)))
    move.lost_steps = [LostItem(step.spec_name, step.title) for step in plan.lost_steps]
    move.lost_data = lost_data(source, target, instance.data)
    return move


def _changes(case, mapped, row, old_forms, new_forms):
    old, new = mapped.old, mapped.new
    found = []
    if old.spec_name != new.spec_name:
        found.append(f"任务编号：{old.spec_name} → {new.spec_name}")
    if old.title != new.title:
        found.append(f"名称：{old.title} → {new.title}")
    if mapped.waiting:
        if "event_definition" in mapped.changed:
            found.append("定时（事件）设置已改变：按新版本重新计时")
        return found
    old_role, new_role = role_for_lane(old.lane), role_for_lane(new.lane)
    if old_role != new_role:
        found.append(f"办理角色：{_role(old_role)} → {_role(new_role)}")
    if old.form != new.form or old_forms.get(old.form) != new_forms.get(new.form):
        found.append(f"表单：{_form_title(old_forms, old.form)} → {_form_title(new_forms, new.form)}")
    if _due_rules(old.properties) != _due_rules(new.properties):
        found.append("办理期限：按新版本重新计算")
    if row is not None and row.assignee_id is not None and \
            (old_role, task_organisation(case, old_role)) != (new_role, task_organisation(case, new_role)):
        found.append("认领将被撤回，任务回到新角色的任务池")
    return found


def _role(role):
    return Role(role).label if role else "无"


def _form_title(documents, name):
    if not name:
        return "无表单"
    return (documents.get(name) or {}).get("title") or name


def _due_rules(properties):
    return tuple(properties.get(name) for name in _DUE_PROPERTIES)


def lost_data(source, target, data):
    """Answers the case holds that the new version's pages would not show: the answers of a step it does not
    have, and fields its form for the step no longer defines (the data itself stays in the case)."""
    old_forms, new_forms = step_forms(source), step_forms(target)
    found = []
    for task in source.user_tasks:
        answers = data.get(task["id"])
        if not isinstance(answers, dict) or not answers:
            continue
        old_schema = old_forms[task["id"]][0] or {}
        if task["id"] not in new_forms:
            found.append(LostItem(task["id"], task["name"]))
            continue
        new_fields = (new_forms[task["id"]][0] or {}).get("properties", {})
        for key, spec in old_schema.get("properties", {}).items():
            if key in answers and key not in new_fields:
                found.append(LostItem(task["id"], task["name"], key, (spec or {}).get("title") or key))
    return found
