from flask.views import MethodView
from flask_smorest import Blueprint

from .. import db
from ..services import services
from .auth import current_user
from .operations import authenticate, issue_token
from .schemas import TokenRequestSchema, TokenSchema, UserSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequestSchema)
    @blp.response(200, TokenSchema)
    def post(self, args):
        """Exchange a username and password for a bearer token."""
        session = db.session()
        user = authenticate(session, args["username"], args["password"])
        token, expires = issue_token(session, user, services().token_days)
        db.commit()
        return {"token": token, "expires_at": expires, "user": user}


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The calling user."""
        return current_user()
