from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..casework import incidents
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from .incident_schemas import (IncidentActionSchema, IncidentListSchema, IncidentOutcomeSchema, IncidentSchema,
                               RetryPreviewSchema, RetrySchema, SkipSchema)

blp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents", description="流程异常的案件")
authenticate_blueprint(blp, actions={("Incidents", "GET"): Action.HANDLE_INCIDENTS,
                                    ("IncidentItem", "GET"): Action.HANDLE_INCIDENTS,
                                    ("IncidentRetryPreview", "GET"): Action.HANDLE_INCIDENTS,
                                    **{(view, "POST"): Action.HANDLE_INCIDENTS
                                       for view in ("IncidentRetry", "IncidentSkip", "IncidentTermination")}})


@blp.route("")
class Incidents(MethodView):
    @blp.response(200, IncidentListSchema)
    def get(self):
        """Cases in incident with their error, the longest-standing first (centre head)."""
        return {"items": incidents.incident_cases(db.session(), current_user())}


@blp.route("/<id:case_id>")
class IncidentItem(MethodView):
    @blp.response(200, IncidentSchema)
    def get(self, case_id):
        """One case in incident with its failed steps; 409 when it is not in incident."""
        return incidents.incident_detail(db.session(), services(), current_user(), case_id)


@blp.route("/<id:case_id>/retry-preview")
class IncidentRetryPreview(MethodView):
    @blp.response(200, RetryPreviewSchema)
    def get(self, case_id):
        """What a retry with `on_latest` would move: the case's move to the newest version of its model (which
        open task becomes which, what it loses), or why it cannot move; changes nothing. 409 when the case is
        on the newest version already or not in incident."""
        target, move = incidents.retry_preview(db.session(), services(), current_user(), case_id)
        return {"to_version": target.version, "move": move}


@blp.route("/<id:case_id>/retry")
class IncidentRetry(MethodView):
    @blp.arguments(RetrySchema)
    @blp.response(200, IncidentOutcomeSchema)
    def post(self, args, case_id):
        """Run the failed step again (optionally on the newest version of the model); a new error leaves a new
        incident."""
        return run(incidents.retry_incident, services(), current_user(), case_id, args["reason"], args["on_latest"])


@blp.route("/<id:case_id>/skip")
class IncidentSkip(MethodView):
    @blp.arguments(SkipSchema)
    @blp.response(200, IncidentOutcomeSchema)
    def post(self, args, case_id):
        """Mark the failed script, service or business-rule task done and go on."""
        return run(incidents.skip_failed_step, services(), current_user(), case_id, args["reason"], args["step"])


@blp.route("/<id:case_id>/terminate")
class IncidentTermination(MethodView):
    @blp.arguments(IncidentActionSchema)
    @blp.response(200, IncidentOutcomeSchema)
    def post(self, args, case_id):
        """Cancel the workflow and close its open tasks: the case ends as 异常终止."""
        return run(incidents.terminate_case, services(), current_user(), case_id, args["reason"])
