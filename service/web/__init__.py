"""Pages for reviewers, supervisors and designers: server-rendered, Chinese, a thin shell over the same
commands, views and schemas as the API. Sessions and CSRF tokens here; the API keeps to bearer tokens."""
import logging

from flask import Blueprint, flash, render_template, request, send_from_directory
from flask_wtf.csrf import CSRFProtect
from marshmallow import EXCLUDE, ValidationError

from ..errors import ValidationFailed, answer_pages_with, flatten
from . import formatting

csrf = CSRFProtect()
pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")
_MESSAGES = {400: "请求无效或页面已过期，请返回重新操作", 403: "您无权查看或办理此内容",
             404: "未找到您要的页面或任务", 405: "不支持此操作方式", 422: "提交的内容有误",
             413: "上传的文件过大：一次上传不能超过 8 MB，请返回上一页重新选择", 500: "服务器内部错误，请稍后重试"}
log = logging.getLogger(__name__)


def init_app(app, api_blueprints):
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    formatting.init_app(app)
    answer_pages_with(app, _error_page)
    from . import (audit, auth, cases, dashboard, households, inbox, messages, models, money,  # noqa: F401  (routes
                   money_nav, money_reports, notices, payments, reviews, standards, tasks, workdays)  # on `pages`)
    app.register_blueprint(pages)


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
