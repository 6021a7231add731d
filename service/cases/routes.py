from flask.views import MethodView
from flask_smorest import Blueprint

from .. import db
from ..people.auth import authenticate_blueprint, current_user
from .access import ensure_can_start
from ..services import services
from ..views import View
from .operations import case_detail, get_case, list_cases, open_tasks_by_case, start_case
from .privacy import mask
from .schemas import CaseCreateSchema, CaseDetailSchema, CasePageSchema, CaseQuerySchema

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件（困难职工家庭帮扶）")
authenticate_blueprint(blp, checks={("Cases", "POST"): ensure_can_start})


def detail_view(session, user, case):
    instance, tasks, events = case_detail(session, services(), case)
    return View(case, open_tasks=tasks, data=mask(instance.data, user.role), history=events)


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseQuerySchema, location="query")
    @blp.response(200, CasePageSchema)
    def get(self, args):
        """List the cases the caller may see, filtered and paged."""
        user = current_user()
        page, size = args.pop("page"), args.pop("page_size")
        session = db.session()
        items, total = list_cases(session, user, args, page, size)
        tasks = open_tasks_by_case(session, [c.id for c in items])
        rows = [View(c, open_tasks=tasks.get(c.id, [])) for c in items]
        return {"items": rows, "total": total, "page": page, "page_size": size}

    @blp.arguments(CaseCreateSchema)
    @blp.response(201, CaseDetailSchema)
    def post(self, args):
        """Declare a household: start a case of the given process."""
        user = current_user()
        session = db.session()
        case = start_case(session, services(), user, args["process"], args.get("data"))
        db.commit()
        return detail_view(session, user, case)


@blp.route("/<id:case_id>")
class CaseItem(MethodView):
    @blp.response(200, CaseDetailSchema)
    def get(self, case_id):
        """One case with its data (masked for the caller's role), open tasks and history."""
        user = current_user()
        session = db.session()
        return detail_view(session, user, get_case(session, user, case_id))
