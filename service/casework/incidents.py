"""Cases set aside as incidents (流程异常), and what the centre head does about them.

Three answers, each with a reason, recorded in the case's history (the reason, sealed, as its opinion) and
in the audit log (who, when, which step, and what came of it; the reason stays in the history, where
personal data is sealed and masked):

- retry: run the failed step again once its cause is repaired (the holidays of a year imported, a script
  fixed). `on_latest` first moves the case onto the newest deployed version of its model, for a repair
  deployed as a new version: the move is version migration's own (process_models/migration.py: the same
  plan, refusals naming the element, history event and audit detail), then the retry runs on the moved case,
  both in the command's one transaction. A case that cannot move is refused with migration's reasons and
  left as it was; a retry that fails again on the new version discards the move too (the case stays on its
  version, in incident with the new error). `retry_preview` shows the move beforehand.
- skip: mark a failed script, service or business-rule task done without its result and go on.
- terminate: cancel the workflow, close its open tasks; the case ends as 异常终止.

Retry and skip clear the incident, or leave a new one with the new error. A case not in incident is refused.
"""
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..access import Action, ensure
from ..audit.recording import note
from ..cases import history
from ..cases.models import STATUS_LABELS, Case, CaseEvent, CaseStatus
from ..cases.operations import set_incident
from ..db import utcnow
from ..engine import EngineFailure, TaskNotReady
from ..errors import Conflict, NotFound, ValidationFailed
from ..households import register
from ..process_models import migration
from ..process_models.models import ProcessModelVersion
from ..process_models.operations import latest_version
from ..scheduler.timers import drop_case_timer
from ..tasks import projection
from .commands import _run, _settle, run_with_service_tasks

MAX_REASON = 500
MAX_LISTED = 200


@dataclass
class Incident:
    case: Case
    since: object  # when the case was last set aside
    latest_version: int  # the newest deployed version of its model
    failed_steps: list | None = None  # engine.FailedStep, read only for one case


def incident_cases(session, user):
    """The cases in incident, the longest-standing first (at most MAX_LISTED), with the newest version of
    each one's model (one query)."""
    ensure(user, Action.HANDLE_INCIDENTS)
    since = (select(CaseEvent.case_id, func.max(CaseEvent.occurred_at).label("at"))
             .where(CaseEvent.action == "incident").group_by(CaseEvent.case_id).subquery())
    newest = (select(ProcessModelVersion.process_model_id, func.max(ProcessModelVersion.version).label("latest"))
              .group_by(ProcessModelVersion.process_model_id).subquery())
    own = ProcessModelVersion.__table__.alias("own_version")
    rows = session.execute(select(Case, since.c.at, newest.c.latest)
                           .join(own, own.c.id == Case.process_version_id)
                           .join(newest, newest.c.process_model_id == own.c.process_model_id)
                           .outerjoin(since, since.c.case_id == Case.id)
                           .where(Case.status == CaseStatus.INCIDENT)
                           .options(joinedload(Case.process_version).joinedload(ProcessModelVersion.process_model))
                           .order_by(since.c.at.nulls_first(), Case.id).limit(MAX_LISTED)).all()
    return [Incident(case, at or case.updated_at, latest) for case, at, latest in rows]


def incident_detail(session, services, user, case_id):
    """One case in incident with its failed steps."""
    case = _incident_case(session, user, case_id)
    at = session.scalar(select(func.max(CaseEvent.occurred_at))
                        .where(CaseEvent.case_id == case.id, CaseEvent.action == "incident"))
    return Incident(case, at or case.updated_at, latest_version(session, case.process_version.process_model.key).version,
                    services.store.restore(case).failed_steps())


def with_failed_steps(services, incidents):
    """The incidents with their failed steps read from each case's workflow (for a page that offers 跳过)."""
    for incident in incidents:
        incident.failed_steps = services.store.restore(incident.case).failed_steps()
    return incidents


def retry_preview(session, services, user, case_id):
    """(the newest version, the CaseMove of the case onto it): what 在最新版本上重试 would move (which open
    task becomes which, what the case loses) or why it cannot; changes nothing. Conflict when the case is on
    the newest version already."""
    case = _incident_case(session, user, case_id)
    target = _newer_version(session, case)
    instance = services.store.restore(case)
    return target, migration.assess(session, services, case, instance, case.process_version, target,
                                     incident_allowed=True)


def retry_incident(session, services, user, case_id, reason, on_latest=False):
    """Run the failed steps again; `on_latest`: on the newest version of the model, the case moved there first
    by version migration (refused, nothing changed, when it cannot move)."""
    case = _incident_case(session, user, case_id)
    reason = _reason(reason)
    instance = services.store.load(case, for_command=True)
    failed = instance.failed_steps()
    move = None
    if on_latest:
        target = _newer_version(session, case)
        plan = migration.assess(session, services, case, instance, case.process_version, target,
                                incident_allowed=True)
        if not plan.can_move:
            raise Conflict(f"案件不能迁移到第 {target.version} 版，未重试，案件未作改动：" + "；".join(plan.reasons),
                           {"on_latest": plan.reasons})
        move = _Move(case.process_version, target, migration.open_tasks_by_id(instance))

    def retried():
        if move is not None:
            # Not advanced: a case in incident can go on only from its failed steps, which the retry runs.
            services.engine.migrate(instance, move.target.engine_key, lambda: move.target.spec_json, advance=False)
        instance.retry()
        if move is not None and instance.incident:
            # Failed again on the new version: the move is discarded with the engine work, and with it what the
            # service tasks it reached wrote (run_with_service_tasks rolls their savepoint back).
            raise EngineFailure(instance.incident)
        return services.store.dump(instance)
    return _finish(session, services, user, case, instance, retried, "incident_retried", reason,
                   failed[0] if len(failed) == 1 else None, move)


