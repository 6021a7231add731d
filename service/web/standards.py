"""Pages of fund standards (资金标准) and half-yearly adjustment lists (半年调整): the centre drafts standards
and edits lists, the approver decides them; the same domain commands and schemas as the API."""
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError

from .. import clock, db
from ..access import Action, ensure, may
from ..errors import DomainError, NotFound, ValidationFailed, flatten
from ..money import adjustments, standards, views
from ..money.models import PROGRAMME_LABELS, StandardStatus
from ..money.schemas import StandardInSchema
from ..unit_of_work import run
from . import flash_refusal, pages
from .auth import login_required, page_user

# The rows of the draft form: every programme with its usual narrowings.
ITEM_ROWS = [("living", "deep", None), ("living", "relative", None), ("living", "sudden", None),
             ("education", None, "university"), ("education", None, "high_school"),
             ("education", None, "secondary_vocational"), ("medical", None, None), ("warmth", None, None),
             ("sudden", None, None)]
FIELD_LABELS = {"period_kind": "期间", "effective_from": "起始日期", "effective_to": "截止日期",
                "document_number": "文号", "document_date": "发文日期", "issuer": "发文单位", "dibao_line": "低保标准",
                "relative_multiplier": "相对困难倍数", "sudden_multiplier": "意外致困倍数", "items": "项目",
                "replaces_id": "替代的标准", "note": "说明", "title": "标题"}


@pages.get("/fund-standards")
@login_required
def standards_page():
    user = ensure(page_user(), Action.VIEW_STANDARDS)
    listing = views.standard_list(db.session())
    return render_template("standards.html", listing=listing, may_draft=may(user, Action.DRAFT_STANDARD),
                           StandardStatus=StandardStatus, period_label=standards.period_label)


def _row_label(programme, category, level):
    return standards.item_label(SimpleNamespace(programme=programme, category=category, school_level=level))


def _form_rows(basis):
    """The draft form's item rows, filled from `basis` (the standard in force) where it has them."""
    existing = {(i.programme, i.category, i.school_level): i for i in (basis.items if basis else [])}
    rows = []
    for index, key in enumerate(ITEM_ROWS):
        item = existing.get(key)
        rows.append({"index": index, "programme": key[0], "category": key[1] or "", "school_level": key[2] or "",
                     "label": _row_label(*key), "unit": standards.PROGRAMME_UNITS[key[0]].label,
                     "rule": item.rule if item else ("fixed" if key[0] in ("education", "warmth") else "cap"),
                     "amount": f"{item.amount}" if item else ""})
    return rows


def _render_form(values, rows, problems=None, status=200):
    replaceable = standards.list_standards(db.session(), StandardStatus.APPROVED)
    return render_template("standard_form.html", values=values, rows=rows, problems=problems or {},
                           labels=FIELD_LABELS, replaceable=replaceable, period_label=standards.period_label,
                           RULES=standards.RULES), status


@pages.get("/fund-standards/new")
@login_required
def standard_form():
    ensure(page_user(), Action.DRAFT_STANDARD)
    # A new standard usually follows, and replaces, the latest approved one (which may not be in force yet).
    basis = next(iter(standards.list_standards(db.session(), StandardStatus.APPROVED)), None)
    values = {"period_kind": "half_year", "issuer": basis.issuer if basis else "",
              "dibao_line": basis.dibao_line if basis else "", "relative_multiplier": basis.relative_multiplier
              if basis else "2", "sudden_multiplier": basis.sudden_multiplier if basis else "3.5",
              "replaces_id": basis.id if basis else ""}
    return _render_form(values, _form_rows(basis))


def _posted_items(form):
    """(items for the schema, the form's rows as posted, the row of each item)."""
    items, rows, positions = [], [], []
    for index, (programme, category, level) in enumerate(ITEM_ROWS):
        amount, rule = form.get(f"item-{index}-amount", "").strip(), form.get(f"item-{index}-rule", "cap")
        rows.append({"index": index, "programme": programme, "category": category or "", "school_level": level or "",
                     "label": _row_label(programme, category, level),
                     "unit": standards.PROGRAMME_UNITS[programme].label, "rule": rule, "amount": amount})
        if amount:
            items.append({"programme": programme, "category": category, "school_level": level, "rule": rule,
                          "amount": amount})
            positions.append(index)
    return items, rows, positions


