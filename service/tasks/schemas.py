from marshmallow import fields, validate

from ..api.schema import Schema, computed
from ..cases.models import STATUS_LABELS
from ..cases.schemas import EventSchema, OpenTaskRefSchema
from ..db import utcnow
from .deadlines import is_overdue, pending_text


def _waiting_hours(task):
    end = task.completed_at or utcnow()
    return round((end - task.created_at).total_seconds() / 3600, 1)


class TaskSchema(Schema):
    id = fields.Integer()
    case_id = fields.Integer()
    case_reference = computed(lambda t: t.case.reference, "string")
    household_name = computed(lambda t: t.case.household_name, "string", nullable=True)
    file_number = computed(lambda t: t.case.file_number, "string", nullable=True)
    name = fields.String(attribute="spec_name")
    title = fields.String()
    role = fields.String()
    state = fields.String()
    assignee = computed(lambda t: t.assignee.username if t.assignee else None, "string", nullable=True)
    delegated = computed(lambda t: bool(getattr(t, "delegated", False)), "boolean",
                         description="in an inbox: claimed by a colleague who delegated their tasks to the caller (委托)")
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True, metadata={"description": "办理期限: late after this instant"})
    overdue = computed(lambda t: is_overdue(t, utcnow()), "boolean", description="open and past its due date")
    due_pending = computed(lambda t: pending_text(t.due_pending_year) if t.due_pending_year else None, "string",
                           nullable=True, description="why an open task has no due date yet: the working days "
                           "it has run into a year whose holidays are not imported (期限待定)")
    completed_at = fields.DateTime(allow_none=True)
    waiting_hours = computed(_waiting_hours, "number", description="hours open (until completed), one decimal")


class RoundSchema(Schema):
    name = fields.String(attribute="task.spec_name")
    title = fields.String(attribute="task.title")
    round = fields.Integer(metadata={"description": "1 for the step's first round, 2 after it came round again"})
    completed_at = fields.DateTime(attribute="task.completed_at")
    completed_by = computed(lambda r: r["task"].completed_by.username if r["task"].completed_by else None,
                            "string", nullable=True)
    data = fields.Dict(metadata={"description": "what this round recorded, masked for the caller"})
    facts = fields.List(fields.String(), metadata={"description": "its key facts in words"})


class TaskDetailSchema(TaskSchema):
    form = fields.Dict(metadata={"description": "{schema, ui_schema}"})
    data = fields.Dict(metadata={"description": "current values of this task's form"})
    context = fields.Dict(metadata={"description": "case data gathered so far, masked for the caller"})
    assessment = fields.Dict(allow_none=True, metadata={
        "description": "the system's assessment (declared, or verified after the visit), its warnings and "
                       "the category re-review decided, masked for the caller"})
    household_warnings = fields.List(fields.String(), metadata={
        "description": "初审: a member of this household who is in another filed household, with its file number"})
    budget_warnings = fields.List(fields.String(), metadata={
        "description": "on an approval: approving would pass the programme's remaining budget for the year, or it "
                       "has none (a warning: the approver decides)"})
    household_file = fields.Dict(allow_none=True, metadata={
        "description": "on the annual review's and the exit's tasks: the household's file (number, category, "
                       "union, status, people, phone masked for the caller, dates)"})
    exit_suggestion = fields.Dict(allow_none=True, metadata={
        "description": "on the annual review's conclusion, an exit request and its approval: whether the incomes recorded "
                       "for the household suggest 脱困 (6 consecutive months above the 低保 line), masked"})
    round = fields.Integer(allow_none=True, metadata={
        "description": "which round of its step this open task is: 2 and more when it came round again"})
    earlier_steps = fields.List(fields.Nested(RoundSchema), metadata={
        "description": "every completed round of every step, oldest first, each with its own answers"})
    history = fields.List(fields.Nested(EventSchema))


class TaskQuerySchema(Schema):
    mine = fields.Boolean(metadata={"description": "true: claimed by me; false: waiting to be claimed"})
    step = fields.String(validate=validate.Length(max=100), metadata={"description": "BPMN id of the task"})
    text = fields.String(validate=validate.Length(max=100),
                         metadata={"description": "part of the household's name, the case or file number"})
    sort = fields.String(load_default="due", validate=validate.OneOf(["due", "oldest", "newest"]),
                         metadata={"description": "due (earliest due date first, tasks without one last), "
                                                  "oldest (waiting longest first) or newest"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class InboxTaskSchema(TaskSchema):
    draft = computed(lambda t: t.case.is_draft, "boolean", description="its declaration was never submitted (草稿)")
    returned_for_correction = fields.Boolean(metadata={
        "description": "the task's step comes round again because the case's last step returned it for "
                       "correction (退回补正)"})


class TaskPageSchema(Schema):
    items = fields.List(fields.Nested(InboxTaskSchema))
    total = fields.Integer(metadata={"description": "counted up to 1000"})
    total_exact = fields.Boolean(metadata={"description": "false when there are more than `total`"})
    page = fields.Integer()
    page_size = fields.Integer()


class CaseProgressSchema(Schema):
    id = fields.Integer()
    reference = fields.String()
    status = fields.String()
    status_label = computed(lambda c: STATUS_LABELS.get(c.status, c.status), "string")
    stage = fields.String(allow_none=True)


class CompletionSchema(TaskSchema):
    """The completed task, where its case stands now, and the tasks it opened or left open."""

    message = fields.String(metadata={"description": "what happened, in words (as the page says it)"})
    case = fields.Nested(CaseProgressSchema)
    next_tasks = fields.List(fields.Nested(OpenTaskRefSchema))


class CompleteSchema(Schema):
    data = fields.Raw(required=True, metadata={"description": "the form's data"})


class ReassignSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "the user who takes the task over"})
