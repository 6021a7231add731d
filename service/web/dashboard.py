"""The dashboard: open cases by stage, category and organisation; late tasks; days per stage; the register."""
from flask import render_template

from .. import clock, db
from ..access import Action, ensure
from ..casework import reports
from ..process_models.operations import process_steps
from . import pages
from .auth import login_required, page_user


def _chart(kind, title, rows, label):
    return {"type": kind, "caption": title, "labels": [r[0] for r in rows],
            "datasets": [{"label": label, "data": [r[1] for r in rows]}]}


@pages.get("/dashboard")
@login_required
def dashboard():
    user = ensure(page_user(), Action.BROWSE_CASES)
    session = db.session()
    order = {title: i for i, (_, title) in enumerate(process_steps(session))}
    stage_days = sorted(reports.average_days_by_stage(session, user), key=lambda row: order.get(row[0], len(order)))
    charts = {
        "by-stage": _chart("bar", "办理中案件（按当前步骤）", reports.open_by_stage(session, user), "案件数"),
        "by-category": _chart("doughnut", "办理中案件（按困难类别）", reports.open_by_category(session, user), "案件数"),
        "by-organisation": _chart("bar", "办理中案件（按申报工会）", reports.open_by_organisation(session, user), "案件数"),
        "stage-days": _chart("bar", "各步骤平均办理天数", [(t, d) for t, d, _ in stage_days], "天"),
        "register": _chart("line", "在档困难家庭（逐月末户数）", reports.register_by_month(session, user, clock.today()),
                           "在档户数"),
    }
    return render_template("dashboard.html", charts=charts, late=reports.late_tasks(session, user),
                           stage_days=stage_days, drafts=reports.drafts(session, user))

