"""The money report's API schemas: the period asked for, and the report with every table and its total."""
from marshmallow import fields, validate

from ..api.schema import Money, Schema

FIRST_YEAR, LAST_YEAR = 2000, 2100


class PeriodQuerySchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(min=FIRST_YEAR, max=LAST_YEAR),
                          metadata={"description": "calendar year of the report"})
    month = fields.Integer(validate=validate.Range(min=1, max=12),
                           metadata={"description": "one month of the year (1-12); absent: the whole year"})


class PeriodSchema(Schema):
    year = fields.Integer()
    month = fields.Integer(allow_none=True)
    label = fields.String()
    first = fields.Date()
    last = fields.Date()


class MoneyLineSchema(Schema):
    key = fields.String(allow_none=True, metadata={"description": "the programme, fund, category or union id"})
    label = fields.String()
    times = fields.Integer(metadata={"description": "户次: awards approved in the period (see money/reports.py)"})
    awarded = Money()
    paid = Money()


class MoneyTableSchema(Schema):
    key = fields.String()
    title = fields.String()
    lines = fields.List(fields.Nested(MoneyLineSchema))
    total = fields.Nested(MoneyLineSchema, allow_none=True)


class RegisterLineSchema(Schema):
    key = fields.String(allow_none=True)
    label = fields.String()
    at_start = fields.Integer()
    entered = fields.Integer()
    exited = fields.Integer()
    at_end = fields.Integer()


class RegisterTableSchema(Schema):
    title = fields.String()
    lines = fields.List(fields.Nested(RegisterLineSchema))
    total = fields.Nested(RegisterLineSchema, allow_none=True)


class MonthLineSchema(Schema):
    month = fields.Integer()
    label = fields.String()
    entered = fields.Integer()
    exited = fields.Integer()
    at_end = fields.Integer(metadata={"description": "households filed (在档) at the month's end"})


class MonthTableSchema(Schema):
    title = fields.String()
    lines = fields.List(fields.Nested(MonthLineSchema))
    total = fields.Nested(MonthLineSchema, allow_none=True)


class GrantLineSchema(Schema):
    student_name = fields.String(allow_none=True)
    school_level = fields.String(allow_none=True)
    school_level_label = fields.String()
    amount = Money()
    file_number = fields.String(allow_none=True)
    worker_name = fields.String()
    union = fields.String()
    approved_on = fields.Date()


class GrantTotalSchema(Schema):
    count = fields.Function(lambda table: len(table.lines))
    amount = fields.Function(lambda table: f"{table.total.amount:.2f}" if table.lines else "0.00")


class GrantTableSchema(Schema):
    title = fields.String()
    lines = fields.List(fields.Nested(GrantLineSchema))
    total = fields.Function(lambda table: GrantTotalSchema().dump(table),
                            metadata={"type": "object", "description": "students and the yuan granted"})


class MoneyReportSchema(Schema):
    period = fields.Nested(PeriodSchema)
    centre = fields.String()
    register = fields.Nested(RegisterTableSchema)
    money = fields.Dict(keys=fields.String(), values=fields.Nested(MoneyTableSchema), metadata={
        "description": "by programme, fund_source, category and organisation (the union)"})
    grants = fields.Nested(GrantTableSchema)
    months = fields.Nested(MonthTableSchema)
