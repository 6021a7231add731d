"""Chinese messages for marshmallow's request-parsing errors, which API users see beside their fields.

Schema-level messages (a body that is not an object, an unknown field) come from the public
`error_messages` attribute of bangfu.api.schema.Schema, the base of every schema in the service.
Field and validator messages are the fields' and validators' public class attributes, set once here.
Messages with placeholders never include the submitted value.
"""
from marshmallow import fields, validate

SCHEMA_MESSAGES = {"type": "应为对象", "unknown": "未知字段"}

_FIELD_MESSAGES = {
    fields.Field: {"required": "必填", "null": "不能为空", "validator_failed": "取值无效"},
    fields.String: {"invalid": "应为文本", "invalid_utf8": "应为有效的 UTF-8 文本"},
    fields.Integer: {"invalid": "应为整数"},
    fields.Number: {"invalid": "应为数字", "too_large": "数值过大"},
    fields.Float: {"special": "不允许 NaN 或无穷大"},
    fields.Decimal: {"special": "不允许 NaN 或无穷大"},
    fields.Boolean: {"invalid": "应为是/否（true/false）"},
    fields.Mapping: {"invalid": "应为对象"},
    fields.List: {"invalid": "应为列表"},
    fields.DateTime: {"invalid": "日期时间格式无效", "invalid_awareness": "日期时间须带时区",
                      "format": "日期时间格式无效"},
    fields.Date: {"invalid": "日期格式应为 YYYY-MM-DD", "format": "日期格式应为 YYYY-MM-DD"},
    fields.Nested: {"type": "应为对象"},
}


def use_chinese_messages():
    for field_class, messages in _FIELD_MESSAGES.items():
        field_class.default_error_messages = {**field_class.default_error_messages, **messages}
    validate.Range.message_min = "应{min_op} {{min}}"
    validate.Range.message_max = "应{max_op} {{max}}"
    validate.Range.message_all = "应{min_op} {{min}} 且{max_op} {{max}}"
    validate.Range.message_gte, validate.Range.message_gt = "大于或等于", "大于"
    validate.Range.message_lte, validate.Range.message_lt = "小于或等于", "小于"
    validate.Length.message_min = "长度不能少于 {min}"
    validate.Length.message_max = "长度不能超过 {max}"
    validate.Length.message_all = "长度应在 {min} 到 {max} 之间"
    validate.Length.message_equal = "长度应为 {equal}"
    validate.OneOf.default_message = "应为以下之一：{choices}"
