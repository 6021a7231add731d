"""Pages for reviewers, supervisors and designers: server-rendered, Chinese, a thin shell over the same
commands, views and schemas as the API. Sessions and CSRF tokens here; the API keeps to bearer tokens."""
import logging

from flask import Blueprint, flash, g, has_request_context, render_template, request, send_from_directory
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect
from marshmallow import EXCLUDE, ValidationError

from ..errors import ValidationFailed, answer_pages_with, flatten
from . import assets, formatting


class _PagesBlueprint(Blueprint):
    """Static files named by their content's hash are cached for a year and never revalidated; the rest
    (favicon, dist/manifest.json) are revalidated as Flask does by default."""

    def get_send_file_max_age(self, filename):
        return assets.YEAR if filename and assets.is_hashed(filename) else super().get_send_file_max_age(filename)

    def send_static_file(self, filename):
        response = super().send_static_file(filename)
        if assets.is_hashed(filename):
            response.cache_control.immutable = True
        return response


csrf = CSRFProtect()
pages = _PagesBlueprint("pages", __name__, template_folder="templates", static_folder="static",
                        static_url_path="/static")
_MESSAGES = {400: "请求无效或页面已过期，请返回重新操作", 403: "您无权查看或办理此内容",
             404: "未找到您要的页面或任务", 405: "不支持此操作方式", 422: "提交的内容有误",
             413: "上传的文件过大：一次上传不能超过 8 MB，请返回上一页重新选择", 500: "服务器内部错误，请稍后重试"}
log = logging.getLogger(__name__)


# Scripts only from the service's own bundles (no inline script, no handler attributes), nothing framed, nothing
# sent elsewhere. Styles may be inline: the diagram and form widgets set style attributes as they draw.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'{eval}; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                    "Referrer-Policy": "same-origin", "Cross-Origin-Opener-Policy": "same-origin"}
_EVAL = "bangfu.csp_eval"


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure when BANGFU_SECURE_COOKIES says so or the request came over HTTPS (behind a
    proxy: as its X-Forwarded-Proto says, when BANGFU_PROXY_COUNT trusts it)."""

    def get_cookie_secure(self, app):
        return bool(super().get_cookie_secure(app) or (has_request_context() and request.is_secure))


def init_app(app, api_blueprints):
    # Flask's own defaults are already in app.config (SameSite None): setdefault would keep them.
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.session_interface = SessionCookies()
    app.after_request(_security_headers)
    app.add_template_global(csp_allow_eval)
    csrf.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    formatting.init_app(app)
    assets.init_app(app)
    answer_pages_with(app, _error_page)
    from . import (audit, auth, cases, dashboard, households, inbox, incidents, messages, models,  # noqa: F401
                   money, money_nav, money_reports, notices, payments, people, reviews, standards, tasks,  # (routes
                   workdays)  # on `pages`)
    app.register_blueprint(pages)


def csp_allow_eval():
    """Called by a page that runs the task-form bundle: its validator (ajv) compiles each JSON Schema into a
    function, which a policy without 'unsafe-eval' forbids. Inline script stays forbidden there too."""
    g.setdefault(_EVAL, True)
    return ""


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY.format(
        eval=" 'unsafe-eval'" if g.get(_EVAL) else ""))
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def page_args(schema):
    """The query string parsed by the API's own schema; an empty field of a filter form counts as absent."""
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValidationFailed("筛选条件有误", flatten(exc.messages)) from None


def flash_refusal(exc):
    """Flash a domain refusal for the next page: its message, then each field's reasons (a reason that only
    repeats the message, or another field's reason, is said once)."""
    reasons = dict.fromkeys(reason for reasons in exc.fields.values() for reason in reasons if reason != exc.message)
    flash(exc.message + ("：" + "；".join(reasons) if reasons else ""), "error")


@pages.get("/favicon.ico")
def favicon():
    return send_from_directory(pages.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon",
                               max_age=86400)


def _error_page(status, message, fields, generic):
    """Errors of pages answer with the Chinese error page; the API (/api/...) and the modeler's JSON calls
    keep the JSON body."""
    if request.path.startswith("/api/") or request.is_json:
        return None
    try:
        return render_template("error.html", status=status, message=_MESSAGES.get(status, message) if generic
                               else message, fields=fields), status
    except Exception:  # the page itself cannot be drawn (the database is gone): the plain JSON body will do
        log.exception("the error page could not be rendered")
        return None