@dataclass
class _Move:
    source: ProcessModelVersion
    target: ProcessModelVersion
    before: dict  # the open tasks before the move, by id
    event: object = None  # the history's 'migrated' event


def _newer_version(session, case):
    version = latest_version(session, case.process_version.process_model.key)
    if version.id == case.process_version_id:
        raise Conflict(f"案件已在最新版本（第 {version.version} 版）上，请直接重试", {"on_latest": ["已是最新版本"]})
    return version


def skip_failed_step(session, services, user, case_id, reason, step=None):
    """Skip the case's failed step (`step`: its task id or model id, needed when more than one failed)."""
    case = _incident_case(session, user, case_id)
    reason = _reason(reason)
    instance = services.store.load(case, for_command=True)
    failed = instance.failed_steps()
    chosen = [s for s in failed if step in (None, s.id, s.spec_name)]
    if not chosen:
        raise Conflict("案件没有失败的步骤可以跳过（异常发生在步骤之外，请重试或终止）" if not failed
                       else f"没有名为 {step[:100]} 的失败步骤", {"step": ["不是失败的步骤"]})  # a page posts any length
    if len(chosen) > 1:
        raise ValidationFailed("有多个失败的步骤，请指定要跳过哪一个",
                               {"step": ["可选：" + "、".join(f"{s.spec_name}（{s.title}）" for s in chosen)]})
    failed_step = chosen[0]
    if not failed_step.skippable:
        raise Conflict(f"步骤“{failed_step.title}”不能跳过：只有脚本任务、服务任务和业务规则任务可以跳过，"
                       "其余请修复后重试或终止案件", {"step": ["不能跳过"]})

    def skipped():
        try:
            instance.skip(failed_step.id)
        except TaskNotReady:
            raise Conflict("该步骤已不处于失败状态，请刷新后再试") from None
        return services.store.dump(instance)
    return _finish(session, services, user, case, instance, skipped, "incident_skipped", reason, failed_step)


def terminate_case(session, services, user, case_id, reason):
    """End the case: its workflow cancelled (kept as it stood when SpiffWorkflow cannot cancel it), its open
    tasks closed; it ends as 异常终止 with the reason in its history."""
    case = _incident_case(session, user, case_id)
    reason = _reason(reason)
    instance = services.store.load(case, for_command=True)

    def cancelled():
        instance.cancel()
        return services.store.dump(instance)
    state, failure = _run(services, cancelled)
    now = utcnow()
    projection.sync(session, case, [], now)
    case.status, case.incident, case.stage = CaseStatus.TERMINATED, None, None
    case.closed_at = case.updated_at = now
    event = history.record(session, case, user, "terminated", opinion=reason, when=now)
    register.application_ended(session, case, user, now)
    drop_case_timer(session, case)
    if failure:
        session.flush()
    else:
        services.store.save(session, case, instance, state)
    note(session, subject=("case", case.id), history_event=event.id, outcome=case.status)
    return case


def _finish(session, services, user, case, instance, work, action, reason, step, move=None):
    """Record the action, run the engine work and bring the case in step: active again, or a new incident.
    With a `move` (a retry on a newer version) the move is recorded first, and kept only when the work succeeds
    (the retry on the new version raises EngineFailure when it fails again)."""
    now = utcnow()
    if move is not None:
        move.event = migration.record_move(session, user, case, move.source, move.target, now)
    event = history.record(session, case, user, action, task=step, opinion=reason, when=now)
    state, failure = run_with_service_tasks(session, services, case, user, instance, work)
    if failure:  # the engine work is discarded: the case stays where it was, with the new error
        if move is not None:
            _undo_move(session, case, move)
        set_incident(session, case, user, failure, now)
        drop_case_timer(session, case)
        session.flush()
    else:
        if move is not None:
            migration.respec_moved(session, user, case, instance, move.before, now)
        case.status, case.incident = CaseStatus.ACTIVE, None
        _settle(session, services, case, instance, user, now, state=state)
    moved = move is not None and not failure
    note(session, subject=("case", case.id), history_event=event.id, step=step.spec_name if step else None,
         **(migration.move_detail(move.source, move.target) if moved else {}), outcome=case.status)
    return case


def _undo_move(session, case, move):
    """A retry on the new version failed: the case stays on its own version, without the move in its history."""
    case.process_version_id = move.source.id
    session.expire(case, ["process_version"])
    session.flush()  # the events in the order recorded (expunging a pending one would upset the insert order)
    session.delete(move.event)


def _incident_case(session, user, case_id):
    ensure(user, Action.HANDLE_INCIDENTS)
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在")
    if case.status != CaseStatus.INCIDENT:
        raise Conflict(f"案件{STATUS_LABELS.get(case.status, case.status)}，未处于流程异常状态，无需处理",
                       {"case": ["未处于流程异常状态"]})
    return case


def _reason(text):
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationFailed("请填写处理原因", {"reason": ["必填"]})
    if len(text) > MAX_REASON:
        raise ValidationFailed("处理原因过长", {"reason": [f"不能超过 {MAX_REASON} 个字符"]})
    return text
