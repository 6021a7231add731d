from flask.views import MethodView

from .. import db
from ..api import Blueprint
from ..services import services
from .auth import authenticate_blueprint, current_user
from ..unit_of_work import run
from .operations import authenticate, signed_in, token_for
from .schemas import TokenRequestSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")
authenticate_blueprint(blp, open_endpoints={"Token"})


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.doc(security=[])  # the one operation without a bearer token
    def post(self, args):
        """Exchange a username and password for a bearer token."""
        with db.reading() as reader:  # the slow password check holds no write lock
            user_id = signed_in(authenticate, reader, args["username"], args["password"], via="api").id
        return run(token_for, user_id, services().token_days)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The calling user."""
        return current_user()
