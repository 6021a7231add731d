from flask.views import MethodView
from flask_smorest import Blueprint

from .. import db
from ..errors import ValidationFailed
from ..people.auth import authenticate_blueprint, current_user, require_role
from ..services import services
from .operations import deploy, list_models
from .schemas import DeployFilesSchema, DeployFormSchema, DeployResultSchema, ProcessModelSchema

blp = Blueprint("process_models", __name__, url_prefix="/api/v1/process-models", description="流程模型")
MAX_BPMN_BYTES = 5 * 1024 * 1024
authenticate_blueprint(blp, checks={("ProcessModels", "POST"): lambda user: require_role("designer")})


@blp.route("")
class ProcessModels(MethodView):
    @blp.response(200, ProcessModelSchema(many=True))
    def get(self):
        """List process models with their versions."""
        current_user()
        return list_models(db.session())

    @blp.arguments(DeployFilesSchema, location="files")
    @blp.arguments(DeployFormSchema, location="form")
    @blp.response(201, DeployResultSchema)
    @blp.alt_response(200, schema=DeployResultSchema, description="Identical to the latest version")
    def post(self, files, form):
        """Deploy a BPMN file as a new version (designers only)."""
        user = require_role("designer")
        xml = files["file"].read(MAX_BPMN_BYTES + 1)
        if len(xml) > MAX_BPMN_BYTES:
            raise ValidationFailed("文件过大", {"file": ["BPMN 文件不能超过 5 MB"]})
        s = services()
        version, created = deploy(db.session(), s, xml, user=user, comment=form["comment"])
        db.commit()
        return {"version": version, "created": created}, 201 if created else 200
