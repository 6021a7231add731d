from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint
from . import queries
from .schemas import AuditPageSchema, AuditQuerySchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="审计日志")
authenticate_blueprint(blp, actions={("AuditEntries", "GET"): Action.READ_AUDIT})


@blp.route("")
class AuditEntries(MethodView):
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args):
        """The audit log, newest first, for the oversight roles (inspector, supervisor, centre head)."""
        return queries.entry_page(db.session(), args)
