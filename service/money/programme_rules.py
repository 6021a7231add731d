"""Domain rules of the aid programmes, as named operations (named_operations/registry.py) their models call.
Each application is held to the standard in force on the day; approval creates the award.

- 金秋助学 `education_grant`: the student is a member listed in the household's file (matched by the keyed
  ID digest, register.id_digest); students already aided elsewhere and military or free teacher-training
  students are refused; one grant per student per school year (the award's period is the school year, 1
  August to 31 July); the amount is the standard's fixed amount for the school level.
- 医疗救助 `medical_aid`: the patient is a member listed in the household's file (by the ID digest, as the
  student); self-paid = total cost − insurance paid, to the fen; the amount at most the self-paid part and the
  standard's cap.
- 意外致困 `sudden_aid`: at most the standard's cap, with the accident described.
- 送温暖 `festival_warmth`: the standard's fixed amount per household (programmes.start_warmth starts it).
The household must still be filed (在档) when applied for and when approved.
"""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from .. import clock
from ..errors import Conflict
from ..households import register
from ..households.models import Household, HouseholdMember, HouseholdStatus
from ..named_operations.registry import Operation, Param
from ..wording import long_date, yuan
from . import budgets
from .awards import Grant, create_award, month_starts
from .standards import held_to, in_force
from .models import PROGRAMME_LABELS, Award, Programme

EDUCATION, MEDICAL, SUDDEN, WARMTH = "education_grant", "medical_aid", "sudden_aid", "festival_warmth"
PROCESS_PROGRAMME = {EDUCATION: Programme.EDUCATION, MEDICAL: Programme.MEDICAL, SUDDEN: Programme.SUDDEN,
                     WARMTH: Programme.WARMTH}
APPROVAL_STEPS = {"approval", "programme_approval", "warmth_approval"}  # where the budget warning shows
FEN = Decimal("0.01")


def _money(value):
    return Decimal(str(value)).quantize(FEN) if value is not None else None


def _household(ctx):
    household = register.household_of(ctx.session, ctx.case)
    if household is None or household.status != HouseholdStatus.FILED:
        shown = household.status_label if household else "不存在"
        raise Conflict(f"家庭档案{shown}，只有在档家庭可以申请帮扶项目", {"household": [shown]})
    return household


def application(case_data):
    """What was applied for (the union's or the centre's application step)."""
    return case_data.get("application") or case_data.get("application_centre") or {}


def school_year_end(school_year):
    """31 July of the school year "2026-2027"'s second year: the education award's period end."""
    first, second = (int(part) for part in school_year.split("-"))
    return date(second, 7, 31) if second == first + 1 else None


# ---------------------------------------------------------------- 金秋助学

def _education_problems(ctx, data, args):
    household, found = _household(ctx), {}
    digest = register.id_digest(data["id_number"])
    if _listed_member(ctx.session, household, digest) is None:
        found["id_number"] = ["该学生不是本家庭档案所列家庭成员，不能申请金秋助学（请先核实家庭成员）"]
    if data.get("aided_elsewhere"):
        found["aided_elsewhere"] = ["本学年已获其他助学资助的学生不再资助"]
    if data.get("military_or_free_teacher"):
        found["military_or_free_teacher"] = ["军校生、公费师范生不在金秋助学资助范围"]
    end = school_year_end(data["school_year"])
    if end is None:
        found["school_year"] = ["学年应为相邻两年，如 2026-2027"]
    elif _granted_in_school_year(ctx.session, digest, end):
        found["school_year"] = [f"该学生{data['school_year']}学年已获金秋助学，每生每学年一次"]
    held = held_to(ctx.session, Programme.EDUCATION, None, clock.today(), household.category, data["school_level"])
    if held.problem:
        found["school_level"] = [held.problem]
    return found


def _listed_member(session, household, digest):
    """The household's member (as its file lists them) with this ID digest, or None."""
    return session.scalar(select(HouseholdMember).where(HouseholdMember.household_id == household.id,
                                                        HouseholdMember.id_digest == digest).limit(1))


