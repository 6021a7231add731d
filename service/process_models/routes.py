from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from . import migration
from .operations import deploy, list_models, read_document
from .schemas import (DeployResultSchema, DeploySchema, MigrationPreviewSchema, MigrationQuerySchema,
                      MigrationResultSchema, MigrationSchema, ProcessModelSchema)

blp = Blueprint("process_models", __name__, url_prefix="/api/v1/process-models", description="流程模型")
authenticate_blueprint(blp, actions={("ProcessModels", "POST"): Action.DESIGN,
                                    ("MigrationPreview", "GET"): Action.MIGRATE_CASES,
                                    ("Migration", "POST"): Action.MIGRATE_CASES})


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
        xml = read_document(args["file"])
        version, created = run(deploy, services(), xml, user=user, comment=args["comment"])
        return {"version": version, "created": created}, 201 if created else 200


@blp.route("/<key>/versions/<id:number>/migration-preview")
class MigrationPreview(MethodView):
    @blp.arguments(MigrationQuerySchema, location="query")
    @blp.response(200, MigrationPreviewSchema)
    def get(self, args, key, number):
        """Per open case of the version: whether it can move to version `to`, which open tasks become which,
        what would be lost, or why it cannot move (process designers and the centre head)."""
        return migration.preview(db.session(), services(), current_user(), key, number, args["to"])


@blp.route("/<key>/versions/<id:number>/migrate")
class Migration(MethodView):
    @blp.arguments(MigrationSchema)
    @blp.response(200, MigrationResultSchema)
    def post(self, args, key, number):
        """Move the version's open cases that can move to version `to`, each in its own transaction; the others
        are listed with their reasons (process designers and the centre head)."""
        return migration.migrate(services(), current_user(), key, number, args["to"])
