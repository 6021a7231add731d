"""The hardship application's domain rules, as named operations (named_operations/registry.py) a model calls.

Checks return {field: [reasons]} for what a JSON Schema cannot express; derivations add data (the assessment,
an assigned file number) before the engine runs the task; records write the register and the case row once it
has. Which task runs which is the model's choice (its `operations` property, its service tasks); versions
deployed before named operations keep the task ids they were written for (named_operations/binding.py).
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
from ..named_operations.registry import BadArgument, Operation, Param
from ..people.models import Organisation
from ..people.operations import SYSTEM_USERNAME
from ..wording import amount, long_date
from ..households.assessment import CATEGORY_LABELS
from .models import Case

FILE_NUMBER_LENGTH = 32  # cases.file_number and households.file_number
MAX_AMOUNT = Decimal("10000000")  # an approved amount: below the columns' Numeric(12, 2)

AUTOMATIC_FILE_NUMBER = re.compile(r"DA\d{10}")
# 建档's aid types that pay money, and the programme whose standard holds them; the others pay nothing.
AID_PROGRAMMES = {"living": Programme.LIVING, "medical": Programme.MEDICAL, "education": Programme.EDUCATION}
NON_MONEY_AID = {"legal": "法律援助", "training": "培训", "employment": "就业"}


def _declaration_problems(ctx, data, args):
    return declaration_problems(data)


def _duplicate_refusal(ctx, data, args):
    """One file per household: a worker already in another open declaration or filed household is refused
    here (409 naming its case or file) before the engine runs; register.declare settles races."""
    if data.get("id_number"):
        conflict = register.duplicate_conflict(ctx.session, data["id_number"], ctx.case.household_id)
        if conflict:
            raise conflict


def _assess_derive(ctx, data, args):
    return {"assessment": assess(data, ctx.policy_on(clock.today()))}


def _suggested_category_record(ctx, data, extra, args):
    if extra and extra.get("assessment"):
        ctx.case.suggested_category = extra["assessment"]["suggested_category"]


def _declaration_record(ctx, data, extra, args):
    register.declare(ctx.session, ctx.case, data, ctx.user, utcnow())
    ctx.case.household_name = data.get("name")
    ctx.case.employer = data.get("employer")


def _reassess_derive(ctx, data, args):
    verified, declaration = args.get("income"), ctx.case_data.get(args["declaration"])
    if verified is None or not declaration:
        return None
    day = date.fromisoformat(args["visit_date"]) if args.get("visit_date") else clock.today()
    return {"assessment": reassess(declaration, verified, ctx.policy_on(day))}


def _visit_date_problems(ctx, data, args):
    """A visit is recorded once it took place: its date is not in the future."""
    visited = args.get("visit_date")
    if visited and date.fromisoformat(visited) > clock.today():
        return {args.refs["visit_date"]: [f"走访日期不能晚于今天（{long_date(clock.today())}）"]}
    return {}


def _assign_problems(ctx, data, args):
    """The centre's 走访完成期限 becomes the visit's due date: one already past would make it late at once.
    Without one, the visit's working days must be countable: the model's 督办 timer waits for that instant, and a
    due date in a year whose holidays are not imported yet has none (the case would fail as an incident)."""
    field = args["due_date_field"]
    if data.get(field) and date.fromisoformat(data[field]) < clock.today():
        return {field: [f"走访完成期限不能早于今天（{long_date(clock.today())}）"]}
    if not data.get(field):
        pending = _visit_due(ctx, data, args).pending_year
        if pending is not None:
            return {field: [f"{pending}年的节假日安排尚未导入，无法按工作日计算走访完成期限；"
                            "请填写走访完成期限，或请中心管理员先导入该年工作日历"]}
    return {}


def _visit_due(ctx, data, args):
    from ..tasks.deadlines import due  # tasks/ builds on cases/: imported where used
    visit = SimpleNamespace(data={ctx.task_name: data}, properties=ctx.task_properties(args["visit_task"]))
    return due(visit, clock.now())


def _assign_derive(ctx, data, args):
    """`visit_deadline`: the instant the visit is due (the end of the 走访完成期限 day in China, or of the day its
    own due days give), as ISO 8601 text, the same instant as the visit's 办理期限. The model's boundary timer on
    the visit (走访逾期) fires then and opens a 督办 task for the centre head."""
    due = _visit_due(ctx, data, args).at
    return {"visit_deadline": due.astimezone(LOCAL_TIMEZONE).isoformat()} if due is not None else None


def _new_due_date_problems(ctx, data, args):
    """A 督办 may set a new 走访完成期限: not one already past."""
    field = args["due_date_field"]
    if data.get(field) and date.fromisoformat(data[field]) < clock.today():
        return {field: [f"新的走访完成期限不能早于今天（{long_date(clock.today())}）"]}
    return {}


def _supervise_visit_record(ctx, data, extra, args):
    """A new 走访完成期限 set by the 督办 becomes the open visit's due date."""
    from ..tasks.models import HumanTask, TaskState
    if not data.get(args["due_date_field"]):
        return
    due = calendar.due_on(date.fromisoformat(data[args["due_date_field"]]))
    for visit in ctx.session.scalars(select(HumanTask).where(
            HumanTask.case_id == ctx.case.id, HumanTask.state == TaskState.OPEN,
            HumanTask.spec_name == args["visit_task"])):
        visit.due_at = due


