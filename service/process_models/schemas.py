from marshmallow import fields, validate

from ..api.schema import FileUpload, Schema, computed
from ..forms.defaults import LABELS


class UserTaskSchema(Schema):
    id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    role = fields.String(allow_none=True, metadata={"description": "the role that does the task"})
    form = fields.String(allow_none=True)
    ui_form = fields.String(allow_none=True)
    default_form = fields.String(allow_none=True, metadata={
        "description": "review or completion: the default form the task got (the model names none)"})
    default_form_label = computed(lambda t: LABELS.get(t.get("default_form")), "string", nullable=True)


class VersionSummarySchema(Schema):
    version = fields.Integer()
    checksum = fields.String()
    comment = fields.String(allow_none=True)
    deployed_at = fields.DateTime()
    deployed_by = computed(lambda v: v.deployed_by.username if v.deployed_by else None, "string", nullable=True)


class VersionSchema(VersionSummarySchema):
    user_tasks = fields.List(fields.Nested(UserTaskSchema))


class ProcessModelSchema(Schema):
    key = fields.String()
    name = fields.String()
    latest_version = fields.Nested(VersionSchema, allow_none=True)
    versions = fields.List(fields.Nested(VersionSummarySchema))


class DeploySchema(Schema):
    """The multipart/form-data body of a deployment."""

    file = FileUpload(required=True, metadata={"description": "BPMN 2.0 XML file"})
    comment = fields.String(load_default=None, validate=validate.Length(max=500),
                            metadata={"description": "what changed, shown in the version list"})


class DeployResultSchema(Schema):
    key = computed(lambda r: r["version"].process_model.key, "string")
    created = fields.Boolean()
    version = fields.Nested(VersionSchema)


class MigrationQuerySchema(Schema):
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000),
                        metadata={"description": "the newer version to move the cases to"})


class MigrationSchema(Schema):
    to = fields.Integer(required=True, validate=validate.Range(min=1, max=1_000_000),
                        metadata={"description": "the newer version to move the cases to"})


class TaskMoveSchema(Schema):
    task_id = fields.String()
    waiting = fields.Boolean(metadata={"description": "an event the case waits on (a timer), not a task to do"})
    from_step = fields.String()
    from_title = fields.String()
    to_step = fields.String()
    to_title = fields.String()
    changes = fields.List(fields.String())


class LostItemSchema(Schema):
    step = fields.String()
    title = fields.String()
    field = fields.String(allow_none=True)
    label = fields.String(allow_none=True)


class CaseMoveSchema(Schema):
    case_id = computed(lambda m: m.case.id, "integer")
    reference = computed(lambda m: m.case.reference, "string", nullable=True)
    status = computed(lambda m: m.case.status, "string")
    status_label = fields.String()
    stage = computed(lambda m: m.case.stage, "string", nullable=True)
    can_move = fields.Boolean()
    moved = fields.Boolean()
    reasons = fields.List(fields.String(), metadata={"description": "why the case cannot move, in Chinese"})
    tasks = fields.List(fields.Nested(TaskMoveSchema))
    lost_steps = fields.List(fields.Nested(LostItemSchema),
                             metadata={"description": "steps not reached yet that the new version lacks"})
    lost_data = fields.List(fields.Nested(LostItemSchema),
                            metadata={"description": "answers the new version's pages would not show"})


class MigrationPreviewSchema(Schema):
    key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    movable = computed(lambda m: sum(c.can_move for c in m.cases), "integer")
    refused = computed(lambda m: sum(not c.can_move for c in m.cases), "integer")
    cases = fields.List(fields.Nested(CaseMoveSchema))


class MigrationResultSchema(Schema):
    key = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    moved = fields.List(fields.Nested(CaseMoveSchema))
    refused = fields.List(fields.Nested(CaseMoveSchema))
