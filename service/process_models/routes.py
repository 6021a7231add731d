from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..errors import ValidationFailed
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from .operations import deploy, list_models
from .schemas import DeployResultSchema, DeploySchema, ProcessModelSchema

blp = Blueprint("process_models", __name__, url_prefix="/api/v1/process-models", description="流程模型")
MAX_BPMN_BYTES = 5 * 1024 * 1024
authenticate_blueprint(blp, actions={("ProcessModels", "POST"): Action.DESIGN})


@blp.route("")
class ProcessModels(MethodView):
    @blp.response(200, ProcessModelSchema(many=True))
    def get(self):
        """List process models with their versions."""
        current_user()
        return list_models(db.session())

    @blp.arguments(DeploySchema, location="multipart")
    @blp.response(201, DeployResultSchema)
    @blp.alt_response(200, schema=DeployResultSchema, description="Identical to the latest version")
    def post(self, args):
        """Deploy a BPMN file as a new version (designers only)."""
        user = current_user()
        xml = args["file"].read(MAX_BPMN_BYTES + 1)
        if len(xml) > MAX_BPMN_BYTES:
            raise ValidationFailed("文件过大", {"file": ["BPMN 文件不能超过 5 MB"]})
        version, created = run(deploy, services(), xml, user=user, comment=args["comment"])
        return {"version": version, "created": created}, 201 if created else 200
