"""What the household API answers and the household pages show, built once for both (see casework/views.py):
the register's page of households, and one household's file with its members (masked for the role), cases
in time order with their outcome and amounts, visits and status changes."""
from decimal import Decimal

from sqlalchemy import func, select

from ..access import may_read_household
from ..casework.views import View
from ..cases.models import STATUS_LABELS as CASE_STATUS_LABELS
from ..cases.models import Case, CaseStatus
from .. import audit
from ..cases.privacy import mask_answer
from ..forms import version_documents
from ..money.models import Award, Instalment, InstalmentStatus
from ..scheduler.models import Timer
from ..wording import long_date, moment
from ..tasks.models import HumanTask, TaskState
from .assessment import CATEGORY_LABELS
from .models import EXIT_REASONS, EXITED_STATUSES, Household, HouseholdStatus
from .queries import get_household, list_households

RELATION_LABELS = {"self": "本人", "spouse": "配偶", "child": "子女", "parent": "父母", "sibling": "兄弟姐妹",
                   "grandparent": "祖父母", "grandchild": "孙子女", "other": "其他"}
# A case's outcome in words, by its status; an open one says where it is.
OUTCOME_LABELS = {CaseStatus.PAID: "已发放", CaseStatus.NOT_ELIGIBLE: "不予通过", CaseStatus.NOT_APPROVED: "审批未通过",
                  CaseStatus.COMPLETED: "已办结", CaseStatus.WITHDRAWN: "已撤回", CaseStatus.INCIDENT: "流程异常"}
FOLLOW_UP_RESULT_LABELS = {"stable": "未返困", "returned": "返困"}


def household_filters(args):
    return {k: v for k, v in args.items() if k not in ("page", "page_size")}


def masked_person(household, role):
    """The worker's personal numbers as the role may see them (cases/privacy.py's rules)."""
    return mask_answer({"id_number": household.worker_id_number, "phone": household.phone,
                        "bank_card_number": household.bank_card_number}, role)


def _listed(household, role):
    return View(household, masked=masked_person(household, role),
                category_label=CATEGORY_LABELS.get(household.category) if household.category else None)


def household_page(session, user, args):
    """A page of the register the user may read."""
    filters = household_filters(args)
    items, total = list_households(session, user, filters, args["page"], args["page_size"])
    return {"items": [_listed(h, user.roles) for h in items], "total": total, "page": args["page"],
            "page_size": args["page_size"], "filters": filters}


def award_totals(session, household_id):
    """What the household was awarded (every award, an ended one counting what it kept) and what the bank paid
    it (paid instalments), whatever the programme: the same figures as the awards, the batches and the reports."""
    awarded = session.scalar(select(func.coalesce(func.sum(Award.amount), 0)).where(Award.household_id == household_id))
    paid = session.scalar(select(func.coalesce(func.sum(Instalment.amount), 0)).where(
        Instalment.household_id == household_id, Instalment.status == InstalmentStatus.PAID))
    return Decimal(awarded).quantize(Decimal("0.01")), Decimal(paid).quantize(Decimal("0.01"))


