"""帮扶资金报表: the money report's page (tables; charts of yuan by year and by programme, the register month by
month, exits by reason) and its Excel workbook, over the same report the API answers."""
from flask import Response, render_template

from .. import clock, db
from ..access import Action, ensure
from ..money.report_export import report_workbook
from ..money.report_routes import XLSX, report_for, workbook_name
from ..money.report_schemas import PeriodQuerySchema
from ..money.reports import exits_by_reason, report_years, yearly_totals
from . import page_args, pages
from .auth import login_required, page_user


def _period_args():
    """The year and month asked for; this year when none is."""
    args = page_args(PeriodQuerySchema(partial=("year",)))
    args.setdefault("year", clock.today().year)
    return args


def _charts(report, by_year, exits):
    programmes = report.money["programme"].lines
    months = report.months.lines
    return {
        "by-year": {"type": "bar", "caption": "历年帮扶资金（按年度）", "format": "money",
                    "labels": [line.label for _, line in by_year],
                    "datasets": [{"label": "审批金额", "data": [str(line.awarded) for _, line in by_year]},
                                 {"label": "发放金额", "data": [str(line.paid) for _, line in by_year]}]},
        "by-programme": {"type": "bar", "caption": f"{report.period.label}帮扶资金（按帮扶项目）", "format": "money",
                         "labels": [line.label for line in programmes],
                         "datasets": [{"label": "审批金额", "data": [str(line.awarded) for line in programmes]},
                                      {"label": "发放金额", "data": [str(line.paid) for line in programmes]}]},
        # From the year's opening (the end of the year before), so that the January review's exits show as a fall.
        "register": {"type": "line", "caption": f"{report.period.year}年在档户数（年初及逐月末）",
                     "labels": ["年初", *(f"{line.month}月" for line in months)] if months else [],
                     "datasets": [{"label": "在档户数", "data": [months[0].at_end - months[0].entered + months[0].exited,
                                                              *(line.at_end for line in months)] if months else []}]},
        "exits": {"type": "bar", "caption": f"{report.period.label}退出在档（按原因）",
                  "labels": [label for label, _ in exits],
                  "datasets": [{"label": "户数", "data": [count for _, count in exits]}]},
    }


@pages.get("/reports/money")
@login_required
def money_report_page():
    ensure(page_user(), Action.VIEW_MONEY_REPORTS)
    args = _period_args()
    report = report_for(args)
    session = db.session()
    years = report_years(session, clock.today(), args["year"])
    by_year = yearly_totals(session, [y for y in reversed(years) if y <= clock.today().year])
    charts = _charts(report, by_year, exits_by_reason(session, report.period))
    return render_template("money_reports.html", report=report, charts=charts, years=years,
                           year=args["year"], month=args.get("month"))


@pages.get("/reports/money.xlsx")
@login_required
def money_report_export():
    ensure(page_user(), Action.VIEW_MONEY_REPORTS)
    report = report_for(_period_args())
    return Response(report_workbook(report), mimetype=XLSX,
                    headers={"Content-Disposition": f"attachment; filename={workbook_name(report.period)}"})
