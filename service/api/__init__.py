"""The API's conventions in one place: how request bodies are read, and the OpenAPI document's types.

Request bodies: JSON is read by `loads`, which refuses what is not JSON the service can store (NaN and
Infinity literals, numbers too large for a float or too long for an integer, unpaired surrogates), so
no route ever sees such a value; the API's parser (every blueprint's, through `Blueprint`) and Flask's
own request.get_json (the pages' JSON calls) both use it. A multipart/form-data body is one location,
`multipart`, holding its form fields and its files, and is documented as one requestBody.
"""
import json
import math
import re

import flask_smorest
from flask.json.provider import DefaultJSONProvider
from marshmallow import missing
from webargs.flaskparser import FlaskParser, is_json_request
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from .errors import ErrorSchema
from .schema import Money, money_properties
from ..errors import DomainError

NOT_JSON = "不是有效的 JSON"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class BodyNotJson(ValueError):
    """A request body that is not JSON the service can store; `reason` says why, in Chinese."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class InvalidBody(DomainError):
    status, code = 400, "bad_request"


def _refuse_constant(name):
    raise BodyNotJson(f"{NOT_JSON}：不允许 {name}")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise BodyNotJson("数值超出范围")
    return value


def loads(data):
    """JSON text or UTF-8 bytes to Python values; raises BodyNotJson for anything the service cannot store."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise BodyNotJson(f"{NOT_JSON}：应为 UTF-8 编码") from None
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except BodyNotJson:
        raise
    except json.JSONDecodeError:
        raise BodyNotJson(NOT_JSON) from None
    except ValueError:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        raise BodyNotJson("数值位数过多") from None
    except RecursionError:
        raise BodyNotJson("嵌套层级过多") from None
    if _SURROGATE_ESCAPE.search(data):  # a \uD800-\uDFFF escape may leave half a character behind
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise BodyNotJson("包含无效的 Unicode 字符（不成对的代理项）") from None
    return value


def body_error(exc):
    message = "请求体不是有效的 JSON" if exc.reason.startswith(NOT_JSON) else "请求体包含无法保存的数据"
    return InvalidBody(message, {"body": [exc.reason]})


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON with the same strict reading as the API's parser, and Chinese left unescaped."""

    ensure_ascii = False

    def loads(self, s, **kwargs):
        return loads(s)


class Parser(FlaskParser):
    """webargs' Flask parser reading JSON with `loads`, plus the `multipart` location (form fields and files)."""

    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_json(self, req, schema):
        if not is_json_request(req):
            return missing
        data = req.get_data(cache=True)
        if not data:
            return missing
        try:
            return loads(data)
        except BodyNotJson as exc:
            raise body_error(exc) from None

    def load_multipart(self, req, schema):
        return MultiDictProxy(CombinedMultiDict([req.files, req.form]), schema)


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprints: bodies read by `Parser`; `location="multipart"` documented as multipart/form-data."""

    ARGUMENTS_PARSER = Parser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING, "multipart": "multipart/form-data"}


class Api(flask_smorest.Api):
    """flask-smorest's API documenting our JSON error body, with our field types. Its own error handler is
    replaced by ours: errors.init_app runs after it (the last handler registered for a class wins)."""

    ERROR_SCHEMA = ErrorSchema

    def init_app(self, app, **kwargs):
        super().init_app(app, **kwargs)
        self.register_field(Money, "string", "decimal")
        self.ma_plugin.converter.add_attribute_function(money_properties)
