"""API of awards, programme budgets and the aid programmes' starts: routes parse, authorise, call and dump."""
from flask.views import MethodView
from marshmallow import fields, validate

from .. import db
from ..access import Action
from ..api import Blueprint
from ..api.schema import MAX_ROW_ID, Money, Schema, page_of
from ..cases.schemas import CaseDetailSchema
from ..casework import views
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from . import award_views, budgets, programmes
from .models import AwardStatus, FundSource, Programme

blp = Blueprint("money_awards", __name__, url_prefix="/api/v1", description="帮扶项目、预算与各项目申请")
authenticate_blueprint(blp, actions={
    ("Awards", "GET"): Action.READ_AWARDS, ("AwardItem", "GET"): Action.READ_AWARDS,
    ("Budgets", "GET"): Action.READ_BUDGETS, ("BudgetItem", "PUT"): Action.SET_BUDGETS,
    ("ProgrammeApplications", "POST"): Action.APPLY_PROGRAMME, ("Warmth", "POST"): Action.START_WARMTH,
    ("WarmthApproval", "POST"): Action.APPROVE_WARMTH})
PROGRAMMES = [p.value for p in Programme]


class AwardQuerySchema(Schema):
    household = fields.Integer(validate=validate.Range(min=1, max=MAX_ROW_ID), metadata={"description": "household id"})
    programme = fields.String(validate=validate.OneOf(PROGRAMMES))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100), metadata={"description": "budget year"})
    status = fields.String(validate=validate.OneOf([s.value for s in AwardStatus]))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InstalmentSchema(Schema):
    id = fields.Integer()
    sequence = fields.Integer()
    due_on = fields.Date()
    amount = Money()
    purpose = fields.String()
    status = fields.String(metadata={"description": "open 待发放, held 暂停, paid 已发放, cancelled 已取消"})
    status_label = fields.String()
    paid_on = fields.Date(allow_none=True)


class AwardSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    household_file_number = fields.String(allow_none=True)
    worker_name = fields.String()
    case_id = fields.Integer(allow_none=True)
    programme = fields.String()
    programme_label = fields.String()
    category = fields.String(allow_none=True)
    amount = Money(metadata={"description": "total awarded: the sum of its instalments not cancelled"})
    monthly_amount = Money(allow_none=True)
    period_start = fields.Date()
    period_end = fields.Date()
    standard_id = fields.Integer(allow_none=True)
    standard_item_id = fields.Integer(allow_none=True)
    fund_source = fields.String()
    fund_source_label = fields.String()
    budget_year = fields.Integer()
    student_name = fields.String(allow_none=True)
    school_level = fields.String(allow_none=True)
    purpose = fields.String()
    status = fields.String()
    status_label = fields.String()
    approved_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)


class AwardDetailSchema(AwardSchema):
    instalments = fields.List(fields.Nested(InstalmentSchema), attribute="instalment_rows")


AwardPageSchema = page_of(AwardSchema, "AwardPageSchema")


class BudgetQuerySchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=2000, max=2100))


class BudgetLineSchema(Schema):
    programme = fields.String()
    programme_label = fields.String()
    year = fields.Integer()
    fund_source = fields.String()
    fund_source_label = fields.String()
    budget = Money(allow_none=True, metadata={"description": "null: no budget set"})
    committed = Money(metadata={"description": "approved awards of the year, ended ones counting what they kept"})
    paid = Money(metadata={"description": "paid instalments of the year's awards"})
    remaining = Money(allow_none=True, metadata={"description": "budget − committed"})


class BudgetSetSchema(Schema):
    amount = fields.Decimal(required=True, metadata={"description": "yuan, at most two decimals"})
    fund_source = fields.String(validate=validate.OneOf([f.value for f in FundSource]))


class ApplicationSchema(Schema):
    process = fields.String(required=True, validate=validate.OneOf(list(programmes.APPLICATIONS)), metadata={
        "description": "education_grant 金秋助学, medical_aid 医疗救助, sudden_aid 意外致困"})


class WarmthStartArgs(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(2000, 2100))
    festival = fields.String(required=True, validate=validate.OneOf(list(programmes.FESTIVALS)), metadata={
        "description": "spring 春节, mid_autumn 中秋, labour_day 五一"})


class WarmthStartSchema(Schema):
    year = fields.Integer()
    festival = fields.String()
    started = fields.Integer(metadata={"description": "households this call started"})
    already_started = fields.Integer(attribute="already")


class WarmthApprovalSchema(Schema):
    approved = fields.Integer(metadata={"description": "送温暖审批 steps approved by this call"})


@blp.route("/awards")
class Awards(MethodView):
    @blp.arguments(AwardQuerySchema, location="query")
    @blp.response(200, AwardPageSchema)
    def get(self, args):
        """Awards (帮扶项目) the caller may read; a union: its own households'."""
        filters = {k: v for k, v in args.items() if k not in ("page", "page_size")}
        return award_views.award_page(db.session(), current_user(), filters, args["page"], args["page_size"])


@blp.route("/awards/<id:award_id>")
class AwardItem(MethodView):
    @blp.response(200, AwardDetailSchema)
    def get(self, award_id):
        """One award with its instalments (paid, open, held, cancelled). Another union's is a 404."""
        return award_views.award_detail(db.session(), current_user(), award_id)


@blp.route("/budgets")
class Budgets(MethodView):
    @blp.arguments(BudgetQuerySchema, location="query")
    @blp.response(200, BudgetLineSchema(many=True))
    def get(self, args):
        """Each programme's budget for the year, committed, paid and remaining, to the fen."""
        return budgets.year_figures(db.session(), current_user(), args["year"])


@blp.route("/budgets/<string:programme>/<int:year>")
class BudgetItem(MethodView):
    @blp.arguments(BudgetSetSchema)
    @blp.response(200, BudgetLineSchema)
    def put(self, args, programme, year):
        """The centre sets a programme's budget for a year (and its fund source)."""
        return run(budgets.set_budget, current_user(), programme, year, args["amount"], args.get("fund_source"))


@blp.route("/households/<id:household_id>/programme-applications")
class ProgrammeApplications(MethodView):
    @blp.arguments(ApplicationSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, args, household_id):
        """Start an application (金秋助学, 医疗救助, 意外致困) for a filed household: its union or the centre."""
        user = current_user()
        case = run(programmes.apply, services(), user, household_id, args["process"])
        return views.case_detail(db.session(), services(), user, case=case)


@blp.route("/warmth")
class Warmth(MethodView):
    @blp.arguments(WarmthStartArgs)
    @blp.response(200, WarmthStartSchema)
    def post(self, args):
        """送温暖: start one festival's case for every filed household at once; twice starts nothing new."""
        return run(programmes.start_warmth, services(), current_user(), args["year"], args["festival"])


@blp.route("/warmth/<int(min=2000, max=2100):year>/<string:festival>/approval")
class WarmthApproval(MethodView):
    @blp.response(200, WarmthApprovalSchema)
    def post(self, year, festival):
        """The approver approves the festival's whole list (every 送温暖审批 still open)."""
        return {"approved": run(programmes.approve_warmth, services(), current_user(), year, festival)}
