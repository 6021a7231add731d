from flask.views import MethodView

from ..api import Blueprint
from ..people.auth import authenticate_blueprint
from .catalogue import listed
from .schemas import OperationSchema

blp = Blueprint("operations", __name__, url_prefix="/api/v1/operations", description="业务操作（模型按名称调用）")
authenticate_blueprint(blp)


@blp.route("")
class Operations(MethodView):
    @blp.response(200, OperationSchema(many=True))
    def get(self):
        """The domain operations a model may call, with their parameters in Chinese (the modeler's side panel)."""
        return listed()
