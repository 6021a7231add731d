"""Domain rules attached to the tasks of the hardship process, by BPMN task id.

`problems` returns {field: [reasons]} for checks a JSON Schema cannot express; `derive` adds
derived data (the assessment, an assigned file number) before the engine runs the task; `record`
copies what case lists filter on into the case row once it has. Tasks without rules pass through.
"""
import functools
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from sqlalchemy import select

from .. import calendar, clock
from ..config import LOCAL_TIMEZONE
from ..households.assessment import assess, reassess
from ..db import utcnow
from ..households import register, review_rules
from ..households.declaration import declaration_problems
from ..households.identity import mask_number
from ..money import granting, programme_rules
from ..money import standards
from ..money.models import PROGRAMME_LABELS, Programme
from ..people.models import Organisation
from ..people.operations import SYSTEM_USERNAME
from ..wording import amount, long_date
from .models import Case

PROCESS = "hardship_assistance"  # the process these rules belong to; other models run without them
AUTOMATIC_FILE_NUMBER = re.compile(r"DA\d{10}")
# 建档's aid types that pay money, and the programme whose standard holds them; the others pay nothing.
AID_PROGRAMMES = {"living": Programme.LIVING, "medical": Programme.MEDICAL, "education": Programme.EDUCATION}
NON_MONEY_AID = {"legal": "法律援助", "training": "培训", "employment": "就业"}


def _declaration_problems(ctx, data):
    return declaration_problems(data)


def _declaration_derive(ctx, data):
    """One file per household: a worker already in another open declaration or filed household is refused
    here (409 naming its case or file) before the engine runs; register.declare settles races."""
    if data.get("id_number"):
        conflict = register.duplicate_conflict(ctx.session, data["id_number"], ctx.case.household_id)
        if conflict:
            raise conflict
    return {"assessment": assess(data, ctx.policy_on(clock.today()))}


def _declaration_record(ctx, data, extra):
    register.declare(ctx.session, ctx.case, data, ctx.user, utcnow())
    ctx.case.household_name = data.get("name")
    ctx.case.employer = data.get("employer")
    ctx.case.suggested_category = extra["assessment"]["suggested_category"]


def _household_visit_derive(ctx, data):
    verified, declaration = data.get("verified_monthly_household_income"), ctx.case_data.get("declaration")
    if verified is None or not declaration:
        return None
    day = date.fromisoformat(data["visit_date"]) if data.get("visit_date") else clock.today()
    return {"assessment": reassess(declaration, verified, ctx.policy_on(day))}


def _household_visit_record(ctx, data, extra):
    if extra:
        ctx.case.suggested_category = extra["assessment"]["suggested_category"]


def _assign_problems(ctx, data):
    """The centre's 走访完成期限 becomes the visit's due date: one already past would make it late at once.
    Without one, the visit's working days must be countable: the model's 督办 timer waits for that instant, and a
    due date in a year whose holidays are not imported yet has none (the case would fail as an incident)."""
    if data.get("visit_due_date") and date.fromisoformat(data["visit_due_date"]) < clock.today():
        return {"visit_due_date": [f"走访完成期限不能早于今天（{long_date(clock.today())}）"]}
    if not data.get("visit_due_date"):
        pending = _visit_due(ctx, data).pending_year
        if pending is not None:
            return {"visit_due_date": [f"{pending}年的节假日安排尚未导入，无法按工作日计算走访完成期限；"
                                       "请填写走访完成期限，或请中心管理员先导入该年工作日历"]}
    return {}


def _visit_due(ctx, data):
    from ..tasks.deadlines import due  # tasks/ builds on cases/: imported where used
    visit = SimpleNamespace(data={"assign_third_party": data}, properties=ctx.task_properties("household_visit"))
    return due(visit, clock.now())


def _assign_derive(ctx, data):
    """`visit_deadline`: the instant the visit is due (the end of the 走访完成期限 day in China, or of the day its
    own due days give), as ISO 8601 text, the same instant as the visit's 办理期限. The model's boundary timer on
    the visit (走访逾期) fires then and opens a 督办 task for the centre head."""
    due = _visit_due(ctx, data).at
    return {"visit_deadline": due.astimezone(LOCAL_TIMEZONE).isoformat()} if due is not None else None


