"""Case rows: opening one, reading one, and keeping its status in step with the workflow."""
from ..access import ensure_can_read
from ..errors import NotFound
from . import history
from .models import Case, CaseStatus

# The `outcome` property of the end event reached -> the case's final status.
OUTCOME_STATUS = {"paid": CaseStatus.PAID, "not_eligible": CaseStatus.NOT_ELIGIBLE,
                  "not_approved": CaseStatus.NOT_APPROVED}


def open_case(session, user, version, now, household_name=None):
    """A new case of the model version, declared by the user's organisation, with its reference."""
    case = Case(process_version_id=version.id, organisation_id=user.organisation_id, created_by_id=user.id,
                status=CaseStatus.ACTIVE, created_at=now, updated_at=now, household_name=household_name)
    session.add(case)
    session.flush()
    case.reference = f"BF{now:%Y}{case.id:06d}"
    history.record(session, case, user, "started", when=now)
    return case


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


def set_incident(session, case, user, text, now):
    """Set the case aside: no task of it can be done until someone repairs the model or the case."""
    case.status = CaseStatus.INCIDENT
    case.incident = text
    case.updated_at = now
    history.record(session, case, user, "incident", opinion=text, when=now)
