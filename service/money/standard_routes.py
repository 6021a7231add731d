"""API of fund standards (资金标准) and half-yearly adjustment lists (每半年调整): parse, authorise, call, dump."""
from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint, current_user
from ..unit_of_work import run
from . import adjustments, standards, views
from .schemas import (AdjustmentDetailSchema, AdjustmentListSchema, DecisionSchema, GenerateSchema,
                      LinesEditSchema, ListDecisionSchema, StandardDetailSchema, StandardInSchema,
                      StandardListSchema, StandardQuerySchema)

blp = Blueprint("money_standards", __name__, url_prefix="/api/v1", description="资金标准与每半年调整")
authenticate_blueprint(blp, actions={
    ("FundStandards", "GET"): Action.VIEW_STANDARDS,
    ("FundStandards", "POST"): Action.DRAFT_STANDARD,
    ("FundStandardItem", "GET"): Action.VIEW_STANDARDS,
    ("FundStandardItem", "PUT"): Action.DRAFT_STANDARD,
    ("FundStandardApproval", "POST"): Action.APPROVE_STANDARD,
    ("FundStandardRejection", "POST"): Action.APPROVE_STANDARD,
    ("Adjustments", "GET"): Action.VIEW_ADJUSTMENTS,
    ("Adjustments", "POST"): Action.ADJUST_AID,
    ("AdjustmentItem", "GET"): Action.VIEW_ADJUSTMENTS,
    ("AdjustmentLines", "PATCH"): Action.ADJUST_AID,
    ("AdjustmentSubmission", "POST"): Action.ADJUST_AID,
    ("AdjustmentApproval", "POST"): Action.APPROVE_ADJUSTMENT,
})


@blp.route("/fund-standards")
class FundStandards(MethodView):
    @blp.arguments(StandardQuerySchema, location="query")
    @blp.response(200, StandardListSchema)
    def get(self, args):
        """Every fund standard, latest period first, and which one is in force today."""
        return views.standard_list(db.session(), args.get("status"))

    @blp.arguments(StandardInSchema)
    @blp.response(201, StandardDetailSchema)
    def post(self, draft):
        """The centre drafts a standard (待审批): period, document, 低保 line, multipliers and items."""
        return run(standards.draft_standard, current_user(), draft)


@blp.route("/fund-standards/<id:standard_id>")
class FundStandardItem(MethodView):
    @blp.response(200, StandardDetailSchema)
    def get(self, standard_id):
        return standards.get_standard(db.session(), standard_id)

    @blp.arguments(StandardInSchema)
    @blp.response(200, StandardDetailSchema)
    def put(self, draft, standard_id):
        """Revise a draft; an approved standard is never edited (409): a later standard replaces it."""
        return run(standards.revise_draft, current_user(), standard_id, draft)


@blp.route("/fund-standards/<id:standard_id>/approve")
class FundStandardApproval(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, StandardDetailSchema)
    def post(self, args, standard_id):
        """An approver other than its drafter approves the standard: in force over its period."""
        return run(standards.approve_standard, current_user(), standard_id, args.get("note"))


@blp.route("/fund-standards/<id:standard_id>/reject")
class FundStandardRejection(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, StandardDetailSchema)
    def post(self, args, standard_id):
        """An approver other than its drafter rejects the standard, saying why."""
        return run(standards.reject_standard, current_user(), standard_id, args.get("note"))


def _detail(adjustment):
    return views.adjustment_view(db.session(), adjustment, with_lines=True, role=current_user().roles)


@blp.route("/adjustments")
class Adjustments(MethodView):
    @blp.response(200, AdjustmentListSchema)
    def get(self):
        """The half-yearly adjustment lists, latest period first."""
        session = db.session()
        return {"items": [views.adjustment_view(session, a) for a in adjustments.list_adjustments(session)]}

    @blp.arguments(GenerateSchema)
    @blp.response(201, AdjustmentDetailSchema)
    def post(self, args):
        """生成调整清单: the list of an approved standard, one line per filed household (409 when made)."""
        return _detail(run(adjustments.generate, current_user(), args["standard_id"]))


@blp.route("/adjustments/<id:list_id>")
class AdjustmentItem(MethodView):
    @blp.response(200, AdjustmentDetailSchema)
    def get(self, list_id):
        return _detail(adjustments.get_list(db.session(), list_id))


@blp.route("/adjustments/<id:list_id>/lines")
class AdjustmentLines(MethodView):
    @blp.arguments(LinesEditSchema)
    @blp.response(200, AdjustmentDetailSchema)
    def patch(self, args, list_id):
        """The centre edits proposed monthly amounts and notes, each held to the new standard."""
        return _detail(run(adjustments.edit_lines, current_user(), list_id, args["lines"]))


@blp.route("/adjustments/<id:list_id>/submit")
class AdjustmentSubmission(MethodView):
    @blp.response(200, AdjustmentDetailSchema)
    def post(self, list_id):
        return _detail(run(adjustments.submit, current_user(), list_id))


@blp.route("/adjustments/<id:list_id>/approve")
class AdjustmentApproval(MethodView):
    @blp.arguments(ListDecisionSchema)
    @blp.response(200, AdjustmentDetailSchema)
    def post(self, args, list_id):
        """The approver (not the list's maker) decides: lines named `rejected` keep their current award, every
        other line's award changes from the new period on."""
        rejected = [line["id"] for line in args["lines"] if line["decision"] == "rejected"]
        notes = {line["id"]: line["note"] for line in args["lines"] if line.get("note")}
        return _detail(run(adjustments.decide, current_user(), list_id, rejected, notes))
