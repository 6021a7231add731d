"""Who is calling: the bearer token of the request, resolved once per request."""
from flask import g, request

from .. import db
from ..errors import Forbidden, Unauthorized
from .operations import user_for_token


def current_user():
    if "user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, raw = header.partition(" ")
        g.user = user_for_token(db.session(), raw.strip()) if scheme.lower() == "bearer" and raw.strip() else None
    if g.user is None:
        raise Unauthorized("请先登录或提供有效的访问令牌")
    return g.user


def require_role(*roles):
    user = current_user()
    if user.role not in roles:
        raise Forbidden("您的角色无权执行此操作")
    return user
