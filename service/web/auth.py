"""Signing in and out of the pages. The session cookie names a page session kept on the server (page_sessions):
signing out ends it there, so the cookie, or a copy of it, signs no one in afterwards."""
import functools
from urllib.parse import urlsplit

from flask import g, make_response, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import db
from ..access import Action, may
from ..errors import TooManyRequests, Unauthorized
from ..people.models import User
from ..people.operations import end_page_session, open_page_session
from ..people.sessions import look_up, purge_ended
from ..people.roles import LANE_ROLES, Role
from ..people.sign_in import sign_in
from ..services import services
from ..unit_of_work import run
from . import pages

# Each role's own first page: the roles that work tasks start at their inbox, the others where their work is.
START_PAGES = {Role.SUPERVISOR: "pages.cases", Role.DESIGNER: "pages.models"}


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])


def safe_next(target, default):
    """A path on this site to return to, or `default`.

    Browsers drop tabs and newlines from URLs and read a backslash as a slash, so `/\\t/evil.example`
    would leave the site: any control character, space or backslash refuses the target outright.
    """
    target = target or ""
    if not target.startswith("/") or any(ch <= " " or ch in "\\\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return default
    return target


EXPIRED_MESSAGE = "登录已超时，请重新登录"


def page_user():
    """The user of the page session the cookie names, as long as that session is open on the server."""
    if "page_user" not in g:
        raw = session.get("sid")
        found = look_up(db.session(), raw, services().session_limits) if isinstance(raw, str) and raw else None
        g.page_user = found.user if found else None
        g.page_session_expired = bool(found and found.expired)
    return g.page_user


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if page_user() is None:
            back = request.full_path.rstrip("?")
            if g.page_session_expired:
                session.pop("sid", None)
                return redirect(url_for("pages.login", next=back, expired=1))
            return redirect(url_for("pages.login", next=back))
        return view(*args, **kwargs)
    return wrapped


def start_page(user):
    """The address a user lands on after signing in and at "/"."""
    return url_for(START_PAGES.get(user.role, "pages.inbox"))


@pages.app_context_processor
def _inject_user():
    user = page_user()
    return {"current_user": user, "has_inbox": user is not None and not user.roles.isdisjoint(LANE_ROLES),
            "has_register": user is not None and may(user, Action.BROWSE_HOUSEHOLDS),
            "may_browse_cases": user is not None and may(user, Action.BROWSE_CASES),
            "may_notices": user is not None and may(user, Action.NOTICE_LIST),
            "may_manage_people": user is not None and may(user, Action.MANAGE_USERS),
            "role_labels": role_labels}


def role_labels(user):
    """The user's roles in words, the primary one first: 援助中心、审批人."""
    return "、".join(Role(role).label for role in sorted(user.roles, key=lambda role: (role != user.role, role)))


@pages.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            raw, start = sign_in(services().sign_in_limits, form.username.data.strip(), form.password.data,
                                 request.remote_addr, _open_session)
        except TooManyRequests as exc:
            response = make_response(render_template("login.html", form=form, error=exc.message), 429)
            response.headers.extend(exc.headers)
            return response
        except Unauthorized as exc:
            error = exc.message
        else:
            session.clear()
            session["sid"] = raw
            return redirect(safe_next(request.args.get("next"), start))
    notice = EXPIRED_MESSAGE if request.args.get("expired") and not error else None
    return render_template("login.html", form=form, error=error, notice=notice), 401 if error else 200


def _open_session(db_session, user_id):
    purge_ended(db_session, services().session_limits)
    return open_page_session(db_session, user_id), start_page(db_session.get(User, user_id))


@pages.post("/logout")
@login_required
def logout():
    run(end_page_session, session["sid"])
    session.clear()
    return redirect(url_for("pages.login"))


@pages.get("/")
@login_required
def home():
    return redirect(start_page(page_user()))
