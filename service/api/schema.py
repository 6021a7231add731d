"""The base of every marshmallow schema in the service, and the API's own field types.

Every schema derives from `Schema`, whose public `error_messages` carry the Chinese schema-level
messages (api.messages). `Money` is how amounts are dumped: a string with two decimals, described in
the OpenAPI document as such (bangfu.api registers it). `FileUpload` is a file part of a
multipart/form-data body. `RowId` is a row's id in a request body. `computed` is a read-only value worked out from the object, with its
OpenAPI type stated (marshmallow's Function field has none). `listing` and `page_of` are the one envelope of a
list answer ({"items": [...]}, a page adding total, page and page_size).
"""
import marshmallow
from flask_smorest.fields import Upload
from marshmallow import fields, validate
from werkzeug.datastructures import FileStorage

from .messages import SCHEMA_MESSAGES

MONEY_PATTERN = r"^-?[0-9]+\.[0-9]{2}$"
MAX_ROW_ID = 2**31 - 1  # the id columns: PostgreSQL's 32-bit integer (URL ids are bounded alike: IdConverter)


class Schema(marshmallow.Schema):
    error_messages = SCHEMA_MESSAGES


class Money(fields.Decimal):
    """An amount of yuan, dumped as a string with exactly two decimals ("6000.00"), never as a float."""

    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=True, **kwargs)


class RowId(fields.Integer):
    """The id of a row (`what`, e.g. 资金标准) in a request body. A number no id can be (below 1, or past the id
    columns, where PostgreSQL's integer overflowed into the generic 422 输入包含无法保存的字符 while SQLite looked
    it up) is refused before any query, on either database, naming the field and saying it does not exist."""

    def __init__(self, what, **kwargs):
        super().__init__(validate=validate.Range(min=1, max=MAX_ROW_ID, error=f"{what}不存在（编号 {{input}}）"),
                         **kwargs)


def money_properties(_converter, field, **_kwargs):
    """apispec attribute function (bound to its converter): a Money field is a decimal string of this pattern."""
    return {"pattern": MONEY_PATTERN} if isinstance(field, Money) else {}


class FileUpload(Upload):
    """A file part of a multipart/form-data body; a plain form field of the same name is refused."""

    default_error_messages = {"invalid": "应为上传的文件"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, FileStorage):
            raise self.make_error("invalid")
        return value


def computed(function, type_, nullable=False, **metadata):
    """A read-only value computed from the object, documented as `type_` (and null if `nullable`)."""
    return fields.Function(function, allow_none=nullable, metadata={"type": type_, **metadata})


def listing(item_schema, name, **more):
    """The schema `name` of a list answer: {"items": [item_schema...], **more}."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item_schema)), **more}, name=name)


def page_of(item_schema, name, **more):
    """The schema `name` of one page of a longer list: its items, how many in all, which page of what size."""
    return listing(item_schema, name, total=fields.Integer(), page=fields.Integer(), page_size=fields.Integer(),
                   **more)
