"""Domain exceptions and the one handler that turns every error into a JSON body, or, for a page, into
the page the web part registers with `answer_pages_with` (the API under /api/ always answers JSON).

Body: {"error": {"code": ..., "message": ..., "fields": {"path.to.field": ["reason", ...]}}}
"""
import logging

from flask import current_app, jsonify, make_response
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import HTTPException

from .sealing import SealError

log = logging.getLogger(__name__)


class DomainError(Exception):
    status = 400
    code = "bad_request"
    headers = ()

    def __init__(self, message, fields=None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class Unauthorized(DomainError):
    status, code = 401, "unauthorized"


class Forbidden(DomainError):
    status, code = 403, "forbidden"


class NotFound(DomainError):
    status, code = 404, "not_found"


class Conflict(DomainError):
    status, code = 409, "conflict"


class ValidationFailed(DomainError):
    status, code = 422, "validation_failed"


class TooManyRequests(DomainError):
    """Refused for now; `retry_after` seconds tells when to try again (the Retry-After header)."""

    status, code = 429, "too_many_requests"

    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = [("Retry-After", str(retry_after))]


_HTTP_MESSAGES = {
    400: "请求有误", 401: "请先登录或提供有效的访问令牌", 403: "无权执行此操作", 404: "未找到",
    405: "不支持的请求方法", 409: "操作冲突，请刷新后重试", 413: "上传内容过大", 415: "不支持的内容类型",
    422: "提交的数据有误", 500: "服务器内部错误", 503: "服务暂时不可用",
}


_PAGE_ERRORS = "bangfu.page_errors"


def answer_pages_with(app, render):
    """`render(status, message, fields, generic)` answers errors of requests for pages: a response, or None
    to answer JSON after all; `generic` is true when `message` only names the HTTP status."""
    app.extensions[_PAGE_ERRORS] = render


def _answer(status, code, message, fields=None, headers=None, generic=False):
    render = current_app.extensions.get(_PAGE_ERRORS)
    page = render(status, message, fields, generic) if render is not None else None
    if page is not None:
        response = make_response(page)
        response.headers.extend(headers or [])
        return response
    return error_response(status, code, message, fields, headers)


def error_response(status, code, message, fields=None, headers=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return jsonify(body), status, headers or []


def passed_headers(exc):
    """The headers werkzeug gives an HTTP error (Allow on a 405, WWW-Authenticate, Retry-After...),
    less those of its HTML body, which the JSON body replaces."""
    return [(name, value) for name, value in exc.get_headers()
            if name.lower() not in ("content-type", "content-length")]


def flatten(messages, prefix=""):
    """webargs/marshmallow nest errors by location and field; name each field by its path."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, dict):
                flat.update(flatten(value, path))
            else:
                flat[path] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return flat


def _strip_location(fields):
    """`json.username` -> `username`; `json._schema` (the body as a whole) -> `body`."""
    named = {}
    for key, value in fields.items():
        location, _, rest = key.partition(".")
        if location in {"json", "query", "files", "form", "multipart"} and rest:
            key = rest
        named["body" if key == "_schema" else key] = value
    return named


def init_app(app):
    @app.errorhandler(DomainError)
    def _domain(exc):
        return _answer(exc.status, exc.code, exc.message, exc.fields, list(exc.headers))

    @app.errorhandler(DataError)
    def _unstorable(_exc):
        return _answer(422, "validation_failed", "输入包含无法保存的字符，或数值、文字超出允许范围")

    @app.errorhandler(IntegrityError)
    def _duplicate(_exc):
        return _answer(409, "conflict", "与已有数据冲突（例如编号重复），本次操作未生效，请刷新后重试")

    @app.errorhandler(RecursionError)
    def _too_deep(_exc):
        return _answer(400, "bad_request", "请求体嵌套过深", {"body": ["嵌套层级过多"]})

    @app.errorhandler(SchemaValidationError)
    def _schema(exc):
        return _answer(422, "validation_failed", _HTTP_MESSAGES[422], flatten(exc.messages))

    @app.errorhandler(HTTPException)
    def _http(exc):
        fields = None
        data = getattr(exc, "data", None)
        if data and "messages" in data:
            fields = _strip_location(flatten(data["messages"]))
        message = _HTTP_MESSAGES.get(exc.code, exc.name)
        code = "validation_failed" if exc.code == 422 else exc.name.lower().replace(" ", "_")
        return _answer(exc.code, code, message, fields, passed_headers(exc), generic=True)

    @app.errorhandler(SealError)
    def _unreadable(exc):
        # The message names the column and the key id, never a value: an operator can act on it.
        log.error("sealed data unreadable: %s", exc)
        return _answer(503, "data_unreadable", "部分数据无法解密：服务缺少加密这些数据时使用的密钥，"
                       "或数据已被改动。本次操作未生效，请联系系统管理员（详见服务日志）。")

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(getattr(exc, "orig", None), SealError):  # raised while binding, wrapped by SQLAlchemy
            return _unreadable(exc.orig)
        log.exception("unhandled error")
        return _answer(500, "internal_error", _HTTP_MESSAGES[500], generic=True)
