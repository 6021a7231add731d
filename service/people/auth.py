"""Who is calling: the bearer token of the request, resolved once per request."""
from flask import g, request

from .. import db
from ..access import ensure
from ..errors import Unauthorized
from .operations import user_for_token


def current_user():
    if "user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        g.user = user_for_token(db.session(), raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if g.user is None:
        raise Unauthorized("请先登录或提供有效的访问令牌")
    return g.user


def authenticate_blueprint(blueprint, open_endpoints=(), actions=None):
    """Check the caller before flask-smorest parses the body, so 401 and 403 come before any 422.

    `actions`: {(view name, method): access.Action} the caller must be allowed.
    """
    @blueprint.before_request
    def _check_caller():
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        if endpoint in open_endpoints:
            return
        user = current_user()
        action = (actions or {}).get((endpoint, request.method))
        if action:
            ensure(user, action)
