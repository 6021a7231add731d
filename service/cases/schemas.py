from marshmallow import fields, validate

from ..api.schema import Money, Schema, computed
from ..households.assessment import CATEGORY_LABELS
from ..tasks.deadlines import pending_text
from .history import ACTION_LABELS
from .models import LIST_STATUS_LABELS, STATUS_LABELS


class OrgRefSchema(Schema):
    code = fields.String()
    name = fields.String()


class OpenTaskRefSchema(Schema):
    id = fields.Integer()
    name = fields.String(attribute="spec_name")
    title = fields.String()
    role = fields.String()
    assignee = computed(lambda t: t.assignee.username if t.assignee else None, "string", nullable=True)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    due_pending = computed(lambda t: pending_text(t.due_pending_year) if t.due_pending_year else None, "string",
                           nullable=True, description="why the task has no due date yet (期限待定)")


class CaseSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    process = computed(lambda c: c.process_version.process_model.key, "string")
    process_version = computed(lambda c: c.process_version.version, "integer")
    household_id = fields.Integer(allow_none=True, metadata={
        "description": "the household (一户一档) it belongs to, once its declaration was submitted"})
    household_name = fields.String(allow_none=True)
    employer = fields.String(allow_none=True)
    organisation = fields.Nested(OrgRefSchema)
    third_party_organisation = fields.Nested(OrgRefSchema, attribute="third_party_org", allow_none=True)
    status = fields.String()
    status_label = computed(lambda c: STATUS_LABELS.get(c.status, c.status), "string")
    stage = fields.String(allow_none=True)
    suggested_category = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    category_label = computed(lambda c: CATEGORY_LABELS.get(c.category) if c.category else None, "string",
                              nullable=True)
    file_number = fields.String(allow_none=True)
    approved_amount = Money(allow_none=True)
    paid_amount = Money(allow_none=True)
    incident = fields.String(allow_none=True)
    created_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True, metadata={"description": "when its declaration was submitted"})
    draft = fields.Boolean(attribute="is_draft", metadata={"description": "declared and never submitted (草稿)"})
    updated_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    open_tasks = fields.List(fields.Nested(OpenTaskRefSchema))
    returned_for_correction = fields.Boolean(metadata={
        "description": "the last step returned it for correction (退回补正)"})


class EventSchema(Schema):
    at = fields.DateTime(attribute="occurred_at")
    actor = computed(lambda e: e.actor.username if e.actor else None, "string", nullable=True)
    actor_name = computed(lambda e: e.actor.display_name if e.actor else "系统", "string")
    action = fields.String()
    action_label = computed(lambda e: ACTION_LABELS.get(e.action, e.action), "string")
    task = fields.String(attribute="task_name", allow_none=True)
    task_title = fields.String(allow_none=True)
    decision = fields.String(allow_none=True)
    opinion = fields.String(allow_none=True)


class CaseDetailSchema(CaseSchema):
    data = fields.Dict()
    history = fields.List(fields.Nested(EventSchema))


class CaseCreateSchema(Schema):
    process = fields.String(required=True, validate=validate.Length(min=1, max=100), metadata={
        "description": "key of a deployed process model", "example": "hardship_assistance"})
    data = fields.Dict(load_default=None, metadata={"description": "draft of the first task's form"})


class CaseCreateHeadersSchema(Schema):
    idempotency_key = fields.String(data_key="Idempotency-Key", validate=validate.Regexp(
        r"^[\x21-\x7e]{1,64}$", error="应为 1 至 64 个可打印 ASCII 字符"), metadata={
        "description": "the client's own name for this declaration (a UUID, say): a retry with the same key "
                       "answers 200 with the case the first request started, never a second case",
        "example": "0f8b1f3c-8d1e-4d43-9a55-2f6c1c5e9b7a"})


class CaseQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(list(LIST_STATUS_LABELS)), metadata={
        "description": "a case status, or draft for declarations never submitted; without it, submitted cases "
                       "that were not withdrawn"})
    stage = fields.String(metadata={"description": "BPMN id of an open task, e.g. re_review"})
    organisation = fields.String(metadata={"description": "declaring union's code"})
    category = fields.String(validate=validate.OneOf(["deep", "relative", "sudden"]))
    overdue = fields.Boolean(metadata={"description": "only cases with a task past its due date"})
    text = fields.String(validate=validate.Length(max=100))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class CasePageSchema(Schema):
    items = fields.List(fields.Nested(CaseSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
