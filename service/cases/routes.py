from flask.views import MethodView

from .. import db
from ..api import Blueprint
from ..access import Action
from ..casework import commands, views
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from .schemas import CaseCreateHeadersSchema, CaseCreateSchema, CaseDetailSchema, CasePageSchema, CaseQuerySchema

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件（困难职工家庭帮扶）")
authenticate_blueprint(blp, actions={("Cases", "POST"): Action.START_CASE, ("Cases", "GET"): Action.BROWSE_CASES,
                                    ("CaseWithdrawal", "POST"): Action.WITHDRAW_CASE})


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """List the cases the caller may see, filtered and paged."""
        return views.case_page(db.session(), current_user(), args)

    @blp.arguments(CaseCreateSchema)
    @blp.arguments(CaseCreateHeadersSchema, location="headers")
    @blp.response(201, CaseDetailSchema)
    @blp.alt_response(200, schema=CaseDetailSchema, description="a retry: the case its Idempotency-Key started")
    def post(self, args, headers):
        """Declare a household: start a case of the given process (once per Idempotency-Key, when sent)."""
        user = current_user()
        case, started = run(commands.start_case_once, services(), user, args["process"], args.get("data"),
                            headers.get("idempotency_key"))
        detail = views.case_detail(db.session(), services(), user, case=case)
        return detail if started else (detail, 200)


@blp.route("/<id:case_id>")
class CaseItem(MethodView):
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """One case with its data (masked for the caller's role), open tasks and history."""
        return views.case_detail(db.session(), services(), current_user(), case_id)


@blp.route("/<id:case_id>/withdraw")
class CaseWithdrawal(MethodView):
    @blp.response(200, CaseDetailSchema)
    def post(self, case_id):
        """Withdraw a declaration never submitted (撤回); 409 once it was submitted."""
        user = current_user()
        case = run(commands.withdraw_case, services(), user, case_id)
        return views.case_detail(db.session(), services(), user, case=case)
