"""Starting the aid programmes' own processes (bundled models education_grant, medical_aid, sudden_aid and
festival_warmth; their rules are in programme_rules.py).

- An application (金秋助学, 医疗救助, 意外致困) is started for one filed household by its union or by the centre:
  the model's first gateway reads `applied_by` and opens the application step in that one's lane (a union's
  step belongs to its own organisation), then the centre reviews and the approver approves.
- 送温暖 is started by the centre for every filed household at once, for one festival of one year: one engine
  run copied into every household's case (review._template/_insert, as the annual review's bulk start), each
  case's first step the approver's 送温暖审批. The approver approves case by case, in the inbox, or the whole
  list at once (`approve_warmth`): a real centre signs the festival's list (慰问名单) as a whole and takes out
  the few households it will not visit, which stay open to be refused one by one. One case per household,
  festival and year: the case reference WM<year><festival code><household id> is unique in the database, so
  a second start (or two at once) adds nothing for a household that has one.
"""
from dataclasses import dataclass

from sqlalchemy import select

from .. import clock
from ..access import Action, ensure, may_read_household
from ..cases.models import Case
from ..db import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from ..households import review
from ..households.models import Household, HouseholdStatus
from ..people.roles import Role
from ..process_models.models import ProcessModel
from ..process_models.operations import latest_version
from ..tasks.models import HumanTask, TaskState
from .standards import held_to
from .models import Programme
from .programme_rules import EDUCATION, MEDICAL, SUDDEN, WARMTH

APPLICATIONS = {EDUCATION: "金秋助学", MEDICAL: "医疗救助", SUDDEN: "意外致困"}
FESTIVALS = {"spring": ("C", "春节"), "mid_autumn": ("A", "中秋"), "labour_day": ("L", "五一")}
MODELS = (EDUCATION, MEDICAL, SUDDEN, WARMTH)  # bundled with the service (bpmn/)


def apply(session, services, user, household_id, process_key):
    """A union (for its own filed household) or the centre starts an application; returns the case."""
    ensure(user, Action.APPLY_PROGRAMME)
    if process_key not in APPLICATIONS:
        raise ValidationFailed("帮扶项目无效", {"programme": [f"应为{'、'.join(APPLICATIONS.values())}之一"]})
    household = session.get(Household, household_id)
    if household is None or not may_read_household(user, household):
        raise NotFound("家庭档案不存在")
    if household.status != HouseholdStatus.FILED:
        raise Conflict(f"家庭档案{household.status_label}，只有在档家庭可以申请{APPLICATIONS[process_key]}",
                       {"household": [household.status_label]})
    applied_by = "union" if user.role == Role.GRASSROOTS_UNION else "centre"
    return review._start_one(session, services, latest_version(session, process_key), household, user, utcnow(),
                             "programme_started", APPLICATIONS[process_key], start_data={"applied_by": applied_by})


@dataclass
class WarmthStart:
    year: int
    festival: str
    started: int  # households this call started
    already: int  # households that had this festival's case before


def _prefix(year, festival):
    return f"WM{year}{FESTIVALS[festival][0]}"


def start_warmth(session, services, user, year, festival):
    """送温暖 for every filed household without this festival's case yet."""
    ensure(user, Action.START_WARMTH)
    problems = {}
    if festival not in FESTIVALS:
        problems["festival"] = [f"应为{'、'.join(name for _, name in FESTIVALS.values())}之一"]
    if not isinstance(year, int) or isinstance(year, bool) or not review.FIRST_YEAR <= year <= review.LAST_YEAR:
        problems["year"] = [f"应为 {review.FIRST_YEAR} 到 {review.LAST_YEAR} 之间的年份"]
    if problems:
        raise ValidationFailed("送温暖发起有误", problems)
    held = held_to(session, Programme.WARMTH, None, clock.today())
    if held.problem:
        raise ValidationFailed(held.problem, {"festival": [held.problem]})
    version = latest_version(session, WARMTH)
    session.execute(select(ProcessModel.id).where(ProcessModel.key == WARMTH).with_for_update())
    prefix = _prefix(year, festival)
    taken = set(session.scalars(select(Case.household_id).where(Case.reference.like(f"{prefix}%"))))
    households = [row for row in session.execute(
        select(Household.id, Household.organisation_id, Household.worker_name, Household.employer,
               Household.category).where(Household.status == HouseholdStatus.FILED).order_by(Household.id)).all()
        if row[0] not in taken]
    name = FESTIVALS[festival][1]
    state, ready, problem = review._template(services, version, {"festival": festival, "festival_year": year})
    now = utcnow()
    if problem is None:
        for start in range(0, len(households), review.BATCH):
            review._insert(session, version, year, user, now, households[start:start + review.BATCH], state, ready,
                           reference=lambda household_id: f"{prefix}{household_id:07d}", review_year=False,
                           action="warmth_started", opinion=f"{year}年{name}送温暖",
                           taken=f"{year}年{name}送温暖正在由他人发起，请刷新后查看")
    else:
        for household_id, *_ in households:
            case = review._start_one(session, services, version, session.get(Household, household_id), user, now,
                                     "warmth_started", f"{year}年{name}送温暖",
                                     start_data={"festival": festival, "festival_year": year})
            case.reference = f"{prefix}{household_id:07d}"
    session.flush()
    return WarmthStart(year, festival, len(households), len(taken))


def approve_warmth(session, services, user, year, festival, opinion="同意"):
    """The approver approves a festival's whole list: every 送温暖审批 still open, each through the task's own
    completion (its rules create the award). Returns how many were approved."""
    from ..casework.commands import complete_task  # casework builds on the money rules through cases/rules
    ensure(user, Action.APPROVE_WARMTH)
    if festival not in FESTIVALS:
        raise ValidationFailed("节日无效", {"festival": [f"应为{'、'.join(n for _, n in FESTIVALS.values())}之一"]})
    ids = session.scalars(select(HumanTask.id).join(Case, Case.id == HumanTask.case_id).where(
        Case.reference.like(f"{_prefix(year, festival)}%"), HumanTask.state == TaskState.OPEN,
        HumanTask.spec_name == "warmth_approval").order_by(HumanTask.id)).all()
    for task_id in ids:
        complete_task(session, services, user, task_id, {"decision": "approve", "opinion": opinion})
    return len(ids)