def _new_due_date_problems(ctx, data):
    """A 督办 may set a new 走访完成期限: not one already past."""
    if data.get("new_visit_due_date") and date.fromisoformat(data["new_visit_due_date"]) < clock.today():
        return {"new_visit_due_date": [f"新的走访完成期限不能早于今天（{long_date(clock.today())}）"]}
    return {}


def _supervise_visit_record(ctx, data, extra):
    """A new 走访完成期限 set by the 督办 becomes the open visit's due date."""
    from ..tasks.models import HumanTask, TaskState
    if not data.get("new_visit_due_date"):
        return
    due = calendar.due_on(date.fromisoformat(data["new_visit_due_date"]))
    for visit in ctx.session.scalars(select(HumanTask).where(
            HumanTask.case_id == ctx.case.id, HumanTask.state == TaskState.OPEN,
            HumanTask.spec_name == "household_visit")):
        visit.due_at = due


def _assign_record(ctx, data, extra):
    org = ctx.session.scalar(select(Organisation).where(Organisation.code == data["third_party_org"]))
    ctx.case.third_party_org_id = org.id


def _re_review_record(ctx, data, extra):
    ctx.case.category = data.get("category") if data.get("decision") == "approve" else None


def _automatic_file_number(case):
    return f"DA{case.created_at:%Y}{case.id:06d}"


def _amount_problem(ctx, aid_type, value):
    """The refusal of an amount the fund standard in force today does not allow for the aid type and the
    category 复审 decided, or None; 建档 and 审批 share it. Living aid amounts are monthly (元/户·月)."""
    if value is None or aid_type is None:
        return None
    programme = AID_PROGRAMMES.get(aid_type)
    if programme is None:
        label = NON_MONEY_AID.get(aid_type, aid_type)
        return f"{label}不发放帮扶资金，金额应为 0" if Decimal(str(value)) != 0 else None
    return standards.amount_problem(ctx.session, programme, value, clock.today(), category=ctx.case.category)


def _open_file_problems(ctx, data):
    over = _amount_problem(ctx, data.get("aid_type"), data.get("proposed_amount"))
    problems = {"proposed_amount": [over]} if over else {}
    return {**problems, **_file_number_problems(ctx, data)}


def _file_number_problems(ctx, data):
    number = (data.get("file_number") or "").strip()
    if not number:
        return {}
    if AUTOMATIC_FILE_NUMBER.fullmatch(number) and number != _automatic_file_number(ctx.case):
        return {"file_number": ["“DA”加 10 位数字的编号由系统自动分配，请留空或使用其他编号"]}
    taken = register.file_number_problem(ctx.session, number, ctx.case.household_id)
    if taken or ctx.session.scalar(select(Case.id).where(Case.file_number == number, Case.id != ctx.case.id)):
        return {"file_number": [taken or "档案编号已被其他家庭使用"]}
    return {}


def _open_file_derive(ctx, data):
    data["file_number"] = (data.get("file_number") or "").strip() or ctx.case.file_number or \
        _automatic_file_number(ctx.case)


def _open_file_record(ctx, data, extra):
    """建档 files the household (register.file_household); the case keeps a copy of the number for its lists."""
    ctx.case.file_number = data["file_number"]
    register.file_household(ctx.session, ctx.case, data["file_number"], ctx.case.category, ctx.user, utcnow())


def _approval_problems(ctx, data):
    if data.get("decision") != "approve" or data.get("approved_amount") is None:
        return {}
    aid_type = (ctx.case_data.get("open_file") or {}).get("aid_type")
    over = _amount_problem(ctx, aid_type, data["approved_amount"])
    if over is None and aid_type in AID_PROGRAMMES and Decimal(str(data["approved_amount"])) <= 0:
        # an award of nothing has no instalment: no batch would pay it, and the payment task would stay open
        over = f"{PROGRAMME_LABELS[AID_PROGRAMMES[aid_type]]}的审批金额应大于 0；不予帮扶请选择不予通过"
    return {"approved_amount": [over]} if over else {}


