from marshmallow import fields

from ..api.schema import Schema


class ChoiceSchema(Schema):
    value = fields.String()
    label = fields.String()


class ParamSchema(Schema):
    name = fields.String()
    label = fields.String(metadata={"description": "中文名称"})
    type = fields.String(metadata={"description": "field（字段）、task（任务 id）、text（文本）或 choice（选项）"})
    type_label = fields.String()
    required = fields.Boolean()
    default = fields.String(allow_none=True)
    choices = fields.List(fields.Nested(ChoiceSchema))


class OperationSchema(Schema):
    name = fields.String(metadata={"description": "在模型中引用的名称，如 bangfu.file_household"})
    label = fields.String()
    kind = fields.String(metadata={"description": "checks（校验）、derive（推导数据）或 record（登记业务数据）"})
    kind_label = fields.String()
    description = fields.String()
    service_task = fields.Boolean(metadata={"description": "可否由服务任务调用"})
    params = fields.List(fields.Nested(ParamSchema))