def household_detail(session, services, user, household_id):
    """One household's file as the user may see it."""
    household = get_household(session, user, household_id)
    audit.viewing("household", household.id, household.id)
    role = user.roles
    members = [View(m, relation_label=RELATION_LABELS.get(m.relation, m.relation or ""),
                    masked_id=mask_answer({"id_number": m.id_number}, role)["id_number"]) for m in household.members]
    cases = session.scalars(select(Case).where(Case.household_id == household.id)
                            .order_by(Case.created_at, Case.id)).all()
    timers = dict(session.execute(select(Timer.case_id, Timer).where(Timer.case_id.in_([c.id for c in cases])))
                  .all()) if cases else {}
    exits = {ch.case_id: ch for ch in household.status_changes if ch.case_id and ch.to_status in EXITED_STATUSES}
    case_views = [View(c, process_name=c.process_version.process_model.name,
                       outcome=_outcome(c, timers.get(c.id), exits.get(c.id)),
                       category_label=CATEGORY_LABELS.get(c.category) if c.category else None) for c in cases]
    approved, paid = award_totals(session, household.id)
    references = {c.id: c.reference for c in cases}
    changes = [View(ch, case_reference=references.get(ch.case_id)) for ch in household.status_changes]
    previous = session.get(Household, household.previous_household_id) if household.previous_household_id else None
    later = session.scalars(select(Household).where(Household.previous_household_id == household.id)
                            .order_by(Household.id)).all()
    return View(household, masked=masked_person(household, role), members=members, cases=case_views,
                approved_total=approved, paid_total=paid, visits=_visits(session, services, cases, role),
                status_history=changes,
                category_label=CATEGORY_LABELS.get(household.category) if household.category else None,
                previous=_link(previous, user), later=[_link(h, user) for h in later],
                follow_up=_follow_up(household))


def _follow_up(household):
    """The 防返困 follow-up after a 脱困 exit in words: when it falls due, or when it was done and its result."""
    if household.follow_up_done_on:
        result = FOLLOW_UP_RESULT_LABELS.get(household.follow_up_result, "")
        return f"{long_date(household.follow_up_done_on)}已回访{'：' + result if result else ''}"
    if household.follow_up_due:
        return f"{long_date(household.follow_up_due)}到期，尚未回访"
    return None


def _link(household, user):
    if household is None:
        return None
    return View(household, readable=may_read_household(user, household))


def _outcome(case, timer=None, exit_change=None):
    """The case's outcome in words; an open case says its step, or, with no step open, the timer it waits on
    (an approved 脱困 exit waits months for its 防返困 follow-up: "办理中：等待回访到期（2027年5月30日）"); a
    finished annual review or exit what it decided: the file closed (and why), or kept with its category."""
    if case.status == CaseStatus.ACTIVE:
        if case.is_draft:
            return "草稿（未提交）"
        if case.stage:
            return f"办理中：{case.stage}"
        if timer is not None:
            return f"办理中：等待{timer.name}（{moment(timer.due_at, with_time=False)}）"
        return "办理中"
    if case.status == CaseStatus.COMPLETED and exit_change is not None:
        # 已脱困 and 已解困 name their reason; 已退出 says which other one (退休, 迁出...)
        reason = EXIT_REASONS.get(exit_change.reason) if exit_change.to_status == HouseholdStatus.EXITED else None
        return f"已办结：{exit_change.to_label}" + (f"（{reason}）" if reason else "")
    if case.status == CaseStatus.COMPLETED and case.review_year:
        category = CATEGORY_LABELS.get(case.category)
        return "已办结：继续在档" + (f"（{category}）" if category else "")
    return OUTCOME_LABELS.get(case.status, CASE_STATUS_LABELS.get(case.status, case.status))


def _visits(session, services, cases, role):
    """Every completed visit of the household's cases (a step whose answer has a visit date), oldest first,
    its answer masked for the role as on the case page."""
    found = []
    for case in cases:
        rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                       HumanTask.state == TaskState.COMPLETED)
                               .order_by(HumanTask.completed_at, HumanTask.id)).all()
        if not rows:
            continue
        instance = None
        for row in rows:
            if "visit" not in row.spec_name:
                continue
            instance = instance or services.store.load(case)
            answer = instance.submitted(row.spiff_task_id) or {}
            if not answer.get("visit_date"):
                continue
            schema = version_documents(case.process_version).get(row.form)
            answer = mask_answer(answer, role, schema)
            found.append({"date": answer.get("visit_date"), "visitors": answer.get("visitors") or [],
                          "findings": answer.get("findings"), "step": row.title, "case_reference": case.reference,
                          "case_id": case.id, "recorded_by": row.completed_by})
    return sorted(found, key=lambda v: (v["date"] or "", v["case_id"]))
