"""The audit log's API schemas: the search and a page of entries."""
from datetime import date

from marshmallow import ValidationError, fields, validate, validates_schema

from ..api.schema import Schema
from .labels import ACTIONS


DAYS = validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31))


class AuditQuerySchema(Schema):
    date_from = fields.Date(validate=DAYS, metadata={"description": "entries on or after this day (China time)"})
    date_to = fields.Date(validate=DAYS, metadata={"description": "entries on or before this day (China time)"})
    actor = fields.String(validate=validate.Length(max=64), metadata={"description": "the username who acted"})
    action = fields.String(validate=validate.Length(max=120), metadata={
        "description": "an action code, e.g. " + ", ".join(list(ACTIONS)[:4])})
    reference = fields.String(validate=validate.Length(max=64), metadata={
        "description": "a case reference or file number, a household's file number or a payment batch reference"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))

    @validates_schema
    def _range(self, data, **_kwargs):
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise ValidationError("结束日期不能早于开始日期", "date_to")


class AuditEntrySchema(Schema):
    seq = fields.Integer(metadata={"description": "the entry's place in the chain, from 1"})
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(metadata={"description": "username, `system` for the CLI and the scheduler; for "
                                                        "a failed sign-in the name typed"})
    address = fields.String(allow_none=True)
    action = fields.String()
    action_label = fields.String()
    subject_kind = fields.String(allow_none=True)
    subject_label = fields.String(allow_none=True)
    subject_id = fields.Integer(allow_none=True)
    subject_reference = fields.String(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    household_file_number = fields.String(allow_none=True)
    detail = fields.Dict(metadata={"description": "rows written by table, subjects by kind, steps: no personal data"})
    hash = fields.String()


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
