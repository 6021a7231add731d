"""The JSON error body every endpoint answers with, as marshmallow schemas for the OpenAPI document."""
from marshmallow import fields

from .schema import Schema


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={
        "description": "machine-readable: unauthorized, forbidden, not_found, conflict, validation_failed, "
                       "bad_request, internal_error, or another HTTP status in snake case (method_not_allowed)"})
    message = fields.String(required=True, metadata={"description": "what went wrong, in Chinese"})
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "field path (e.g. data.id_number) -> reasons"})


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)