def _approval_record(ctx, data, extra):
    """审批 approved: the case keeps the amount, and the household gets its award (money/granting.py)."""
    if data.get("decision") == "approve":
        ctx.case.approved_amount = Decimal(str(data["approved_amount"]))
        aid_type = (ctx.case_data.get("open_file") or {}).get("aid_type")
        granting.award_hardship_approval(ctx.session, ctx.case, register.household_of(ctx.session, ctx.case),
                                         aid_type, data["approved_amount"], clock.today(), ctx.user)


def _notice_earliest_end(ctx, start):
    """The first day a notice that begins on `start` may end: the configured working days, both ends counted."""
    return calendar.working_period_end(start, ctx.notice_min_days)


def _public_notice_problems(ctx, data):
    """The notice runs at least the configured working days, both ends counted (holidays and 调休 as the
    calendar has them); its end may be later than the earliest, never earlier. A start in a year without
    holiday data cannot be counted: the centre is told to import it."""
    if not data.get("notice_start"):
        return {}
    start = date.fromisoformat(data["notice_start"])
    try:
        earliest = _notice_earliest_end(ctx, start)
    except calendar.YearNotKnown as exc:
        return {"notice_start": [str(exc)]}
    if data.get("notice_end") and date.fromisoformat(data["notice_end"]) < earliest:
        return {"notice_end": [f"公示期不少于 {ctx.notice_min_days} 个工作日（含开始和结束当天，节假日不计），"
                               f"公示结束日期不能早于{long_date(earliest)}"]}
    return {}


def _public_notice_derive(ctx, data):
    """The end the centre gave, or the earliest; and its last instant (China time) for the model's timer."""
    start = date.fromisoformat(data["notice_start"])
    end = date.fromisoformat(data["notice_end"]) if data.get("notice_end") else _notice_earliest_end(ctx, start)
    data["notice_end"] = end.isoformat()
    data["notice_ends_at"] = calendar.end_of_day_iso(end)


def _public_notice_record(ctx, data, extra):
    """The notice list reads the notice's days and the ID number as posted (masked) from the case row."""
    ctx.case.notice_start = date.fromisoformat(data["notice_start"])
    ctx.case.notice_end = date.fromisoformat(data["notice_end"])
    id_number = (ctx.case_data.get("declaration") or {}).get("id_number")
    ctx.case.notice_id_number = mask_number(id_number, 6, 4) if id_number else None


def _notice_objection_problems(ctx, data):
    """An objection is one received while the notice runs (its last day included), and not in the future."""
    if not data.get("received_on"):
        return {}
    notice = ctx.case_data.get("public_notice") or {}
    start, end = date.fromisoformat(notice["notice_start"]), date.fromisoformat(notice["notice_end"])
    received, today = date.fromisoformat(data["received_on"]), clock.today()
    if today < start:
        return {"received_on": [f"公示开始日期为{long_date(start)}，公示尚未开始，不能登记异议"]}
    if not start <= received <= min(end, today):
        return {"received_on": [f"收到日期应在公示期内（{long_date(start)}至{long_date(end)}），且不晚于今天"]}
    return {}


def _notice_objection_record(ctx, data, extra):
    if data.get("decision") == "upheld":  # an upheld objection reopens the investigation and the category,
        ctx.case.category = None          # and ends the notice: a new one follows the new review
        ctx.case.notice_end = min(ctx.case.notice_end, clock.today()) if ctx.case.notice_end else None


# Aid types whose money the bank pays through a payment batch (the agreed 建档 aid_type → programme mapping);
# their payment task is completed by the bank's result (money/case_payment.py), never by hand.
BANK_PAID_AID_TYPES = ("living", "medical", "education")
PAID_BY_BATCH = "发放由银行代发批次完成：财务复核批次、导入银行回盘后，系统自动确认发放，不能手工填写"


