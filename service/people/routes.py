from flask import request
from flask.views import MethodView

from ..api import Blueprint
from ..api.errors import ErrorSchema
from ..services import services
from .auth import authenticate_blueprint, current_user
from .operations import token_for
from .sign_in import sign_in
from .schemas import TokenRequestSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")
authenticate_blueprint(blp, open_endpoints={"Token"})


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    @blp.alt_response(429, schema=ErrorSchema, description="Too many failed sign-ins: the name or address is locked",
                      headers={"Retry-After": {"description": "seconds until the lock ends",
                                               "schema": {"type": "integer"}}})
    @blp.doc(security=[])  # the one operation without a bearer token
    def post(self, args):
        """Exchange a username and password for a bearer token.

        Repeated failures lock the account name, or the client address, for a while: 429 with Retry-After,
        the right password included, until the lock ends."""
        days = services().token_days
        return sign_in(services().sign_in_limits, args["username"], args["password"], request.remote_addr,
                       lambda session, user_id: token_for(session, user_id, days))


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The calling user."""
        return current_user()
