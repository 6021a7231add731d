from marshmallow import Schema, fields, validate

from .models import ORG_KINDS, ROLES


class TokenRequestSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))


class OrganisationSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    kind_label = fields.Function(lambda o: ORG_KINDS.get(o.kind))


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    role_label = fields.Function(lambda u: ROLES[u.role][0])
    organisation = fields.Nested(OrganisationSchema)


class TokenSchema(Schema):
    token = fields.String()
    token_type = fields.Constant("Bearer")
    expires_at = fields.DateTime()
    user = fields.Nested(UserSchema)