def _granted_in_school_year(session, digest, period_end):
    return session.scalar(select(Award.id).where(
        Award.programme == Programme.EDUCATION, Award.student_id_digest == digest, Award.period_end == period_end,
        Award.amount > 0).limit(1)) is not None


# ---------------------------------------------------------------- 医疗救助

def _medical_problems(ctx, data, args):
    household, found = _household(ctx), {}
    if not _patient_listed(ctx.session, household, data.get("patient_id_number")):
        found["patient_id_number"] = ["该患者不是本家庭档案所列家庭成员，不能申请医疗救助（请先核实家庭成员）"]
    total, insurance, self_paid, requested = (_money(data[key]) for key in
                                              ("total_cost", "insurance_paid", "self_paid", "requested_amount"))
    if insurance > total:
        found["insurance_paid"] = ["医保报销不能超过医疗总费用"]
    elif self_paid != total - insurance:
        found["self_paid"] = [f"个人自付应为医疗总费用减医保报销：{yuan(total - insurance)}"]
    if requested > self_paid:
        found["requested_amount"] = [f"救助金额不超过个人自付部分 {yuan(self_paid)}"]
    else:
        held = held_to(ctx.session, Programme.MEDICAL, requested, clock.today(), household.category)
        if held.problem:
            found["requested_amount"] = [held.problem]
    return found


def _patient_listed(session, household, id_number):
    """Whether the patient is a member the household's file lists (by the ID digest, as 金秋助学's student)."""
    return bool(id_number) and _listed_member(session, household, register.id_digest(id_number)) is not None


# ---------------------------------------------------------------- 意外致困

def _sudden_problems(ctx, data, args):
    household, found = _household(ctx), {}
    if date.fromisoformat(data["accident_date"]) > clock.today():
        found["accident_date"] = [f"事故日期不能晚于今天（{long_date(clock.today())}）"]
    held = held_to(ctx.session, Programme.SUDDEN, data["requested_amount"], clock.today(), household.category)
    if held.problem:
        found["requested_amount"] = [held.problem]
    return found


# ---------------------------------------------------------------- approval

def _grant(ctx, data, on, programme_name):
    """(Grant, problem) for approving this case on `on`: the amount held to the application and the standard."""
    programme = PROGRAMME_CHOICES[programme_name]
    household = _household(ctx)
    applied = application(ctx.case_data)
    level = applied.get("school_level")
    held = held_to(ctx.session, programme, None, on, household.category, level)
    if held.problem:
        return None, held.problem
    if programme in (Programme.EDUCATION, Programme.WARMTH):
        amount = _money(data.get("approved_amount")) if data.get("approved_amount") is not None else held.limit
    else:
        asked = _money(applied.get("requested_amount"))
        amount = _money(data.get("approved_amount")) if data.get("approved_amount") is not None else asked
        if amount > asked:
            return None, f"批准金额不超过申请金额 {yuan(asked)}"
    if amount <= 0:  # an award of nothing has no instalment: no batch would ever settle it
        return None, f"{PROGRAMME_LABELS[programme]}的批准金额应大于 0；不予帮扶请选择不予通过"
    problem = held_to(ctx.session, programme, amount, on, household.category, level).problem
    if problem:
        return None, problem
    extra = {}
    if programme == Programme.EDUCATION:
        digest = register.id_digest(applied["id_number"])
        listed = _listed_member(ctx.session, household, digest)
        if listed is None:  # the file's members changed since the application
            return None, "该学生已不是本家庭档案所列家庭成员"
        extra = dict(student_name=listed.name, student_id_digest=digest, school_level=level,
                     period_end=school_year_end(applied["school_year"]))
    elif programme == Programme.MEDICAL and "patient_id_number" in applied and \
            not _patient_listed(ctx.session, household, applied["patient_id_number"]):
        # the file's members changed since the application (one made before the form asked for the patient's
        # ID has none to check: it was checked as the form then was)
        return None, "该患者已不是本家庭档案所列家庭成员"
    return Grant(programme=programme, amount=amount, standard_id=held.standard.id, standard_item_id=held.item.id,
                 category=household.category, **extra), None


