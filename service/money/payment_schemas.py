"""Schemas of the payment batches' API: bank account numbers leave the service masked (the bank file alone
carries them whole)."""
from marshmallow import fields, validate

from ..api.schema import FileUpload, Money, RowId, Schema, computed
from ..households.identity import mask_number, mask_phone
from .models import BATCH_STATUS_LABELS, PROGRAMME_LABELS, Programme
from .verification import VERIFIED_WITH

LINE_STATE_LABELS = {"pending": "待回盘", "paid": "已发放", "failed": "发放失败", "released": "已退出批次"}
PROGRAMMES = validate.OneOf([p.value for p in Programme])


class BuildArgs(Schema):
    due_through = fields.Date(load_default=None, metadata={
        "description": "instalments due on or before this day; default today (China's date, the service's clock)"})
    programme = fields.String(validate=PROGRAMMES, allow_none=True, load_default=None)
    note = fields.String(validate=validate.Length(max=2000), allow_none=True, load_default=None)


class ExclusionSchema(Schema):
    household_id = fields.Integer()
    worker_name = fields.String()
    purpose = fields.String()
    amount = Money()
    reason = fields.String()


class BatchSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    due_through = fields.Date()
    programme = fields.String(allow_none=True)
    programme_label = computed(lambda b: PROGRAMME_LABELS.get(b.programme, "全部项目"), "string")
    status = fields.String()
    status_label = computed(lambda b: BATCH_STATUS_LABELS.get(b.status, b.status), "string")
    line_count = fields.Integer()
    total_amount = Money()
    bank_layout = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    built_by = computed(lambda b: b.built_by.display_name, "string")
    built_at = fields.DateTime()
    approved_by = computed(lambda b: b.approved_by.display_name if b.approved_by else None, "string", nullable=True)
    approved_at = fields.DateTime(allow_none=True)
    exported_at = fields.DateTime(allow_none=True)
    settled_at = fields.DateTime(allow_none=True)


class LineSchema(Schema):
    id = fields.Integer()
    sequence = fields.Integer()
    reference = fields.String()
    household_id = fields.Integer()
    payee_name = fields.String()
    account_number = computed(lambda line: mask_number(line.account_number), "string",
                              description="masked: the bank file alone carries it whole")
    bank_name = fields.String()
    phone = computed(lambda line: mask_phone(line.phone) if line.phone else None, "string", nullable=True)
    amount = Money()
    purpose = fields.String()
    state = fields.String()
    state_label = computed(lambda line: LINE_STATE_LABELS.get(line.state, line.state), "string")
    failure_reason = fields.String(allow_none=True)
    bank_reference = fields.String(allow_none=True)
    settled_on = fields.Date(allow_none=True)


class BuildResultSchema(Schema):
    batch = fields.Nested(BatchSchema, allow_none=True)
    excluded = fields.List(fields.Nested(ExclusionSchema))


class BatchDetailSchema(Schema):
    batch = fields.Nested(BatchSchema)
    lines = fields.List(fields.Nested(LineSchema))


class FileArgs(Schema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    layout = fields.String(load_default="generic", validate=validate.Length(max=32))


class ResultUploadSchema(Schema):
    file = FileUpload(required=True, metadata={"description": "the bank's result file, xlsx or CSV (UTF-8 or GBK)"})


class ImportSchema(Schema):
    batch = fields.Nested(BatchSchema)
    paid = fields.Integer()
    failed = fields.Integer()
    unchanged = fields.Integer()
    cases_paid = fields.List(fields.Integer(), metadata={"description": "hardship cases whose payment this closed"})


class VerificationArgs(Schema):
    line_id = RowId("代发明细", required=True, strict=True)
    bank_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    account_number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    account_holder = fields.String(required=True, validate=validate.Length(min=1, max=100))
    verified_with = fields.String(required=True, validate=validate.OneOf(list(VERIFIED_WITH)))
    note = fields.String(validate=validate.Length(max=2000), allow_none=True, load_default=None)


class VerificationSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    line_id = fields.Integer()
    bank_name = fields.String()
    account_number = computed(lambda v: mask_number(v.account_number), "string")
    account_holder = fields.String()
    verified_with = fields.String()
    verified_at = fields.DateTime()


class ReconcileArgs(Schema):
    date_from = fields.Date(required=True, data_key="from")
    date_to = fields.Date(required=True, data_key="to")
    programme = fields.String(validate=PROGRAMMES, load_default=None)


class DifferenceSchema(Schema):
    award_id = fields.Integer()
    instalment_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    purpose = fields.String()
    reason = fields.String()
    amount = Money()


class ReconciliationSchema(Schema):
    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")
    programme = fields.String(allow_none=True)
    award_count = fields.Integer()
    awarded = Money()
    paid = Money()
    pending = Money(metadata={"description": "held after a failure, in an open batch, or due awaiting a batch"})
    not_yet_due = Money()
    balanced = fields.Boolean()
    differences = fields.List(fields.Nested(DifferenceSchema))
