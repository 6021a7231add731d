"""Fund standards (资金标准): what approvals are held to, and the 低保 line the assessment rests on.

The centre drafts a standard for a year or a half-year, with the document that sets it (文号, date, issuer),
the 低保 line, the category multipliers and one item per programme (narrowed by category or school level)
with a fixed amount or a cap. An approver who did not draft it approves it (or rejects it, with a reason);
an approved standard is never edited again, a later one replaces it.

The standard in force on a day is the approved one whose period holds the day, the latest to begin; of
two beginning the same day, the one approved later; never one replaced by an approved standard that has
begun by then. Amounts proposed and approved anywhere in the service
go through `check_amount` against the standard in force on the day they are decided.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, select
from sqlalchemy.orm import aliased

from .. import clock
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..households.assessment import CATEGORY_LABELS, Policy
from ..wording import amount as figure, long_date, yuan
from .models import PROGRAMME_LABELS, UNIT_LABELS, FundStandard, FundStandardItem, Programme, StandardStatus, Unit

FEN = Decimal("0.01")
PERIOD_KINDS = {"year": "全年", "half_year": "半年"}
RULES = {"fixed": "定额", "cap": "最高限额"}
ITEM_CATEGORIES = {key: label for key, label in CATEGORY_LABELS.items() if key != "not_eligible"}
SCHOOL_LEVELS = {"university": "大学", "high_school": "高中", "secondary_vocational": "中职",
                 "junior_high": "初中", "primary": "小学"}
# The unit each programme's amounts are in; an item naming another unit is refused.
PROGRAMME_UNITS = {
    Programme.LIVING: Unit.HOUSEHOLD_MONTH,
    Programme.EDUCATION: Unit.STUDENT_YEAR,
    Programme.MEDICAL: Unit.CASE,
    Programme.WARMTH: Unit.HOUSEHOLD,
    Programme.SUDDEN: Unit.CASE,
}
MAX_AMOUNT = Decimal("1000000")  # no item of a hardship fund pays a million yuan


class AmountRefused(ValidationFailed):
    """An amount the standard in force does not allow; `reason` says why, naming the standard's 文号."""

    def __init__(self, reason, field="amount"):
        super().__init__("帮扶金额不符合资金标准", {field: [reason]})
        self.reason = reason


@dataclass(frozen=True)
class Draft:
    """A standard as the centre drafts it (the API's and the CLI's parsed input)."""
    effective_from: date
    period_kind: str
    document_number: str
    document_date: date
    issuer: str
    dibao_line: Decimal
    relative_multiplier: Decimal
    sudden_multiplier: Decimal
    items: list
    effective_to: date | None = None
    title: str | None = None
    replaces_id: int | None = None
    note: str | None = None


# ------------------------------------------------------------------ drafting and deciding

def period_end(kind, start):
    """The last day of the year or half-year that begins on `start`, or None when `start` begins none."""
    if kind == "year" and (start.month, start.day) == (1, 1):
        return date(start.year, 12, 31)
    if kind == "half_year" and (start.month, start.day) in ((1, 1), (7, 1)):
        return date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)
    return None


def period_label(standard):
    start = standard.effective_from
    if standard.period_kind == "year":
        return f"{start.year}年度"
    return f"{start.year}年{'上' if start.month == 1 else '下'}半年"


def _fen_problem(value, low=Decimal("0")):
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return "应为金额"
    if not value.is_finite():
        return "应为金额"
    if value < low:
        return f"不能小于 {figure(low)}"
    if value > MAX_AMOUNT:
        return f"不能超过 {figure(MAX_AMOUNT)}"
    if value != value.quantize(FEN):  # within the bounds: quantize cannot overflow
        return "金额最多精确到分（两位小数）"
    return None


