"""The household register's API schemas (一户一档): list filters, a page of households, one household."""
from marshmallow import fields, validate

from ..api.schema import Money, Schema, computed
from ..cases.schemas import OrgRefSchema
from .models import STATUS_LABELS

CATEGORIES = ["deep", "relative", "sudden"]


class HouseholdQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf([str(s) for s in STATUS_LABELS]), metadata={
        "description": "declared 申报中, filed 在档, out_of_hardship 已脱困, relieved 已解困, exited 已退出, "
                       "not_filed 未建档"})
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    organisation = fields.String(validate=validate.Length(max=64), metadata={"description": "the union's code"})
    filed_year = fields.Integer(validate=validate.Range(min=1990, max=2100), metadata={
        "description": "year the household was filed (建档)"})
    review_due_before = fields.Date(metadata={"description": "next annual review due on or before this date"})
    text = fields.String(validate=validate.Length(max=100), metadata={
        "description": "part of a name or file number, or a whole resident ID number"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class HouseholdLinkSchema(Schema):
    id = fields.Integer()
    file_number = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    declared_on = fields.Date()
    closed_on = fields.Date(allow_none=True)


class HouseholdSchema(Schema):
    id = fields.Integer()
    file_number = fields.String(allow_none=True)
    worker_name = fields.String()
    id_number = computed(lambda h: h.masked["id_number"], "string",
                         description="the worker's resident ID, masked unless the role needs it")
    phone = computed(lambda h: h.masked["phone"], "string", nullable=True)
    organisation = fields.Nested(OrgRefSchema)
    employer = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    category_label = fields.String(allow_none=True)
    status = fields.String()
    status_label = fields.String()
    exit_reason = fields.String(allow_none=True)
    exit_reason_label = fields.String(allow_none=True)
    declared_on = fields.Date()
    filed_on = fields.Date(allow_none=True)
    closed_on = fields.Date(allow_none=True)
    next_review_due = fields.Date(allow_none=True)
    previous_household_id = fields.Integer(allow_none=True, metadata={
        "description": "the worker's earlier, closed file, when this one is a return"})


class HouseholdPageSchema(Schema):
    items = fields.List(fields.Nested(HouseholdSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class MemberSchema(Schema):
    name = fields.String()
    relation = fields.String(allow_none=True)
    relation_label = fields.String()
    id_number = fields.String(attribute="masked_id", allow_none=True)


class HouseholdCaseSchema(Schema):
    id = fields.Integer()
    reference = fields.String(allow_none=True)
    process = computed(lambda c: c.process_version.process_model.key, "string")
    process_name = fields.String()
    status = fields.String()
    outcome = fields.String()
    category = fields.String(allow_none=True)
    approved_amount = Money(allow_none=True)
    paid_amount = Money(allow_none=True)
    paid_on = fields.Date(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)


class VisitSchema(Schema):
    date = fields.String(allow_none=True)
    step = fields.String()
    visitors = fields.List(fields.String())
    findings = fields.String(allow_none=True)
    case_reference = fields.String(allow_none=True)


class StatusChangeSchema(Schema):
    changed_on = fields.Date()
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    to_label = fields.String()
    reason = fields.String(allow_none=True)
    reason_label = fields.String(allow_none=True)
    actor = computed(lambda c: c.actor.display_name if c.actor else "系统", "string")
    case_reference = fields.String(allow_none=True)


class BankAccountSchema(Schema):
    bank_name = fields.String(allow_none=True)
    account_name = fields.String(allow_none=True)
    card_number = fields.String(allow_none=True)


class HouseholdDetailSchema(HouseholdSchema):
    bank_account = computed(lambda h: {"bank_name": h.bank_name, "account_name": h.bank_account_name,
                                       "card_number": h.masked["bank_card_number"]}, "object")
    members = fields.List(fields.Nested(MemberSchema))
    cases = fields.List(fields.Nested(HouseholdCaseSchema), metadata={"description": "oldest first"})
    approved_total = Money()
    paid_total = Money()
    visits = fields.List(fields.Nested(VisitSchema))
    status_history = fields.List(fields.Nested(StatusChangeSchema))
    previous = fields.Nested(HouseholdLinkSchema, allow_none=True)
    later = fields.List(fields.Nested(HouseholdLinkSchema), metadata={
        "description": "files opened when the worker declared again after this one closed"})
