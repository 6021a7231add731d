"""Domain rules of the household file (the annual review, the exit, the follow-up) as named operations
(named_operations/registry.py). Whichever bundled or designer-made model calls them, household changes happen
here and in register.py, never in a model. The bundled models call them from these tasks:

- 委派年度复核走访 `assign_review_visit`: a third party chosen becomes the case's visiting organisation.
- 入户走访 `review_visit_center` / `review_visit_third_party`: each month's verified income is kept on the
  household (incomes.py); months twice or not yet over are refused.
- 年度复核结论 `review_conclusion`: 继续在档 keeps the household filed with the category kept or changed.
- 退出审批 `exit_approval` approved: register.exit_household with the reason the conclusion or the exit
  request gave; the household's other open cases end (review.end_open_cases); a 脱困 exit sets
  `follow_up` and `follow_up_at` for the model's follow-up timer.
- 防返困回访 `follow_up_visit`: the result goes on the file; 返困 means the union may declare the worker
  again (a closed file never reopens: the new declaration links to it, register.declare).
"""
from datetime import date

from sqlalchemy import select

from .. import clock
from ..cases.privacy import mask_answer
from ..db import utcnow
from ..errors import Conflict
from ..named_operations.registry import Operation
from ..people.models import Organisation
from ..wording import long_date
from . import incomes, register, review
from .models import Household, HouseholdStatus

SUGGESTING_STEPS = ("review_conclusion", "exit_request", "exit_approval")
# Every step of the two models: their cases carry no declaration, so the task page shows the file instead.
FILE_STEPS = ("assign_review_visit", "review_visit_center", "review_visit_third_party", "review_conclusion",
              "exit_request", "exit_approval", "follow_up_visit")


def _household(ctx):
    household = ctx.session.get(Household, ctx.case.household_id) if ctx.case.household_id else None
    if household is None:
        raise Conflict("案件没有关联的家庭档案", {"household": ["无"]})
    return household


def _assign_problems(ctx, data, args):
    if data.get("visit_due_date") and date.fromisoformat(data["visit_due_date"]) < clock.today():
        return {"visit_due_date": [f"走访完成期限不能早于今天（{long_date(clock.today())}）"]}
    return {}


def _assign_record(ctx, data, extra, args):
    if data.get("visit_by") == "third_party":
        org = ctx.session.scalar(select(Organisation).where(Organisation.code == data["third_party_org"]))
        ctx.case.third_party_org_id = org.id
    else:
        ctx.case.third_party_org_id = None


def _visit_problems(ctx, data, args):
    found = incomes.month_problems(data, clock.today())
    if data.get("visit_date") and date.fromisoformat(data["visit_date"]) > clock.today():
        found["visit_date"] = ["走访日期不能晚于今天"]
    return found


def _visit_record(ctx, data, extra, args):
    incomes.record(ctx.session, ctx.case.household_id, incomes.from_visit(data), ctx.case.id, utcnow())


def _conclusion_record(ctx, data, extra, args):
    if data.get("decision") == "stay":
        household = _household(ctx)
        if household.status != HouseholdStatus.FILED:
            raise Conflict(f"家庭档案{household.status_label}，不能作出继续在档的结论")
        review.keep_filed(household, data["category"], utcnow())
        ctx.case.category = data["category"]


def _exit_reason(ctx):
    return ctx.case_data.get("review_conclusion") or ctx.case_data.get("exit_request") or {}


def _approval_derive(ctx, data, args):
    """A 脱困 exit approved: the follow-up timer waits until BANGFU_FOLLOW_UP_MONTHS months from today."""
    if data.get("decision") != "approve" or _exit_reason(ctx).get("exit_reason") != "out_of_hardship":
        return {"follow_up": False, "follow_up_at": None}
    due = review.add_months(clock.today(), ctx.services.follow_up_months)
    return {"follow_up": True, "follow_up_at": f"{due.isoformat()}T{review.SCHEDULED_HOUR:%H:%M}:00+08:00"}