def _item_problems(index, item):
    problems, where = {}, f"items.{index}"

    def say(field, reason):
        problems.setdefault(f"{where}.{field}", []).append(reason)

    programme = item.get("programme")
    if programme not in PROGRAMME_LABELS:
        say("programme", "应为 " + "、".join(f"{p.value}（{p.label}）" for p in Programme))
    category, level = item.get("category"), item.get("school_level")
    if category is not None and category not in ITEM_CATEGORIES:
        say("category", "应为 " + "、".join(f"{k}（{v}）" for k, v in ITEM_CATEGORIES.items()) + " 或留空")
    if level is not None and programme != Programme.EDUCATION:
        say("school_level", "只有金秋助学按学段规定金额")
    elif level is not None and level not in SCHOOL_LEVELS:
        say("school_level", "应为 " + "、".join(f"{k}（{v}）" for k, v in SCHOOL_LEVELS.items()) + " 或留空")
    if item.get("rule") not in RULES:
        say("rule", "应为 fixed（定额）或 cap（最高限额）")
    reason = _fen_problem(item.get("amount"))
    if reason:
        say("amount", reason)
    unit = item.get("unit")
    if programme in PROGRAMME_LABELS and unit is not None and unit != PROGRAMME_UNITS[programme]:
        expected = PROGRAMME_UNITS[Programme(programme)]
        say("unit", f"{PROGRAMME_LABELS[programme]}的单位应为{expected.label}（{expected.value}）")
    return problems


def draft_problems(session, draft):
    """{field: [reasons]} for a draft: its period, its document, its figures and its items."""
    problems = {}

    def say(field, reason):
        problems.setdefault(field, []).append(reason)

    if draft.period_kind not in PERIOD_KINDS:
        say("period_kind", "应为 year（全年）或 half_year（半年）")
    else:
        end = period_end(draft.period_kind, draft.effective_from)
        if end is None:
            say("effective_from", "全年标准应从 1 月 1 日起" if draft.period_kind == "year"
                else "半年标准应从 1 月 1 日或 7 月 1 日起")
        elif draft.effective_to is not None and draft.effective_to != end:
            say("effective_to", f"{PERIOD_KINDS[draft.period_kind]}标准应至{long_date(end)}止")
    for field, label in (("document_number", "文号"), ("issuer", "发文单位")):
        if not (getattr(draft, field) or "").strip():
            say(field, f"请填写{label}")
    if draft.document_date is None:
        say("document_date", "请填写发文日期")
    reason = _fen_problem(draft.dibao_line, Decimal("0.01"))
    if reason:
        say("dibao_line", reason)
    for field in ("relative_multiplier", "sudden_multiplier"):
        reason = _fen_problem(getattr(draft, field), Decimal("1"))
        if reason:
            say(field, reason)
    if not draft.items:
        say("items", "至少规定一个项目的金额")
    seen = set()
    for index, item in enumerate(draft.items):
        found = _item_problems(index, item)
        problems.update(found)
        key = (item.get("programme"), item.get("category"), item.get("school_level"))
        if not found and key in seen:
            say(f"items.{index}", "同一项目、类别和学段只能规定一次")
        seen.add(key)
    if draft.replaces_id is not None:
        replaced = session.get(FundStandard, draft.replaces_id)
        if replaced is None or replaced.status != StandardStatus.APPROVED:
            say("replaces_id", "被替代的标准应为已批准的资金标准")
    return problems


def _title(draft):
    start = draft.effective_from
    half = "" if draft.period_kind == "year" else ("上半年" if start.month == 1 else "下半年")
    return (draft.title or "").strip() or f"{start.year}年{half}困难职工帮扶资金标准"


def _write(session, standard, draft):
    standard.title = _title(draft)
    standard.period_kind = draft.period_kind
    standard.effective_from = draft.effective_from
    standard.effective_to = period_end(draft.period_kind, draft.effective_from)
    standard.document_number = draft.document_number.strip()
    standard.document_date = draft.document_date
    standard.issuer = draft.issuer.strip()
    standard.dibao_line = Decimal(draft.dibao_line)
    standard.relative_multiplier = Decimal(draft.relative_multiplier)
    standard.sudden_multiplier = Decimal(draft.sudden_multiplier)
    standard.replaces_id = draft.replaces_id
    standard.note = (draft.note or "").strip() or None
    session.flush()
    session.execute(delete(FundStandardItem).where(FundStandardItem.standard_id == standard.id))
    session.add_all(FundStandardItem(
        standard_id=standard.id, programme=item["programme"], category=item.get("category"),
        school_level=item.get("school_level"), rule=item["rule"], amount=Decimal(item["amount"]),
        unit=item.get("unit") or PROGRAMME_UNITS[Programme(item["programme"])]) for item in draft.items)
    session.flush()
    session.expire(standard, ["items"])
    return standard


