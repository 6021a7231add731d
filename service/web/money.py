"""Pages of awards and budgets: the awards list (centre, approver, finance, supervisor, inspector; a union its
own households'), the 预算 page (budget, committed, paid, remaining per programme; the centre sets budgets and
starts 送温暖), and a household's applications for the other programmes (from its page)."""
from flask import flash, redirect, render_template, request, url_for
from marshmallow import fields, validate

from .. import clock, db
from ..access import Action, ensure, may
from ..api.schema import MAX_ROW_ID, Schema
from ..errors import DomainError, ValidationFailed
from ..money import award_views, budgets, programmes
from ..money.models import FUND_SOURCE_LABELS, PROGRAMME_LABELS, AwardStatus, Programme
from ..services import services
from ..unit_of_work import run
from . import flash_refusal, page_args, pages
from .auth import login_required, page_user


class AwardPageArgs(Schema):
    household = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID))
    programme = fields.String(validate=validate.OneOf([p.value for p in Programme]))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    status = fields.String(validate=validate.OneOf([s.value for s in AwardStatus]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))


class YearArgs(Schema):
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))


@pages.get("/awards")
@login_required
def awards_page():
    user = ensure(page_user(), Action.READ_AWARDS)
    args = page_args(AwardPageArgs())
    filters = {k: v for k, v in args.items() if k != "page"}
    listing = award_views.award_page(db.session(), user, filters, args["page"])
    return render_template("awards.html", listing=listing, filters=filters, programmes=PROGRAMME_LABELS,
                           statuses=award_views.AWARD_STATUS_LABELS)


BUDGET_FIELDS = {"programme": "项目", "fund_source": "资金来源", "amount": "预算金额", "year": "年度"}


@pages.get("/budgets")
@login_required
def budgets_page():
    user = ensure(page_user(), Action.READ_BUDGETS)
    return _budgets(user, page_args(YearArgs()).get("year") or clock.today().year)


def _budgets(user, year, entered=None, problems=None, status=200):
    """The 预算 page; after a refused budget, with what was typed in the form and the reasons by its fields."""
    lines = budgets.year_figures(db.session(), user, year)
    return render_template("budgets.html", year=year, lines=lines, fund_sources=FUND_SOURCE_LABELS,
                           may_set=may(user, Action.SET_BUDGETS), may_warmth=may(user, Action.START_WARMTH),
                           festivals=programmes.FESTIVALS, entered=entered or {}, problems=problems or {},
                           field_labels=BUDGET_FIELDS), status


@pages.post("/budgets")
@login_required
def set_budget():
    user = page_user()
    year = request.form.get("year", type=int)
    entered = {key: request.form.get(key, "") for key in ("programme", "fund_source", "amount")}
    try:
        # people type 2,500,000.50 (or a full-width comma): the separators are only for the eye
        amount = entered["amount"].replace(",", "").replace("，", "").strip()
        run(budgets.set_budget, user, entered["programme"] or None, year, amount, entered["fund_source"] or None)
    except ValidationFailed as exc:
        if "year" in exc.fields:  # the page's own hidden field: nothing the user typed to show again
            flash_refusal(exc)
            return redirect(url_for("pages.budgets_page"))
        return _budgets(user, year, entered, exc.fields, 422)
    except DomainError as exc:
        flash_refusal(exc)
    else:
        flash("预算已保存", "success")
    return redirect(url_for("pages.budgets_page", year=year))


@pages.post("/warmth")
@login_required
def start_warmth():
    year = request.form.get("year", type=int)
    try:
        done = run(programmes.start_warmth, services(), page_user(), year, request.form.get("festival"))
    except DomainError as exc:
        flash_refusal(exc)
    else:
        name = programmes.FESTIVALS[done.festival][1]
        flash(f"{year}年{name}送温暖：本次发起 {done.started} 户，此前已发起 {done.already} 户，待审批人审批", "success")
    return redirect(url_for("pages.budgets_page", year=year))


@pages.post("/households/<id:household_id>/programme-applications")
@login_required
def apply_programme(household_id):
    try:
        case = run(programmes.apply, services(), page_user(), household_id, request.form.get("process"))
    except DomainError as exc:
        flash_refusal(exc)
        return redirect(url_for("pages.household_page", household_id=household_id))
    flash(f"已发起{programmes.APPLICATIONS[request.form['process']]}申请 {case.reference}，请在待办中填写申请", "success")
    return redirect(url_for("pages.case_page", case_id=case.id))