def _approval_problems(ctx, data, args):
    if data.get("decision") != "approve":
        return {}
    grant, problem = _grant(ctx, data, clock.today(), args["programme"])
    if problem is None and grant.programme == Programme.EDUCATION and \
            _granted_in_school_year(ctx.session, grant.student_id_digest, grant.period_end):
        problem = "该学生本学年已获金秋助学，每生每学年一次"
    return {"approved_amount": [problem]} if problem else {}


def _approval_record(ctx, data, extra, args):
    if data.get("decision", "approve") != "approve":  # a service task on the approved path has no decision
        return
    today = clock.today()
    grant, problem = _grant(ctx, data, today, args["programme"])
    if problem:  # the standard changed between the check and now: the unit of work rolls back
        raise Conflict(problem, {"data.approved_amount": [problem]})
    award = create_award(ctx.session, _household(ctx), grant, today, ctx.user, ctx.case)
    ctx.case.approved_amount = award.amount  # the case list, the case page and the register's export read it


_PROGRAMME = Param("programme", "帮扶项目", "choice", required=True,
                   choices={"education": "金秋助学", "medical": "医疗救助", "sudden": "意外致困", "warmth": "送温暖"})
PROGRAMME_CHOICES = {"education": Programme.EDUCATION, "medical": Programme.MEDICAL, "sudden": Programme.SUDDEN,
                     "warmth": Programme.WARMTH}
OPERATIONS = [
    Operation("bangfu.check_education_application", "金秋助学申请核验", "checks",
              "学生须为在档家庭档案所列成员；已获其他资助、军校生和公费师范生不予资助；每生每学年一次；金额按学段标准",
              check=_education_problems, service_task=False),
    Operation("bangfu.check_medical_application", "医疗救助申请核验", "checks",
              "患者须为在档家庭档案所列成员；个人自付 = 总费用 − 医保报销；救助金额不超过个人自付和标准上限",
              check=_medical_problems, service_task=False),
    Operation("bangfu.check_sudden_application", "意外致困申请核验", "checks",
              "家庭须在档；事故日期不晚于今天；金额不超过标准上限", check=_sudden_problems, service_task=False),
    Operation("bangfu.check_programme_award", "帮扶项目审批核验", "checks",
              "批准金额按当日有效标准核定，不超过申请金额，须大于 0；家庭须在档；金秋助学每生每学年一次",
              (_PROGRAMME,), check=_approval_problems, service_task=False),
    Operation("bangfu.create_programme_award", "生成帮扶项目资金", "record",
              "审批通过：按当日有效标准为家庭生成帮扶资金，案件记下批准金额", (_PROGRAMME,), record=_approval_record),
]


# ---------------------------------------------------------------- the approver's budget warning

def budget_warnings(session, task, case_data):
    """On an approval step: the warning that approving would pass the programme's remaining budget for the
    year, or that it has none (not a refusal: the approver decides). [] elsewhere or for aid without money."""
    if task.spec_name not in APPROVAL_STEPS or task.case.household_id is None:
        return []
    process = task.case.process_version.process_model.key
    today = clock.today()
    if process in PROCESS_PROGRAMME:
        programme = PROCESS_PROGRAMME[process]
        applied = application(case_data)
        household = session.get(Household, task.case.household_id)
        amount = applied.get("requested_amount")
        if amount is None:
            amount = held_to(session, programme, None, today, household.category, applied.get("school_level")).limit
    else:
        from .granting import AID_TYPE_PROGRAMME
        proposal = case_data.get("open_file") or {}
        programme = AID_TYPE_PROGRAMME.get(proposal.get("aid_type"))
        if programme is None:
            return []
        amount = proposal.get("proposed_amount")
        if programme == Programme.LIVING and amount is not None:
            standard = in_force(session, today)
            end = standard.effective_to if standard and standard.effective_to else date(today.year, 12, 31)
            amount = Decimal(str(amount)) * len(month_starts(today, end))
    warning = budgets.approval_warning(session, programme, today.year, amount)
    return [warning] if warning else []


