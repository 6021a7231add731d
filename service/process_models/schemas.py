import json

from marshmallow import Schema, fields
from flask_smorest.fields import Upload


class UserTaskSchema(Schema):
    id = fields.String()
    name = fields.String()
    lane = fields.String(allow_none=True)
    form = fields.String(allow_none=True)
    ui_form = fields.String(allow_none=True)


class VersionSchema(Schema):
    version = fields.Integer()
    checksum = fields.String()
    comment = fields.String(allow_none=True)
    deployed_at = fields.DateTime()
    deployed_by = fields.Function(lambda v: v.deployed_by.username if v.deployed_by else None)
    user_tasks = fields.Function(lambda v: UserTaskSchema(many=True).dump(json.loads(v.user_tasks_json)))


class ProcessModelSchema(Schema):
    key = fields.String()
    name = fields.String()
    latest_version = fields.Function(lambda m: VersionSchema().dump(m.versions[-1]) if m.versions else None)
    versions = fields.Function(lambda m: [VersionSchema(exclude=("user_tasks",)).dump(v) for v in m.versions])


class DeployFilesSchema(Schema):
    file = Upload(required=True, metadata={"description": "BPMN 2.0 XML file"})


class DeployFormSchema(Schema):
    comment = fields.String(load_default=None)


class DeployResultSchema(Schema):
    key = fields.Function(lambda r: r["version"].process_model.key)
    created = fields.Boolean()
    version = fields.Nested(VersionSchema)