def _assign_record(ctx, data, extra, args):
    code = args.get("organisation")
    org = ctx.session.scalar(select(Organisation).where(Organisation.code == code)) if isinstance(code, str) else None
    if org is None or org.kind != "third_party":
        raise BadArgument("organisation", "应为已登记的第三方社会组织的编码")
    ctx.case.third_party_org_id = org.id


def _category_record(ctx, data, extra, args):
    """The category 复审 decided (none when the review did not approve)."""
    approved = data.get("decision", "approve") == "approve"
    category = args.get("category")
    if approved and category is not None and (not isinstance(category, str) or category not in CATEGORY_LABELS):
        raise BadArgument("category", f"应为{'、'.join(CATEGORY_LABELS)}之一")
    ctx.case.category = category if approved else None


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


def _amount_problems(ctx, data, args):
    """The amount against the fund standard. On a form with a decision (审批) only an approval is checked, and
    money aid approved must be more than nothing: an award of nothing has no instalment, no batch would pay it
    and the payment task would stay open."""
    if "decision" in data and data.get("decision") != "approve":
        return {}
    aid_type, value = args.get("aid_type"), args.get("amount")
    over = _amount_problem(ctx, aid_type, value)
    if over is None and "decision" in data and aid_type in AID_PROGRAMMES and value is not None \
            and Decimal(str(value)) <= 0:
        over = f"{PROGRAMME_LABELS[AID_PROGRAMMES[aid_type]]}的审批金额应大于 0；不予帮扶请选择不予通过"
    return {args.refs["amount"]: [over]} if over else {}


def _file_number_problems(ctx, data, args):
    number = (data.get("file_number") or "").strip()
    if not number:
        return {}
    if AUTOMATIC_FILE_NUMBER.fullmatch(number) and number != _automatic_file_number(ctx.case):
        return {"file_number": ["“DA”加 10 位数字的编号由系统自动分配，请留空或使用其他编号"]}
    taken = register.file_number_problem(ctx.session, number, ctx.case.household_id)
    if taken or ctx.session.scalar(select(Case.id).where(Case.file_number == number, Case.id != ctx.case.id)):
        return {"file_number": [taken or "档案编号已被其他家庭使用"]}
    return {}


def _file_number_derive(ctx, data, args):
    data["file_number"] = (data.get("file_number") or "").strip() or ctx.case.file_number or \
        _automatic_file_number(ctx.case)


def _file_household_record(ctx, data, extra, args):
    """建档 files the household (register.file_household); the case keeps a copy of the number for its lists."""
    number = args.get("file_number")
    if not isinstance(number, str) or not number.strip() or len(number.strip()) > FILE_NUMBER_LENGTH:
        raise BadArgument("file_number", f"应为 1 至 {FILE_NUMBER_LENGTH} 个字符的档案编号")
    args["file_number"] = number.strip()
    ctx.case.file_number = args["file_number"]
    register.file_household(ctx.session, ctx.case, args["file_number"], ctx.case.category, ctx.user, utcnow())


def _award_record(ctx, data, extra, args):
    """审批 approved: the case keeps the amount, and the household gets its award (money/granting.py)."""
    if data.get("decision", "approve") == "approve":
        if isinstance(args.get("amount"), bool) or not isinstance(args.get("amount"), (int, float, str, Decimal)):
            raise BadArgument("amount", "应为金额")
        try:
            approved = Decimal(str(args["amount"]))
        except ArithmeticError:
            raise BadArgument("amount", "应为金额") from None
        if not approved.is_finite() or not 0 <= approved < MAX_AMOUNT:
            raise BadArgument("amount", "应为不小于 0、小于 1000 万元的金额")
        ctx.case.approved_amount = approved
        granting.award_hardship_approval(ctx.session, ctx.case, register.household_of(ctx.session, ctx.case),
                                         args.get("aid_type"), approved, clock.today(), ctx.user)


def _notice_earliest_end(ctx, start):
    """The first day a notice that begins on `start` may end: the configured working days, both ends counted."""
    return calendar.working_period_end(start, ctx.notice_min_days)


def _public_notice_problems(ctx, data, args):
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


