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
