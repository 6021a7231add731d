"""API schemas of fund standards and half-yearly adjustment lists. Amounts in: JSON numbers or decimal strings
(checked to the fen by the domain); amounts out: decimal strings with two decimals."""
from marshmallow import fields, post_load, validate

from ..api.schema import Money, RowId, Schema, computed, listing
from ..households.assessment import CATEGORY_LABELS
from ..wording import yuan
from . import standards
from .models import PROGRAMME_LABELS, UNIT_LABELS, StandardStatus

_TEXT = {"validate": validate.Length(max=200)}


def _amount_in(**kwargs):
    return fields.Decimal(allow_nan=False, **kwargs)


class ItemInSchema(Schema):
    programme = fields.String(required=True, metadata={"description": "living, education, medical, warmth, sudden"})
    category = fields.String(load_default=None, allow_none=True, metadata={
        "description": "deep, relative or sudden (living aid); empty: any category"})
    school_level = fields.String(load_default=None, allow_none=True, metadata={
        "description": "education only: university, high_school, secondary_vocational, junior_high, primary"})
    rule = fields.String(required=True, metadata={"description": "fixed (exactly) or cap (at most)"})
    amount = _amount_in(required=True, metadata={"description": "yuan, to the fen"})
    unit = fields.String(load_default=None, allow_none=True, metadata={
        "description": "household_month, student_year, case or household; default: the programme's"})


class StandardInSchema(Schema):
    title = fields.String(load_default=None, allow_none=True, **_TEXT)
    period_kind = fields.String(required=True, metadata={"description": "year or half_year"})
    effective_from = fields.Date(required=True, metadata={"description": "1 January, or 1 July for a half-year"})
    effective_to = fields.Date(load_default=None, allow_none=True, metadata={
        "description": "the period's last day; default: worked out from the period"})
    document_number = fields.String(required=True, validate=validate.Length(max=100), metadata={
        "description": "文号, e.g. 苏工党〔2025〕12号"})
    document_date = fields.Date(required=True)
    issuer = fields.String(required=True, **_TEXT)
    dibao_line = _amount_in(required=True, metadata={"description": "低保 line, yuan per person per month"})
    relative_multiplier = _amount_in(required=True, metadata={"description": "相对困难: below this × 低保"})
    sudden_multiplier = _amount_in(required=True, metadata={"description": "意外致困: below this × 低保"})
    replaces_id = RowId("被替代的资金标准", load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    items = fields.List(fields.Nested(ItemInSchema), required=True)

    @post_load
    def to_draft(self, data, **kwargs):
        return standards.Draft(**data)


class DecisionSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000), metadata={
        "description": "the approver's note; required to reject"})


class UserRefSchema(Schema):
    username = fields.String()
    display_name = fields.String()


class ItemSchema(Schema):
    id = fields.Integer()
    programme = fields.String()
    programme_label = computed(lambda i: PROGRAMME_LABELS.get(i.programme), "string")
    category = fields.String(allow_none=True)
    category_label = computed(lambda i: CATEGORY_LABELS.get(i.category), "string", nullable=True)
    school_level = fields.String(allow_none=True)
    school_level_label = computed(lambda i: standards.SCHOOL_LEVELS.get(i.school_level), "string", nullable=True)
    rule = fields.String()
    rule_label = computed(lambda i: standards.RULES.get(i.rule), "string")
    amount = Money()
    unit = fields.String()
    unit_label = computed(lambda i: UNIT_LABELS.get(i.unit), "string")
    limit = computed(standards.limit_text, "string", description="e.g. 最高 ¥1,208.00 元/户·月")


class StandardSchema(Schema):
    id = fields.Integer()
    title = fields.String()
    period_kind = fields.String()
    period_label = computed(standards.period_label, "string")
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)
    document_number = fields.String()
    document_date = fields.Date()
    issuer = fields.String()
    dibao_line = Money()
    relative_multiplier = Money()
    sudden_multiplier = Money()
    status = fields.String()
    status_label = computed(lambda s: StandardStatus(s.status).label, "string")
    replaces_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    drafted_by = fields.Nested(UserRefSchema)
    drafted_at = fields.DateTime()
    approved_by = fields.Nested(UserRefSchema, allow_none=True, metadata={"description": "who decided it"})
    approved_at = fields.DateTime(allow_none=True)
    decision_note = fields.String(allow_none=True)


class StandardDetailSchema(StandardSchema):
    items = fields.List(fields.Nested(ItemSchema))


StandardListSchema = listing(StandardSchema, "StandardListSchema", in_force_id=fields.Integer(
    allow_none=True, metadata={"description": "the standard in force today"}))


class StandardQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in StandardStatus]))


# ---------------------------------------------------------------- adjustments

class GenerateSchema(Schema):
    standard_id = RowId("资金标准", required=True, metadata={
        "description": "an approved standard without a list"})


class LineEditSchema(Schema):
    id = RowId("调整清单中的这一行", required=True)
    proposed_amount = _amount_in(required=True, metadata={"description": "monthly, yuan (元/户·月)"})
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class LinesEditSchema(Schema):
    lines = fields.List(fields.Nested(LineEditSchema), required=True, validate=validate.Length(min=1, max=100_000))


class LineDecisionSchema(Schema):
    id = RowId("调整清单中的这一行", required=True)
    decision = fields.String(required=True, validate=validate.OneOf(["approved", "rejected"]))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500), metadata={
        "description": "the approver's note on the line (its decision_note; the centre's note is not changed)"})


class ListDecisionSchema(Schema):
    lines = fields.List(fields.Nested(LineDecisionSchema), load_default=list, metadata={
        "description": "line-by-line decisions; a line not named is approved (empty: approve the whole list)"})


class AdjustmentLineSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    file_number = fields.String(allow_none=True)
    worker_name = fields.String()
    category = fields.String(allow_none=True)
    category_label = fields.String(allow_none=True)
    current_award_id = fields.Integer(allow_none=True)
    current_amount = Money(allow_none=True)
    proposed_amount = Money()
    proposed_shown = computed(lambda line: yuan(line["proposed_amount"]), "string")
    note = fields.String(allow_none=True, metadata={"description": "the centre's"})
    decision = fields.String(allow_none=True)
    decision_note = fields.String(allow_none=True, metadata={"description": "the approver's"})
    new_award_id = fields.Integer(allow_none=True)


class AdjustmentSchema(Schema):
    id = fields.Integer()
    standard_id = fields.Integer()
    standard_title = fields.String()
    document_number = fields.String()
    effective_from = fields.Date()
    status = fields.String()
    status_label = fields.String()
    created_by = fields.Nested(UserRefSchema)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)
    approved_by = fields.Nested(UserRefSchema, allow_none=True)
    approved_at = fields.DateTime(allow_none=True)
    line_count = fields.Integer()
    current_total = Money(metadata={"description": "sum of the current monthly amounts"})
    proposed_total = Money(metadata={"description": "sum of the proposed monthly amounts"})


class AdjustmentDetailSchema(AdjustmentSchema):
    lines = fields.List(fields.Nested(AdjustmentLineSchema))


AdjustmentListSchema = listing(AdjustmentSchema, "AdjustmentListSchema")