def _public_notice_derive(ctx, data, args):
    """The end the centre gave, or the earliest; and its last instant (China time) for the model's timer."""
    start = date.fromisoformat(data["notice_start"])
    end = date.fromisoformat(data["notice_end"]) if data.get("notice_end") else _notice_earliest_end(ctx, start)
    data["notice_end"] = end.isoformat()
    data["notice_ends_at"] = calendar.end_of_day_iso(end)


def _public_notice_record(ctx, data, extra, args):
    """The notice list reads the notice's days and the ID number as posted (masked) from the case row."""
    ctx.case.notice_start = date.fromisoformat(data["notice_start"])
    ctx.case.notice_end = date.fromisoformat(data["notice_end"])
    id_number = (ctx.case_data.get(args["declaration"]) or {}).get("id_number")
    ctx.case.notice_id_number = mask_number(id_number, 6, 4) if id_number else None


def _notice_objection_problems(ctx, data, args):
    """An objection is one received while the notice runs (its last day included), and not in the future."""
    if not data.get("received_on"):
        return {}
    notice = ctx.case_data.get(args["notice"]) or {}
    start, end = date.fromisoformat(notice["notice_start"]), date.fromisoformat(notice["notice_end"])
    received, today = date.fromisoformat(data["received_on"]), clock.today()
    if today < start:
        return {"received_on": [f"公示开始日期为{long_date(start)}，公示尚未开始，不能登记异议"]}
    if not start <= received <= min(end, today):
        return {"received_on": [f"收到日期应在公示期内（{long_date(start)}至{long_date(end)}），且不晚于今天"]}
    return {}


def _notice_objection_record(ctx, data, extra, args):
    if data.get("decision") == "upheld":  # an upheld objection reopens the investigation and the category,
        ctx.case.category = None          # and ends the notice: a new one follows the new review
        ctx.case.notice_end = min(ctx.case.notice_end, clock.today()) if ctx.case.notice_end else None


# Aid types whose money the bank pays through a payment batch (the agreed 建档 aid_type → programme mapping);
# their payment task is completed by the bank's result (money/case_payment.py), never by hand.
BANK_PAID_AID_TYPES = ("living", "medical", "education")
PAID_BY_BATCH = "发放由银行代发批次完成：财务复核批次、导入银行回盘后，系统自动确认发放，不能手工填写"


def _payment_problems(ctx, data, args):
    if args.get("aid_type") in BANK_PAID_AID_TYPES and (ctx.user is None or ctx.user.username != SYSTEM_USERNAME):
        return {"paid_amount": [PAID_BY_BATCH]}
    approved = ctx.case.approved_amount
    if approved is not None and Decimal(str(data.get("paid_amount", 0))) != approved:
        return {"paid_amount": [f"发放金额应与审批金额 {amount(approved)} 元一致"]}
    return {}


def _payment_record(ctx, data, extra, args):
    ctx.case.paid_amount = Decimal(str(data["paid_amount"]))
    ctx.case.paid_on = date.fromisoformat(data["paid_on"])
    ctx.case.bank_reference = data["bank_reference"]


