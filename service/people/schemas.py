from marshmallow import fields, validate

from ..api.schema import Schema, computed
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
    role = fields.String()
    role_label = computed(lambda u: Role(u.role).label, "string")
    organisation = fields.Nested(OrganisationSchema)


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.Constant("Bearer", metadata={"type": "string", "enum": ["Bearer"]})
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)