def _validated(session, draft):
    problems = draft_problems(session, draft)
    if problems:
        raise ValidationFailed("资金标准有误", problems)


def draft_standard(session, user, draft):
    """The centre's draft of a standard (待审批); nothing is in force until an approver approves it."""
    _validated(session, draft)
    standard = FundStandard(drafted_by_id=user.id, drafted_at=clock.now(), status=StandardStatus.DRAFT)
    session.add(standard)
    return _write(session, standard, draft)


def get_standard(session, standard_id, lock=False):
    """The standard; `lock`: its row held until the transaction ends, for a change decided on its status."""
    query = select(FundStandard).where(FundStandard.id == standard_id)
    standard = session.scalar(query.with_for_update() if lock else query)
    if standard is None:
        raise NotFound("未找到该资金标准")
    return standard


def _ensure_draft(standard):
    if standard.status == StandardStatus.APPROVED:
        raise Conflict("已批准的资金标准不能修改，只能由新的资金标准替代")
    if standard.status != StandardStatus.DRAFT:
        raise Conflict("该资金标准已不予批准，不能再修改或审批；请起草新的标准")


def revise_draft(session, user, standard_id, draft):
    """Replace a draft's content; an approved (or rejected) standard is refused with 409. The row is locked
    first: an approval committed while this one runs is waited for and seen, never overwritten."""
    standard = get_standard(session, standard_id, lock=True)
    _ensure_draft(standard)
    _validated(session, draft)
    return _write(session, standard, draft)


def _decide(session, user, standard_id, status, note):
    standard = get_standard(session, standard_id, lock=True)
    _ensure_draft(standard)
    if standard.drafted_by_id == user.id:
        raise Forbidden("起草人不能审批自己起草的资金标准")
    standard.status, standard.approved_by_id, standard.approved_at = status, user.id, clock.now()
    standard.decision_note = (note or "").strip() or None
    session.flush()
    return standard


def approve_standard(session, user, standard_id, note=None):
    """The approver's approval: the standard is in force over its period from now on, and never edited."""
    return _decide(session, user, standard_id, StandardStatus.APPROVED, note)


def reject_standard(session, user, standard_id, note):
    if not (note or "").strip():
        raise ValidationFailed("不予批准须写明理由", {"note": ["请填写不予批准的理由"]})
    return _decide(session, user, standard_id, StandardStatus.REJECTED, note)


def list_standards(session, status=None):
    query = select(FundStandard)
    if status:
        query = query.where(FundStandard.status == status)
    return session.scalars(query.order_by(FundStandard.effective_from.desc(), FundStandard.id.desc())).all()


# ------------------------------------------------------------------ in force

def in_force(session, on):
    """The approved standard in force on the day `on`, or None. A standard is out of force from the start of an
    approved standard that replaces it, even one beginning earlier (a year replacing its second half), which
    "the latest to begin" alone would leave in force behind its replacement."""
    replacement = aliased(FundStandard)
    replaced = select(replacement.id).where(replacement.replaces_id == FundStandard.id,
                                            replacement.status == StandardStatus.APPROVED,
                                            replacement.effective_from <= on).exists()
    return session.scalar(
        select(FundStandard).where(
            FundStandard.status == StandardStatus.APPROVED, FundStandard.effective_from <= on,
            (FundStandard.effective_to.is_(None)) | (FundStandard.effective_to >= on), ~replaced)
        .order_by(FundStandard.effective_from.desc(), FundStandard.approved_at.desc(), FundStandard.id.desc())
        .limit(1))


def item_for(standard, programme, category=None, school_level=None):
    """The standard's most specific item for the programme: one naming the category and school level given
    beats one naming either, which beats the programme's general item; None when none applies."""
    best, best_score = None, -1
    for item in standard.items:
        if item.programme != programme:
            continue
        if item.category is not None and item.category != category:
            continue
        if item.school_level is not None and item.school_level != school_level:
            continue
        score = (item.category is not None) + (item.school_level is not None)
        if score > best_score:
            best, best_score = item, score
    return best


