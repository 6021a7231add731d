from marshmallow import fields, validate

from ..api.schema import Schema, computed


class MessageQuerySchema(Schema):
    unread = fields.Boolean(metadata={"description": "true: only unread messages"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class MessageSchema(Schema):
    id = fields.String(metadata={"description": "arrived-<task id> or overdue-<task id>"})
    kind = fields.String(metadata={"description": "arrived (a new task), returned (退回补正: the case was sent "
                                                  "back to this step), again (再次办理: the step came round again "
                                                  "otherwise, e.g. a second visit after an upheld objection) or "
                                                  "overdue (past its due date)"})
    kind_label = fields.String()
    text = fields.String(metadata={"description": "the message in words"})
    at = fields.DateTime(metadata={"description": "when the task arrived, or when it became overdue"})
    read = fields.Boolean()
    round = fields.Integer(metadata={"description": "which round of its step the task is (2 and more: returned or again)"})
    task_id = computed(lambda m: m.task.id, "integer")
    task_name = computed(lambda m: m.task.spec_name, "string", description="BPMN id of the task")
    task_title = computed(lambda m: m.task.title, "string")
    case_id = computed(lambda m: m.task.case_id, "integer")
    case_reference = computed(lambda m: m.task.case.reference, "string")
    household_name = computed(lambda m: m.task.case.household_name, "string", nullable=True)
    due_at = computed(lambda m: m.task.due_at.isoformat() if m.task.due_at else None, "string", nullable=True,
                      format="date-time")


class MessagePageSchema(Schema):
    items = fields.List(fields.Nested(MessageSchema))
    total = fields.Integer(metadata={"description": "counted up to 1000"})
    total_exact = fields.Boolean(metadata={"description": "false when there are more than `total`"})
    unread = fields.Integer(metadata={"description": "unread messages, counted up to 100 (more: shown as 99+)"})
    page = fields.Integer()
    page_size = fields.Integer()


class MarkReadSchema(Schema):
    ids = fields.List(fields.String(validate=validate.Length(max=40)), validate=validate.Length(max=500),
                      metadata={"description": "ids of messages to mark read; ids not among the caller's "
                                               "messages are left alone"})
    all = fields.Boolean(load_default=False, metadata={"description": "true: mark every message read (全部标为已读)"})


class MarkedSchema(Schema):
    marked = fields.Integer(metadata={"description": "messages marked read by this request"})
    unread = fields.Integer(metadata={"description": "unread messages left, counted up to 100"})
