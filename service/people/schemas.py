from datetime import date

from marshmallow import fields, validate

from ..api.schema import Schema, computed
from . import delegations
from .roles import OrgKind, Role


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class OrganisationSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = computed(lambda o: OrgKind(o.kind).label, "string")


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.String(metadata={"description": "the primary role: the page the user lands on"})
    role_label = computed(lambda u: Role(u.role).label, "string")
    roles = computed(lambda u: sorted(u.roles), "array", items={"type": "string"},
                     description="every role the user holds, the primary one included")
    active = fields.Boolean()
    organisation = fields.Nested(OrganisationSchema)


ROLE = validate.OneOf([str(role) for role in Role], error="应为 {choices} 之一")
USERNAME = validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", error="只能包含字母、数字、下划线、点和连字符，且不超过 64 个字符")
DAYS = validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31), error="应在 2000 年至 2999 年之间")


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    display_name = fields.String(validate=validate.Length(min=1, max=100))
    role = fields.String(required=True, validate=ROLE, metadata={"description": "the primary role"})
    roles = fields.List(fields.String(validate=ROLE), validate=validate.Length(max=len(Role)),
                        metadata={"description": "further roles the user holds"})
    org = fields.String(required=True, validate=validate.Length(min=1, max=64),
                        metadata={"description": "the code of the user's organisation"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=256))


class RoleGrantSchema(Schema):
    role = fields.String(required=True, validate=ROLE)


class DeactivationSchema(Schema):
    user = fields.Nested(UserSchema)
    released_tasks = fields.Integer(metadata={"description": "claimed tasks given back to the pool"})


class DelegationCreateSchema(Schema):
    delegate = fields.String(required=True, validate=validate.Length(min=1, max=64),
                             metadata={"description": "the colleague who works the tasks meanwhile"})
    starts_on = fields.Date(required=True, validate=DAYS, metadata={"description": "first day (China time)"})
    ends_on = fields.Date(required=True, validate=DAYS, metadata={"description": "last day, included"})
    delegator = fields.String(validate=validate.Length(min=1, max=64), metadata={
        "description": "the centre head only: whose tasks (someone already away); the caller's by default"})


class DelegationSchema(Schema):
    id = fields.Integer()
    delegator = fields.String(attribute="delegator.username")
    delegate = fields.String(attribute="delegate.username")
    starts_on = fields.Date()
    ends_on = fields.Date()
    ended_at = fields.DateTime(allow_none=True)
    status = computed(lambda d: delegations.status(d), "string", description="未开始, 生效中 or 已结束")


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.Constant("Bearer", metadata={"type": "string", "enum": ["Bearer"]})
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)