def policy_on(session, on):
    """The assessment's 低保 line and multipliers from the standard in force on `on`; None without one."""
    standard = in_force(session, on)
    if standard is None:
        return None
    return Policy(standard.dibao_line, standard.relative_multiplier, standard.sudden_multiplier,
                  f"{standard.title}（{standard.document_number}），低保标准 {figure(standard.dibao_line)} 元/人·月")


def item_label(item):
    """生活救助（深度困难）, 金秋助学（大学）, 送温暖."""
    narrowing = [ITEM_CATEGORIES.get(item.category, item.category)] if item.category else []
    narrowing += [SCHOOL_LEVELS.get(item.school_level, item.school_level)] if item.school_level else []
    label = PROGRAMME_LABELS[Programme(item.programme)]
    return f"{label}（{'、'.join(narrowing)}）" if narrowing else label


def limit_text(item):
    """定额 ¥1,000.00 元/户, or 最高 ¥1,208.00 元/户·月."""
    unit = UNIT_LABELS.get(item.unit, item.unit)
    return f"{'定额' if item.rule == 'fixed' else '最高'} {yuan(item.amount)} {unit}"


def check_amount(session, programme, amount, on, category=None, school_level=None):
    """(standard, item) the amount is held to on the day `on`; raises AmountRefused (422, field `amount`)
    naming the standard's 文号 and its limit when it has none or the amount is outside it. Living aid
    amounts are monthly (元/户·月)."""
    standard = in_force(session, on)
    label = PROGRAMME_LABELS[Programme(programme)]
    if standard is None:
        raise AmountRefused(f"{long_date(on)}没有已批准生效的资金标准，不能核定{label}金额；请先制定并审批资金标准")
    item = item_for(standard, programme, category, school_level)
    if item is None:
        asked = label + (f"（{ITEM_CATEGORIES.get(category, category)}）" if category else "") + \
            (f"（{SCHOOL_LEVELS.get(school_level, school_level)}）" if school_level else "")
        raise AmountRefused(f"资金标准（{standard.document_number}）未规定{asked}的金额")
    value = Decimal(str(amount))
    if value < 0:
        raise AmountRefused("金额不能为负数")
    what = item_label(item)  # the item held to, as the standard narrows it: a programme-wide cap names no category
    if item.rule == "fixed" and value != item.amount:
        raise AmountRefused(f"{what}按资金标准（{standard.document_number}）为{limit_text(item)}，"
                            f"金额应为 {yuan(item.amount)}")
    if item.rule == "cap" and value > item.amount:
        raise AmountRefused(f"{what}按资金标准（{standard.document_number}）{limit_text(item)}，"
                            f"不能超过 {yuan(item.amount)}")
    if value != value.quantize(FEN):  # at most the item's amount: quantize cannot overflow
        raise AmountRefused("金额最多精确到分（两位小数）")
    return standard, item


def amount_problem(session, programme, amount, on, category=None, school_level=None):
    """check_amount's refusal as text, or None when the amount is allowed."""
    try:
        check_amount(session, programme, amount, on, category, school_level)
    except AmountRefused as refused:
        return refused.reason
    return None


@dataclass(frozen=True)
class Held:
    """An amount held to the standard in force: the standard and item it falls under, or why it is refused."""
    standard: FundStandard | None
    item: FundStandardItem | None
    problem: str | None

    @property
    def limit(self):
        return self.item.amount if self.item else None


def held_to(session, programme, amount, on, category=None, school_level=None):
    """check_amount as a value rather than an exception; `amount` None only looks the item up."""
    if amount is not None:
        try:
            return Held(*check_amount(session, programme, amount, on, category, school_level), None)
        except AmountRefused as refused:
            standard = in_force(session, on)
            item = item_for(standard, programme, category, school_level) if standard else None
            return Held(standard, item, refused.reason)
    standard = in_force(session, on)
    label = PROGRAMME_LABELS[Programme(programme)]
    if standard is None:
        return Held(None, None, f"{long_date(on)}没有已批准生效的资金标准，不能核定{label}金额；请先制定并审批资金标准")
    item = item_for(standard, programme, category, school_level)
    if item is None:
        return Held(standard, None, f"资金标准（{standard.document_number}）未规定{label}的金额")
    return Held(standard, item, None)