def _payment_problems(ctx, data):
    aid_type = (ctx.case_data.get("open_file") or {}).get("aid_type")
    if aid_type in BANK_PAID_AID_TYPES and (ctx.user is None or ctx.user.username != SYSTEM_USERNAME):
        return {"paid_amount": [PAID_BY_BATCH]}
    approved = ctx.case.approved_amount
    if approved is not None and Decimal(str(data.get("paid_amount", 0))) != approved:
        return {"paid_amount": [f"发放金额应与审批金额 {amount(approved)} 元一致"]}
    return {}


def _payment_record(ctx, data, extra):
    ctx.case.paid_amount = Decimal(str(data["paid_amount"]))
    ctx.case.paid_on = date.fromisoformat(data["paid_on"])
    ctx.case.bank_reference = data["bank_reference"]


_PROBLEMS = {
    "declaration": _declaration_problems,
    "assign_third_party": _assign_problems,
    "supervise_visit": _new_due_date_problems,
    "open_file": _open_file_problems,
    "public_notice": _public_notice_problems,
    "notice_objection": _notice_objection_problems,
    "approval": _approval_problems,
    "payment": _payment_problems,
}
_DERIVE = {
    "declaration": _declaration_derive,
    "assign_third_party": _assign_derive,
    "household_visit": _household_visit_derive,
    "public_notice": _public_notice_derive,
    "open_file": _open_file_derive,
}
_RECORD = {
    "declaration": _declaration_record,
    "assign_third_party": _assign_record,
    "supervise_visit": _supervise_visit_record,
    "household_visit": _household_visit_record,
    "re_review": _re_review_record,
    "public_notice": _public_notice_record,
    "notice_objection": _notice_objection_record,
    "open_file": _open_file_record,
    "approval": _approval_record,
    "payment": _payment_record,
}


class RuleContext:
    """What a rule may look at: the case row, the instance's data (read only when a rule asks), the fund
    standard's policy on a day, the shortest public notice (working days) and the user completing the task (the
    actor of household status changes)."""

    def __init__(self, session, case, instance, notice_min_days=5, user=None, services=None):
        self.session, self.case, self.user = session, case, user
        self.services = services  # the annual review's and exit's rules read settings and the instance store
        self.notice_min_days = notice_min_days
        self._instance = instance

    def policy_on(self, day):
        """The 低保 line and multipliers of the fund standard in force on `day` (None without one)."""
        return standards.policy_on(self.session, day)

    @functools.cached_property
    def case_data(self):
        return self._instance.data

    def task_properties(self, spec_name):
        """The model's properties of another task of the process (its due days, where its due date comes from)."""
        return self._instance.properties(spec_name)


_TABLES = {"problems": _PROBLEMS, "derive": _DERIVE, "record": _RECORD}


def _rule(kind, task_name, ctx):
    """The `kind` of rule for the task in the case's process: this module's for the hardship application; the
    annual review's and the exit's from households/review_rules.py, the other aid programmes' from
    money/programme_rules.py (by process, then by kind and task id)."""
    process = ctx.case.process_version.process_model.key
    if process == PROCESS:
        return _TABLES[kind].get(task_name)
    tables = review_rules.RULES.get(process) or programme_rules.RULES.get(process) or {}
    return tables.get(kind, {}).get(task_name)


def problems(task_name, ctx, data):
    """Problems the form's schema cannot see. Runs beside the schema check so that one answer names every
    bad field; a value of the wrong type (already reported by the schema) just skips its rule."""
    check = _rule("problems", task_name, ctx)
    if check is None:
        return {}
    try:
        return check(ctx, data)
    except (TypeError, ValueError, ArithmeticError, AttributeError, KeyError):
        return {}


def derive(task_name, ctx, data):
    """Extra workflow data to store beside the form (or None); may normalise `data` itself."""
    hook = _rule("derive", task_name, ctx)
    return hook(ctx, data) if hook else None


def record(task_name, ctx, data, extra):
    """Copy what lists and reports need from the completed form into the case row."""
    hook = _rule("record", task_name, ctx)
    if hook:
        hook(ctx, data, extra)