def _by_row(problems, positions):
    """items.N.field (the Nth filled item) → items.R.field (its row on the form)."""
    named = {}
    for key, reasons in problems.items():
        parts = key.split(".")
        if parts[0] == "items" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(positions):
            parts[1] = str(positions[int(parts[1])])
        named[".".join(parts)] = reasons
    return named


@pages.post("/fund-standards")
@login_required
def draft_standard_page():
    user = ensure(page_user(), Action.DRAFT_STANDARD)
    values = {key: request.form.get(key, "").strip() for key in FIELD_LABELS if key != "items"}
    items, rows, positions = _posted_items(request.form)
    # an empty text field goes on to the domain, which names it; an empty date or number is absent (必填)
    body = {key: value for key, value in values.items() if value != "" or key in ("document_number", "issuer")}
    try:
        draft = StandardInSchema().load({**body, "items": items})
        standard = run(standards.draft_standard, user, draft)
    except ValidationError as exc:
        return _render_form(values, rows, _by_row(flatten(exc.messages), positions), 422)
    except ValidationFailed as exc:
        return _render_form(values, rows, _by_row(exc.fields, positions), 422)
    flash(f"已起草“{standard.title}”，待审批人审批后生效", "success")
    return redirect(url_for("pages.standard_page", standard_id=standard.id))


@pages.get("/fund-standards/<id:standard_id>")
@login_required
def standard_page(standard_id):
    user = ensure(page_user(), Action.VIEW_STANDARDS)
    session = db.session()
    standard = standards.get_standard(session, standard_id)
    current = standards.in_force(session, clock.today())
    return render_template(
        "standard.html", standard=standard, in_force=current is not None and current.id == standard.id,
        may_decide=may(user, Action.APPROVE_STANDARD) and standard.status == StandardStatus.DRAFT
        and standard.drafted_by_id != user.id,
        may_generate=may(user, Action.ADJUST_AID) and standard.status == StandardStatus.APPROVED,
        adjustment=adjustments.list_for(session, standard.id) if may(user, Action.VIEW_ADJUSTMENTS) else None,
        StandardStatus=StandardStatus,
        period_label=standards.period_label, item_label=standards.item_label, limit_text=standards.limit_text)


@pages.post("/fund-standards/<id:standard_id>/<any(approve, reject):decision>")
@login_required
def decide_standard_page(standard_id, decision):
    user = ensure(page_user(), Action.APPROVE_STANDARD)
    command = standards.approve_standard if decision == "approve" else standards.reject_standard
    try:
        run(command, user, standard_id, request.form.get("note"))
    except DomainError as exc:
        flash_refusal(exc)
    else:
        flash("资金标准已批准，在其期间内生效" if decision == "approve" else "资金标准未予批准", "success")
    return redirect(url_for("pages.standard_page", standard_id=standard_id))


# ---------------------------------------------------------------- adjustments

@pages.get("/adjustments")
@login_required
def adjustments_page():
    ensure(page_user(), Action.VIEW_ADJUSTMENTS)
    session = db.session()
    lists = [views.adjustment_view(session, a) for a in adjustments.list_adjustments(session)]
    return render_template("adjustments.html", lists=lists)


@pages.post("/adjustments")
@login_required
def generate_adjustment_page():
    user = ensure(page_user(), Action.ADJUST_AID)
    standard_id = request.form.get("standard_id", type=int)
    if standard_id is None or not 1 <= standard_id < 2**63:
        raise NotFound("未找到该资金标准")
    try:
        adjustment = run(adjustments.generate, user, standard_id)
    except DomainError as exc:
        flash_refusal(exc)
        return redirect(url_for("pages.standard_page", standard_id=standard_id) if standard_id
                        else url_for("pages.adjustments_page"))
    flash("已生成半年调整清单，请核对各户拟调整金额后提交审批", "success")
    return redirect(url_for("pages.adjustment_page", list_id=adjustment.id))


