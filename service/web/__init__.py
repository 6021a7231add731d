"""Pages for reviewers, supervisors and designers: server-rendered, Chinese, a thin shell over the same
commands, views and schemas as the API. Sessions and CSRF tokens here; the API keeps to bearer tokens."""
from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFProtect
from marshmallow import EXCLUDE, ValidationError
from werkzeug.exceptions import HTTPException

from ..errors import DomainError, ValidationFailed, error_response, flatten
from . import formatting

csrf = CSRFProtect()
pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")
_MESSAGES = {400: "请求无效或页面已过期，请返回重新操作", 403: "您无权查看或办理此内容",
             404: "未找到您要的页面或任务", 422: "提交的内容有误"}


def init_app(app, api_blueprints):
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    for blueprint in api_blueprints:
        csrf.exempt(blueprint)
    formatting.init_app(app)
    from . import auth, cases, dashboard, inbox, models, tasks  # noqa: F401  (routes register on `pages`)
    app.register_blueprint(pages)


def page_args(schema):
    """The query string parsed by the API's own schema; an empty field of a filter form counts as absent."""
    raw = {key: value for key, value in request.args.items() if value != ""}
    try:
        return schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        raise ValidationFailed("筛选条件有误", flatten(exc.messages)) from None


@pages.errorhandler(DomainError)
def _domain_error(exc):
    """A page, or for the modeler's JSON calls the API's JSON error body."""
    if request.is_json:
        return error_response(exc.status, exc.code, exc.message, exc.fields)
    return render_template("error.html", status=exc.status, message=exc.message, fields=exc.fields), exc.status


@pages.errorhandler(HTTPException)
def _page_error(exc):
    """Pages answer errors with a page (the modeler's JSON calls with the API's JSON body)."""
    if request.is_json:
        return error_response(exc.code, exc.name.lower().replace(" ", "_"), _MESSAGES.get(exc.code, exc.name))
    return render_template("error.html", status=exc.code, message=_MESSAGES.get(exc.code, exc.name)), exc.code
