"""The annual review page (年度复核): the year's figures for every role that browses cases, the centre's
button to start it, and the centre's action starting a household's exit (the household page links to it)."""
from flask import flash, redirect, render_template, request, url_for

from .. import clock, db
from ..access import Action, ensure, may
from ..errors import DomainError, ValidationFailed
from ..households import review
from ..services import services
from ..unit_of_work import run
from ..wording import long_date
from . import pages
from .auth import login_required, page_user


def _year(raw, default):
    if raw in (None, ""):
        return default
    try:
        year = int(raw)
    except ValueError:
        year = None
    if year is None or not review.FIRST_YEAR <= year <= review.LAST_YEAR:
        raise ValidationFailed("复核年度无效", {"year": [f"应为 {review.FIRST_YEAR} 到 {review.LAST_YEAR} 之间的年份"]})
    return year


@pages.get("/annual-reviews")
@login_required
def annual_reviews():
    user = ensure(page_user(), Action.BROWSE_CASES)
    year = _year(request.args.get("year"), clock.today().year)
    figures = review.review_summary(db.session(), user, year)
    config = services()
    scheduled = review.next_annual_review_at(clock.now(), config.annual_review_date)
    return render_template("annual_reviews.html", year=year, figures=figures, may_start=may(user, Action.KEEP_REGISTER),
                           scheduled=long_date(clock.local_date(scheduled)), follow_up_months=config.follow_up_months)


@pages.post("/annual-reviews")
@login_required
def start_annual_reviews():
    try:
        year = _year(request.form.get("year"), clock.today().year)
        done = run(review.start_annual_reviews, services(), year, page_user())
    except DomainError as exc:
        flash(exc.message + "".join(f"（{'，'.join(v)}）" for v in exc.fields.values()), "error")
        return redirect(url_for("pages.annual_reviews"))
    flash(f"{year} 年度复核：本次发起 {done.started} 户，此前已发起 {done.already} 户", "success")
    return redirect(url_for("pages.annual_reviews", year=year))


@pages.post("/households/<id:household_id>/exit")
@login_required
def household_exit(household_id):
    try:
        case = run(review.start_household_exit, services(), page_user(), household_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(request.referrer or url_for("pages.annual_reviews"))
    flash(f"已发起退出申请 {case.reference}，请填写退出原因后报审批", "success")
    return redirect(url_for("pages.case_page", case_id=case.id))
