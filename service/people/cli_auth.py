"""Who runs a command line that acts as a user (the money commands): proven by an API token in BANGFU_TOKEN,
the one `POST /api/v1/auth/token` or `bangfu token` issues, or by the user's password typed at a hidden prompt.
A name alone (`--as`) proves nothing: with it one operator could build a batch as one finance user and approve it
as another."""
import os

import click

from .. import db
from ..errors import Unauthorized
from ..services import services
from .operations import user_for_token
from .sign_in import CLI_ADDRESS, sign_in

TOKEN_VARIABLE = "BANGFU_TOKEN"


def as_option(help_text):
    """The `--as USERNAME` option: required without a token; with one, optional and the token's user."""
    return click.option("--as", "username", default=None, metavar="USERNAME",
                         help=f"{help_text}; signs in with BANGFU_TOKEN if set (then --as may be left out), "
                              "else asks for USERNAME's password")


def signed_in(username):
    """The id of the user running the command; in an app context, before the command's own transaction (the
    password check is slow and must hold no write lock). Unauthorized, one line, when nothing proves who it is."""
    raw = os.environ.get(TOKEN_VARIABLE, "").strip()
    if raw:
        return _token_user(raw, username)
    if not username:
        raise Unauthorized(f"请用 --as 指明用户并输入其密码，或在环境变量 {TOKEN_VARIABLE} 中提供访问令牌")
    password = click.prompt(f"{username} 的密码", hide_input=True, err=True)
    # Throttled and recorded as any sign-in; the password check itself holds no write lock.
    return sign_in(services().sign_in_limits, username, password, CLI_ADDRESS, lambda _session, user_id: user_id)


def _token_user(raw, username):
    with db.reading() as reader:
        user = user_for_token(reader, raw)
        if user is None:
            raise Unauthorized(f"环境变量 {TOKEN_VARIABLE} 中的访问令牌无效或已过期")
        if username and user.username != username:
            raise Unauthorized(f"环境变量 {TOKEN_VARIABLE} 中是 {user.username} 的访问令牌，与 --as {username} 不符")
        return user.id

