"""Pages for reviewers, supervisors and designers: server-rendered, Chinese, on the same operations
and access rules as the API. Sessions and CSRF tokens here; the API keeps to bearer tokens."""
from flask import Blueprint, render_template
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import HTTPException

from . import formatting

csrf = CSRFProtect()
pages = Blueprint("pages", __name__, template_folder="templates", static_folder="static",
                  static_url_path="/static")


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


@pages.errorhandler(HTTPException)
def _page_error(exc):
    """Pages answer errors with a page, not the API's JSON body."""
    messages = {400: "请求无效或页面已过期，请返回重新操作", 403: "您无权查看或办理此内容",
                404: "未找到您要的页面或任务", 422: "提交的内容有误"}
    return render_template("error.html", status=exc.code, message=messages.get(exc.code, exc.name)), exc.code
