from marshmallow import fields, validate

from ..api.schema import Schema, computed, listing
from ..casework.incidents import MAX_REASON
from ..process_models.schemas import CaseMoveSchema


class FailedStepSchema(Schema):
    id = fields.String(metadata={"description": "the engine's task id (skip names it, or the model's id)"})
    name = fields.String(attribute="spec_name", metadata={"description": "the model's id of the step"})
    title = fields.String()
    skippable = fields.Boolean(metadata={"description": "a script, service or business-rule task: may be skipped"})


class IncidentSchema(Schema):
    case_id = computed(lambda i: i.case.id, "integer")
    reference = computed(lambda i: i.case.reference, "string")
    household_name = computed(lambda i: i.case.household_name, "string", nullable=True)
    process = computed(lambda i: i.case.process_version.process_model.key, "string")
    process_name = computed(lambda i: i.case.process_version.process_model.name, "string")
    process_version = computed(lambda i: i.case.process_version.version, "integer")
    latest_version = fields.Integer(metadata={"description": "the newest deployed version of the case's model"})
    stage = computed(lambda i: i.case.stage, "string", nullable=True)
    error = computed(lambda i: i.case.incident, "string", nullable=True)
    since = fields.DateTime(metadata={"description": "when the case was set aside"})
    failed_steps = fields.List(fields.Nested(FailedStepSchema), allow_none=True, metadata={
        "description": "in the answer for one case only"})


IncidentListSchema = listing(IncidentSchema, "IncidentListSchema")


class IncidentActionSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON), metadata={
        "description": "why (recorded in the case's history)"})


class RetrySchema(IncidentActionSchema):
    on_latest = fields.Boolean(load_default=False, metadata={
        "description": "first move the case onto the newest version of its model, as version migration does "
                       "(refused, nothing changed, when it cannot move: see retry-preview)"})


class RetryPreviewSchema(Schema):
    to_version = fields.Integer(metadata={"description": "the newest version of the case's model"})
    move = fields.Nested(CaseMoveSchema, metadata={"description": "the case's move there, as a migration preview "
                                                                  "gives it (can_move, reasons, tasks, lost_*)"})


class SkipSchema(IncidentActionSchema):
    step = fields.String(load_default=None, validate=validate.Length(max=100), metadata={
        "description": "which failed step (its id or the model's id); needed only when several failed"})


class IncidentOutcomeSchema(Schema):
    case_id = fields.Integer(attribute="id")
    status = fields.String()
    incident = fields.String(allow_none=True, metadata={"description": "the new error, when the action failed again"})