_DECLARATION = Param("declaration", "申报任务", "task", default="declaration")
_VISIT_TASK = Param("visit_task", "入户走访任务", "task", default="household_visit")
AID_TYPE_LABELS = {"living": "生活救助", "medical": "医疗救助", "education": "助学", **NON_MONEY_AID}
OPERATIONS = [
    Operation("bangfu.check_declaration", "申报信息核验", "checks",
              "核验身份证号校验位、银行卡号校验位、开户人与职工本人一致、家庭成员与家庭人口数一致",
              check=_declaration_problems, service_task=False),
    Operation("bangfu.check_duplicate", "一户一档重复申报检查", "checks",
              "职工已在另一在办申报或在档家庭中的，拒绝办理（409，指明该案件或档案）",
              derive=_duplicate_refusal, service_task=False),
    Operation("bangfu.assess_household", "家庭困难程度测算", "derive",
              "按申报的收入、支出、资产和当日有效的帮扶标准计算人均收入与建议类别，存为 assessment；"
              "案件记下建议类别", derive=_assess_derive, record=_suggested_category_record, service_task=False),
    Operation("bangfu.declare_household", "登记申报家庭", "record",
              "将申报写入困难职工家庭名册（在办申报），案件记下职工姓名与工作单位",
              record=_declaration_record, service_task=False),
    Operation("bangfu.reassess_household", "走访后重新测算", "derive",
              "走访日期不能晚于今天；按走访核实的家庭月收入重新测算，存为 assessment（declared 为申报数），"
              "案件记下建议类别",
              (Param("income", "核实的家庭月收入", default="verified_monthly_household_income"),
               Param("visit_date", "走访日期", default="visit_date"), _DECLARATION),
              check=_visit_date_problems, derive=_reassess_derive, record=_suggested_category_record),
    Operation("bangfu.visit_deadline", "走访完成期限", "derive",
              "走访完成期限不能早于今天，未填写时须能按工作日计算；存为 visit_deadline，供走访逾期定时器使用",
              (Param("due_date_field", "走访完成期限字段", "text", default="visit_due_date"), _VISIT_TASK),
              check=_assign_problems, derive=_assign_derive, service_task=False),
    Operation("bangfu.assign_third_party", "登记复审第三方机构", "record", "案件记下承担入户走访的第三方社会组织",
              (Param("organisation", "第三方机构编码", default="third_party_org"),), record=_assign_record),
    Operation("bangfu.reset_visit_deadline", "督办重设走访期限", "record",
              "新的走访完成期限不能早于今天；填写后成为在办入户走访的办理期限",
              (Param("due_date_field", "新走访完成期限字段", "text", default="new_visit_due_date"), _VISIT_TASK),
              check=_new_due_date_problems, record=_supervise_visit_record, service_task=False),
    Operation("bangfu.record_category", "记录困难类别", "record", "案件记下复审决定的困难类别（未通过时清空）",
              (Param("category", "困难类别", default="category"),), record=_category_record),
    Operation("bangfu.check_amount", "核对帮扶金额标准", "checks",
              "金额须在当日有效的年度帮扶资金标准之内（按帮扶类型和复审类别）；非资金帮扶金额为 0；"
              "审批通过的资金帮扶金额须大于 0",
              (Param("amount", "金额", required=True), Param("aid_type", "帮扶类型", required=True)),
              check=_amount_problems, service_task=False),
    Operation("bangfu.check_file_number", "档案编号核验", "checks",
              "手填的档案编号不能与系统自动编号格式冲突，不能已被其他家庭使用", check=_file_number_problems,
              service_task=False),
    Operation("bangfu.give_file_number", "分配档案编号", "derive", "未填写档案编号时按案件自动分配（DA+年份+序号）",
              derive=_file_number_derive, service_task=False),
    Operation("bangfu.file_household", "家庭建档（一户一档）", "record",
              "困难职工家庭建档入册，案件记下档案编号",
              (Param("file_number", "档案编号", default="file_number"),), record=_file_household_record),
    Operation("bangfu.create_award", "生成帮扶资金（审批通过）", "record",
              "审批通过：案件记下审批金额，家庭获得相应帮扶资金（按月发放的生活救助等）",
              (Param("amount", "审批金额", default="approved_amount"),
               Param("aid_type", "帮扶类型", required=True)), record=_award_record),
    Operation("bangfu.notice_period", "公示期计算", "derive",
              "公示不少于规定的工作日（节假日和调休按工作日历）；未填结束日期时取最早结束日，存 notice_ends_at 供定时器使用",
              check=_public_notice_problems, derive=_public_notice_derive, service_task=False),
    Operation("bangfu.record_notice", "登记公示", "record", "案件记下公示起止日期和公示的身份证号（部分隐藏）",
              (_DECLARATION,), record=_public_notice_record, service_task=False),
    Operation("bangfu.check_objection", "公示异议核验", "checks", "异议须在公示期内收到，且不晚于今天",
              (Param("notice", "公示任务", "task", default="public_notice"),), check=_notice_objection_problems,
              service_task=False),
    Operation("bangfu.record_objection", "登记公示异议结果", "record", "异议成立：清空困难类别，公示提前结束",
              record=_notice_objection_record, service_task=False),
    Operation("bangfu.check_payment", "发放核验", "checks",
              "银行代发的帮扶只能由银行回盘确认，不能手工填写；发放金额须与审批金额一致",
              (Param("aid_type", "帮扶类型", required=True),), check=_payment_problems, service_task=False),
    Operation("bangfu.record_payment", "登记发放结果", "record", "案件记下发放金额、日期和银行流水号",
              record=_payment_record, service_task=False),
]


class RuleContext:
    """What a rule may look at: the case row, the instance's data (read only when a rule asks), the fund
    standard's policy on a day, the shortest public notice (working days) and the user completing the task (the
    actor of household status changes)."""

    task_name = None  # the task whose operations run (None for a service task's call)

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


def problems(task_name, ctx, data):
    """Problems the form's schema cannot see, from the operations the task calls."""
    from ..named_operations import running  # the catalogue collects this module's operations
    return running.problems(task_name, ctx, data)


def derive(task_name, ctx, data):
    """Extra workflow data to store beside the form (or None); may normalise `data` itself."""
    from ..named_operations import running
    return running.derive(task_name, ctx, data)


def record(task_name, ctx, data, extra):
    """Write what the completed task's operations record: the register, awards, the case row."""
    from ..named_operations import running
    running.record(task_name, ctx, data, extra)
