"""Signing in and out of the pages; the signed-in user comes from the session cookie."""
import functools
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from .. import audit, db
from ..access import Action, may
from ..errors import Unauthorized
from ..people.models import User
from ..people.operations import authenticate, signed_in
from ..people.roles import LANE_ROLES, Role
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


def page_user():
    if "page_user" not in g:
        user_id = session.get("user_id")
        user = db.session().get(User, user_id) if isinstance(user_id, int) else None
        g.page_user = user if user is not None and user.active else None
    return g.page_user


def login_required(view):
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        if page_user() is None:
            return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapped


def start_page(user):
    """The address a user lands on after signing in and at "/"."""
    return url_for(START_PAGES.get(user.role, "pages.inbox"))


@pages.app_context_processor
def _inject_user():
    user = page_user()
    return {"current_user": user, "has_inbox": user is not None and user.role in LANE_ROLES,
            "has_register": user is not None and may(user, Action.BROWSE_HOUSEHOLDS)}


@pages.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            with db.reading() as reader:  # the slow password check holds no write lock
                user = signed_in(authenticate, reader, form.username.data.strip(), form.password.data, via="pages")
                user_id, start = user.id, start_page(user)
                audit.record_alone(audit.SIGN_IN, actor=user, subject=("user", user_id), via="pages")
        except Unauthorized as exc:
            error = exc.message
        else:
            session.clear()
            session["user_id"] = user_id
            return redirect(safe_next(request.args.get("next"), start))
    return render_template("login.html", form=form, error=error), 401 if error else 200


@pages.post("/logout")
@login_required
def logout():
    session.clear()
    return redirect(url_for("pages.login"))


@pages.get("/")
@login_required
def home():
    return redirect(start_page(page_user()))
