"""API of the annual review and of a household's exit: routes parse, authorise, call and dump."""
from flask.views import MethodView
from marshmallow import fields, validate

from .. import db
from ..access import Action
from ..api import Blueprint
from ..api.schema import Schema
from ..cases.schemas import CaseDetailSchema
from ..casework import views
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from . import review

blp = Blueprint("annual_reviews", __name__, url_prefix="/api/v1", description="年度复核与在档家庭退出")
authenticate_blueprint(blp, actions={("AnnualReviews", "POST"): Action.KEEP_REGISTER,
                                    ("AnnualReviewYear", "GET"): Action.BROWSE_CASES,
                                    ("HouseholdExit", "POST"): Action.KEEP_REGISTER})


class ReviewStartArgs(Schema):
    year = fields.Integer(required=True, strict=True, validate=validate.Range(review.FIRST_YEAR, review.LAST_YEAR),
                          metadata={"description": "the review year, e.g. 2027"})


class ReviewStartSchema(Schema):
    year = fields.Integer()
    started = fields.Integer(metadata={"description": "reviews this call started (one per filed household)"})
    already_started = fields.Integer(attribute="already", metadata={
        "description": "households whose review of the year had been started before"})
    bulk = fields.Boolean(metadata={"description": "true: the model's start was run once and copied"})


class ReviewSummarySchema(Schema):
    year = fields.Integer()
    started = fields.Integer()
    reviewed = fields.Integer(metadata={"description": "started and past the review's own steps"})
    pending = fields.Integer(metadata={"description": "a review step still open (or the case set aside)"})
    overdue = fields.Integer(metadata={"description": "pending with a review step past its due date"})
    exited = fields.Integer(metadata={"description": "reviews that ended in an approved exit"})
    not_started = fields.Integer(metadata={"description": "filed households with no review of the year yet"})


@blp.route("/annual-reviews")
class AnnualReviews(MethodView):
    @blp.arguments(ReviewStartArgs)
    @blp.response(200, ReviewStartSchema)
    def post(self, args):
        """Start the year's annual review (年度复核) for every filed household; twice starts nothing new."""
        return run(review.start_annual_reviews, services(), args["year"], current_user())


@blp.route("/annual-reviews/<int(min=2000, max=2100):year>")
class AnnualReviewYear(MethodView):
    @blp.response(200, ReviewSummarySchema)
    def get(self, year):
        """The year's reviews the caller may see: started, reviewed, pending, overdue."""
        return review.review_summary(db.session(), current_user(), year)


@blp.route("/households/<id:household_id>/exit")
class HouseholdExit(MethodView):
    @blp.response(201, CaseDetailSchema)
    def post(self, household_id):
        """Start the exit (撤档) of a filed household: a case whose first task is the centre's exit request."""
        user = current_user()
        case = run(review.start_household_exit, services(), user, household_id)
        return views.case_detail(db.session(), services(), user, case=case)
