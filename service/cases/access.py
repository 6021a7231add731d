"""Who may see a case and act on a task. The routes and the inbox both ask here."""
from sqlalchemy import false, true

from ..errors import Forbidden
from .models import Case

ORG_SCOPED_ROLES = {"grassroots_union", "third_party"}
READ_ALL_ROLES = {"assistance_center", "inspector", "approver", "finance", "supervisor"}
START_ROLES = {"grassroots_union"}


def case_scope(user):
    """A SQL condition limiting cases to those the user may read."""
    if user.role in READ_ALL_ROLES:
        return true()
    if user.role == "grassroots_union":
        return Case.organisation_id == user.organisation_id
    if user.role == "third_party":
        return Case.third_party_org_id == user.organisation_id
    return false()


def can_read_case(user, case):
    if user.role in READ_ALL_ROLES:
        return True
    if user.role == "grassroots_union":
        return case.organisation_id == user.organisation_id
    if user.role == "third_party":
        return case.third_party_org_id == user.organisation_id
    return False


def ensure_can_read(user, case):
    if not can_read_case(user, case):
        raise Forbidden("无权查看此案件")


def ensure_can_start(user):
    if user.role not in START_ROLES:
        raise Forbidden("只有基层工会可以申报困难职工家庭")


def task_organisation(case, role):
    """The organisation a task of this role belongs to: the declaring union's or the assigned third
    party's for those roles (ORG_SCOPED_ROLES), none for the centre's roles."""
    if role == "grassroots_union":
        return case.organisation_id
    if role == "third_party":
        return case.third_party_org_id
    return None


def _task_org_for(user):
    return user.organisation_id if user.role in ORG_SCOPED_ROLES else None


def task_visible_to(user):
    """A SQL condition for tasks the user's role and organisation may work on (one index range)."""
    from ..tasks.models import HumanTask
    org = _task_org_for(user)
    return (HumanTask.role == user.role) & (
        HumanTask.organisation_id == org if org is not None else HumanTask.organisation_id.is_(None))


def can_act_on(user, task):
    return task.role == user.role and task.organisation_id == _task_org_for(user)


def ensure_can_act(user, task):
    if not can_act_on(user, task):
        raise Forbidden("此任务不属于您的角色或机构")
