"""The money report's API: the report as JSON, and as the Excel workbook a higher union reads."""
from flask import Response
from flask.views import MethodView

from .. import clock, db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint
from .report_export import report_workbook
from .report_schemas import MoneyReportSchema, PeriodQuerySchema
from .reports import Period, money_report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="上报报表")
authenticate_blueprint(blp, actions={("MoneyReport", "GET"): Action.VIEW_MONEY_REPORTS,
                                    ("MoneyReportWorkbook", "GET"): Action.VIEW_MONEY_REPORTS})


def report_for(args):
    """The report of the period the (parsed) arguments name, as of today."""
    period = Period(args["year"], args.get("month"))
    return money_report(db.session(), period, clock.today())


def workbook_name(period):
    return f"money-report-{period.year}" + (f"-{period.month:02d}" if period.month else "") + ".xlsx"


@blp.route("/money")
class MoneyReport(MethodView):
    @blp.arguments(PeriodQuerySchema, location="query", error_status_code=400)
    @blp.response(200, MoneyReportSchema)
    def get(self, args):
        """帮扶资金报表: households, 户次 and yuan of a year (or month), each table with its total."""
        return report_for(args)


@blp.route("/money.xlsx")
class MoneyReportWorkbook(MethodView):
    @blp.arguments(PeriodQuerySchema, location="query", error_status_code=400)
    @blp.response(200, {"type": "string", "format": "binary"}, content_type=XLSX,
                  description="the report as an Excel workbook, one sheet per table")
    def get(self, args):
        """帮扶资金报表 as .xlsx: a sheet per table, Chinese headers, number formats and a 合计 row each."""
        report = report_for(args)
        return Response(report_workbook(report), mimetype=XLSX,
                        headers={"Content-Disposition": f"attachment; filename={workbook_name(report.period)}"})
