"""The working-day calendar page (工作日历): the known years, one year's holidays and make-up working days, a
warning when next year is not known yet, and, for the centre, importing a year from a file (as
`bangfu calendar import` does, in one transaction)."""
from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from .. import calendar, clock, db
from ..access import Action, ensure, may
from ..errors import ValidationFailed
from ..tasks.models import HumanTask, TaskState
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user


@pages.get("/calendar")
@login_required
def calendar_page():
    user = ensure(page_user(), Action.VIEW_CALENDAR)
    session = db.session()
    this_year = clock.today().year
    try:
        year = int(request.args.get("year") or this_year)
    except ValueError:
        raise ValidationFailed("年份应为数字", {"year": ["应为四位数的年份"]}) from None
    years = calendar.known_years(session)
    known = {y for y, _, _ in years}
    try:
        summary = calendar.year_summary(session, year)
    except calendar.YearNotKnown as exc:
        summary, missing = None, str(exc)
    else:
        missing = None
    pending = session.scalar(select(func.count(HumanTask.id)).where(HumanTask.state == TaskState.OPEN,
                                                                    HumanTask.due_pending_year.is_not(None)))
    return render_template("calendar.html", years=years, summary=summary, spans=_spans(summary), year=year, missing=missing,
                           next_year=this_year + 1, next_known=this_year + 1 in known, pending=pending,
                           may_import=may(user, Action.IMPORT_CALENDAR), format_help=IMPORT_EXAMPLE)


def _spans(summary):
    """A year's days as runs of consecutive days with the same arrangement: (first, last, working, name, note)."""
    spans = []
    for day, working, name, note in (summary.days if summary else []):
        last = spans[-1] if spans else None
        if last and (day - last[1]).days == 1 and last[2:] == [working, name, note]:
            last[1] = day
        else:
            spans.append([day, day, working, name, note])
    return spans


IMPORT_EXAMPLE = "2027年1月1日,休,元旦\n2027年2月6日,班,春节调休,周六上班\n2027年2月8日,休,春节"


@pages.post("/calendar/import")
@login_required
def calendar_import():
    user = ensure(page_user(), Action.IMPORT_CALENDAR)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择要导入的文件", "error")
        return redirect(url_for("pages.calendar_page"))
    try:
        result = run(calendar.import_days, upload.read(calendar.MAX_FILE_BYTES + 1), upload.filename,
                     user.username)
    except calendar.CalendarFileInvalid as exc:
        lines = "；".join(f"{where if where != 'file' else '文件'}：{'，'.join(reasons)}"
                         for where, reasons in exc.fields.items())
        flash(f"{exc.message}。{lines}", "error")
        return redirect(url_for("pages.calendar_page"))
    dated = f"；{result.tasks_dated} 个待办任务已算出办理期限" if result.tasks_dated else ""
    flash(f"{result.year}年节假日安排{'已替换' if result.replaced else '已导入'}：工作日放假 {result.holidays} 天，"
          f"调休上班 {result.workdays} 天{dated}", "success")
    return redirect(url_for("pages.calendar_page", year=result.year))
