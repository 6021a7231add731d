"""Case rows: opening one, reading one, keeping its status in step with the workflow, withdrawing a draft."""
from ..access import Action, ensure_can_read, may, may_read_case
from ..errors import NotFound
from ..households import register
from . import history
from .models import STATUS_LABELS, Case, CaseStatus

# The `outcome` property of the end event reached -> the case's final status.
OUTCOME_STATUS = {"paid": CaseStatus.PAID, "not_eligible": CaseStatus.NOT_ELIGIBLE,
                  "not_approved": CaseStatus.NOT_APPROVED}


def open_case(session, user, version, now, household_name=None, scheduled=None):
    """A new case of the model version, declared by the user's organisation, with its reference. A case the
    scheduler started (`scheduled`: its start event's name) is recorded as started by the system (定时发起)."""
    case = Case(process_version_id=version.id, organisation_id=user.organisation_id, created_by_id=user.id,
                status=CaseStatus.ACTIVE, created_at=now, updated_at=now, household_name=household_name)
    session.add(case)
    session.flush()
    case.reference = f"BF{now:%Y}{case.id:06d}"
    if scheduled is not None:
        history.record(session, case, None, "scheduled_start", task=_StartEvent(scheduled), when=now)
    else:
        history.record(session, case, user, "started", when=now)
    return case


class _StartEvent:
    def __init__(self, title):
        self.spec_name, self.title = None, title[:200]


def get_case(session, user, case_id):
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在")
    ensure_can_read(user, case)
    return case


def settle_status(session, case, instance, user, now, stage):
    """After the engine ran: the case's stage, and its status when it failed or ended."""
    case.stage = stage or None
    case.updated_at = now
    if instance.incident:
        set_incident(session, case, user, instance.incident, now)
    elif instance.is_completed:
        case.status = OUTCOME_STATUS.get(instance.outcome, CaseStatus.COMPLETED)
        case.closed_at = now
        history.record(session, case, user, "ended", decision=instance.outcome, when=now)
        register.application_ended(session, case, user, now)


def set_incident(session, case, user, text, now):
    """Set the case aside: no task of it can be done until someone repairs the model or the case."""
    case.status = CaseStatus.INCIDENT
    case.incident = text
    case.updated_at = now
    history.record(session, case, user, "incident", opinion=text, when=now)


def withdrawal_refusal(case):
    """Why the case can no longer be withdrawn (撤回), or None while it is a draft never submitted."""
    if case.status != CaseStatus.ACTIVE:
        return f"案件{STATUS_LABELS.get(case.status, case.status)}，不能撤回"
    if case.submitted_at is not None:
        return "申报已提交，不能撤回；如需终止，请由审核人员作出“不予通过”的结论"
    return None


def may_withdraw(user, case):
    """Whether the user's union declared this case and it is still a draft it may withdraw."""
    return may(user, Action.WITHDRAW_CASE) and may_read_case(user, case) and withdrawal_refusal(case) is None


def close_withdrawn(session, case, user, now):
    """The case ends as withdrawn; its history says who withdrew it and when."""
    case.status = CaseStatus.WITHDRAWN
    case.stage = None
    case.closed_at = case.updated_at = now
    history.record(session, case, user, "withdrawn", when=now)
    register.application_ended(session, case, user, now)