@pages.get("/adjustments/<id:list_id>")
@login_required
def adjustment_page(list_id):
    return _adjustment(ensure(page_user(), Action.VIEW_ADJUSTMENTS), list_id)


def _adjustment(user, list_id, entered=None, problems=None, status=200):
    """The list's page, by role: the centre edits a draft's amounts and notes, an approver other than its maker
    decides a submitted one (the centre's notes read-only). After refused edits, with what was typed
    (`entered`, by line id) and the reasons by line and field (`problems`)."""
    session = db.session()
    adjustment = adjustments.get_list(session, list_id)
    view = views.adjustment_view(session, adjustment, with_lines=True, role=user.roles)
    return render_template(
        "adjustment.html", adjustment=view, entered=entered or {}, problems=problems or {},
        may_edit=may(user, Action.ADJUST_AID) and adjustment.status == "draft",
        may_decide=may(user, Action.APPROVE_ADJUSTMENT) and adjustment.status == "submitted"
        and adjustment.created_by_id != user.id, living=PROGRAMME_LABELS["living"]), status


def _amount(raw):
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None


@pages.post("/adjustments/<id:list_id>/lines")
@login_required
def edit_adjustment_page(list_id):
    user = ensure(page_user(), Action.ADJUST_AID)
    adjustment = adjustments.get_list(db.session(), list_id)
    entered, changes, problems = {}, [], {}
    for line in adjustment.lines:
        raw, note = request.form.get(f"line-{line.id}-amount"), request.form.get(f"line-{line.id}-note", "").strip()
        if raw is None:
            continue
        entered[line.id] = {"amount": raw, "note": note}
        value = _amount(raw)
        if value is None:
            problems[line.id] = {"proposed_amount": ["请填写数字金额，如 850.00"]}
        elif value != line.proposed_amount or (note or None) != line.note:
            changes.append({"id": line.id, "proposed_amount": value, "note": note})
    if problems:
        return _adjustment(user, list_id, entered, problems, 422)
    try:
        if changes:
            run(adjustments.edit_lines, user, list_id, changes)
    except ValidationFailed as exc:
        return _adjustment(user, list_id, entered, _by_line(exc.fields, changes), 422)
    except DomainError as exc:
        flash_refusal(exc)
        return redirect(url_for("pages.adjustment_page", list_id=list_id))
    try:
        if request.form.get("then") == "submit":
            run(adjustments.submit, user, list_id)
            flash("调整清单已提交审批", "success")
        else:
            flash(f"已保存 {len(changes)} 户的修改", "success")
    except DomainError as exc:
        flash_refusal(exc)
    return redirect(url_for("pages.adjustment_page", list_id=list_id))


def _by_line(fields, changes):
    """`lines.0.proposed_amount` (the first change) → {line id: {"proposed_amount": reasons}}, so that each
    reason shows at its field on the page; a reason for no line goes under None."""
    named = {}
    for key, reasons in fields.items():
        parts = key.split(".")
        if parts[0] == "lines" and len(parts) > 2 and parts[1].isdigit() and int(parts[1]) < len(changes):
            named.setdefault(changes[int(parts[1])]["id"], {})[parts[2]] = reasons
        else:
            named.setdefault(None, {})[key] = reasons
    return named


@pages.post("/adjustments/<id:list_id>/approve")
@login_required
def decide_adjustment_page(list_id):
    """The approver's decision, line by line, with their own note on a line; the centre's notes are not in
    this form and nothing posted here changes them."""
    user = ensure(page_user(), Action.APPROVE_ADJUSTMENT)
    adjustment = adjustments.get_list(db.session(), list_id)
    rejected = [line.id for line in adjustment.lines if request.form.get(f"line-{line.id}-decision") == "rejected"]
    notes = {line.id: request.form.get(f"line-{line.id}-decision_note", "") for line in adjustment.lines}
    try:
        run(adjustments.decide, user, list_id, rejected, notes)
    except DomainError as exc:
        flash_refusal(exc)
    else:
        flash(f"调整清单已审批：同意 {len(adjustment.lines) - len(rejected)} 户，不同意 {len(rejected)} 户", "success")
    return redirect(url_for("pages.adjustment_page", list_id=list_id))