def _approval_record(ctx, data, extra, args):
    if data.get("decision") != "approve":
        return
    reason = _exit_reason(ctx)
    household = _household(ctx)
    now = utcnow()
    register.exit_household(ctx.session, household, reason.get("exit_reason"), ctx.user, now,
                            text=reason.get("exit_reason_text"), case=ctx.case)
    if extra and extra.get("follow_up"):
        review.schedule_follow_up(household, ctx.services.follow_up_months, now)
    review.end_open_cases(ctx.session, ctx.services, household, ctx.case, ctx.user, now)


def _follow_up_problems(ctx, data, args):
    if data.get("visit_date") and date.fromisoformat(data["visit_date"]) > clock.today():
        return {"visit_date": ["回访日期不能晚于今天"]}
    return {}


def _follow_up_record(ctx, data, extra, args):
    review.record_follow_up(_household(ctx), bool(data.get("returned_to_hardship")),
                            date.fromisoformat(data["visit_date"]), utcnow())


OPERATIONS = [
    Operation("bangfu.check_visit_due_date", "走访期限核验", "checks", "走访完成期限不能早于今天",
              check=_assign_problems, service_task=False),
    Operation("bangfu.assign_visitor", "登记走访机构", "record",
              "由第三方走访时案件记下该第三方社会组织，由中心走访时清空", record=_assign_record, service_task=False),
    Operation("bangfu.check_income_months", "核实收入月份核验", "checks",
              "每月核实收入只能登记一次，且月份须已结束；走访日期不能晚于今天", check=_visit_problems,
              service_task=False),
    Operation("bangfu.record_incomes", "记录核实收入", "record", "走访核实的每月家庭收入记入家庭档案",
              record=_visit_record, service_task=False),
    Operation("bangfu.keep_filed", "继续在档", "record", "年度复核结论为继续在档：家庭保持在档，困难类别保持或调整",
              record=_conclusion_record, service_task=False),
    Operation("bangfu.schedule_follow_up", "安排防返困回访", "derive",
              "脱困退出获批：按设置的月数安排回访，存 follow_up 与 follow_up_at 供回访定时器使用",
              derive=_approval_derive, service_task=False),
    Operation("bangfu.record_exit", "家庭退出", "record",
              "退出审批通过：家庭按复核结论或退出申请的原因退出名册，其他在办案件结束；脱困退出登记回访",
              record=_approval_record, service_task=False),
    Operation("bangfu.check_follow_up", "回访日期核验", "checks", "回访日期不能晚于今天", check=_follow_up_problems,
              service_task=False),
    Operation("bangfu.record_follow_up", "记录回访结果", "record", "回访结果记入家庭档案；返困的职工可再次申报",
              record=_follow_up_record, service_task=False),
]


def exit_suggestion(session, task, role):
    """The 脱困 suggestion shown on the review's conclusion, an exit request and its approval, from the incomes
    recorded for the task's household against the 低保 line of the fund standard in force today, masked for the
    reader's role; None for other tasks, without incomes or without a standard in force."""
    from ..money.standards import policy_on  # money builds on households: imported where used
    if task.spec_name not in SUGGESTING_STEPS or not task.case.household_id:
        return None
    policy = policy_on(session, clock.today())
    if policy is None:
        return None
    found = incomes.suggestion(incomes.recorded(session, task.case.household_id), policy.dibao_line)
    return mask_answer(found, role) if found else None


def household_file(session, task, role):
    """The household's file as a review or exit task shows it (these cases hold no declaration): file number,
    category, union, status, people, phone (masked for the role), filed and next review dates; None elsewhere."""
    from ..households.assessment import CATEGORY_LABELS
    from ..wording import long_date as day
    if task.spec_name not in FILE_STEPS or not task.case.household_id:
        return None
    household = session.get(Household, task.case.household_id)
    shown = mask_answer({"phone": household.phone}, role)
    return {"file_number": household.file_number, "worker_name": household.worker_name,
            "category_label": CATEGORY_LABELS.get(household.category), "union": household.organisation.name,
            "status_label": household.status_label, "people": len(household.members), "phone": shown["phone"],
            "filed_on": day(household.filed_on), "next_review_due": day(household.next_review_due),
            "follow_up_due": day(household.follow_up_due)}
