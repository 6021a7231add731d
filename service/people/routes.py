from flask import request
from flask.views import MethodView
from marshmallow import fields

from .. import db
from ..access import Action
from ..api import Blueprint
from ..api.errors import ErrorSchema
from ..api.schema import listing
from ..services import services
from ..unit_of_work import run
from . import delegations, operations
from .auth import authenticate_blueprint, current_user
from .operations import token_for
from .sign_in import sign_in
from .schemas import (DeactivationSchema, DelegationCreateSchema, DelegationSchema, RoleGrantSchema,
                      TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema)

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与访问令牌")
authenticate_blueprint(blp, open_endpoints={"Token"})
users_blp = Blueprint("users", __name__, url_prefix="/api/v1/users", description="人员与角色（中心负责人）")
authenticate_blueprint(users_blp, actions={(view, method): Action.MANAGE_USERS for view, method in (
    ("Users", "GET"), ("Users", "POST"), ("Deactivate", "POST"), ("Roles", "POST"), ("RoleItem", "DELETE"))})
delegations_blp = Blueprint("delegations", __name__, url_prefix="/api/v1/delegations",
                            description="委托：休假期间由同岗位同事代办已认领的任务")
authenticate_blueprint(delegations_blp)


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


@users_blp.route("")
class Users(MethodView):
    @users_blp.response(200, listing(UserSchema, "UserList"))
    def get(self):
        """Every user with the roles they hold and whether they are active."""
        return {"items": operations.list_users(db.session())}

    @users_blp.arguments(UserCreateSchema)
    @users_blp.response(201, UserSchema)
    def post(self, args):
        """Add a user: a primary role, and any further roles of the same kind of organisation."""
        return run(operations.create_user, args["username"], args["role"], args["org"], args["password"],
                   args.get("display_name"), more_roles=args.get("roles") or ())


@users_blp.route("/<username>/deactivate")
class Deactivate(MethodView):
    @users_blp.response(200, DeactivationSchema)
    def post(self, username):
        """Take a user out of service at once: tokens and page sessions revoked, claimed tasks back to the pool,
        their delegations ended."""
        user, released = run(operations.deactivate_user, username)
        return {"user": user, "released_tasks": released}


@users_blp.route("/<username>/roles")
class Roles(MethodView):
    @users_blp.arguments(RoleGrantSchema)
    @users_blp.response(200, UserSchema)
    def post(self, args, username):
        """Let the user hold a further role (of their organisation's kind)."""
        return run(operations.grant_role, username, args["role"])[0]


@users_blp.route("/<username>/roles/<role>")
class RoleItem(MethodView):
    @users_blp.response(200, UserSchema)
    def delete(self, username, role):
        """Take a role from the user (never the primary one); their claimed tasks of it go back to the pool."""
        return run(operations.revoke_role, username, role)[0]


@delegations_blp.route("")
class Delegations(MethodView):
    @delegations_blp.response(200, listing(DelegationSchema, "DelegationList", received=fields.List(
        fields.Nested(DelegationSchema), metadata={"description": "delegated to the caller"})))
    def get(self):
        """The caller's delegations not yet over: given (items) and received."""
        given, received = delegations.of_user(db.session(), current_user())
        return {"items": given, "received": received}

    @delegations_blp.arguments(DelegationCreateSchema)
    @delegations_blp.response(201, DelegationSchema)
    def post(self, args):
        """Delegate the caller's claimed tasks to a colleague holding the same role, for a period."""
        return run(delegations.create, current_user(), args["delegate"], args["starts_on"], args["ends_on"],
                   args.get("delegator"))


@delegations_blp.route("/<id:delegation_id>/end")
class EndDelegation(MethodView):
    @delegations_blp.response(200, DelegationSchema)
    def post(self, delegation_id):
        """End a delegation before its last day (the delegator, the delegate or the centre head)."""
        return run(delegations.end, current_user(), delegation_id)
