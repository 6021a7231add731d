"""Why a designer's form file is refused, in Chinese: a JSON syntax error at the line and column the form
editor shows, and a JSON-Schema error as a sentence naming where in the schema it is."""
import json

TYPE_NAMES = {"string": "文本", "integer": "整数", "number": "数字", "boolean": "是/否", "array": "列表",
              "object": "对象", "null": "空值"}  # JSON-Schema types as a form's user reads them
_JSON_REASONS = [  # json.JSONDecodeError.msg -> what to do about it
    ("Expecting property name enclosed in double quotes", "此处应为用双引号括起的属性名或 }（最后一项后不能有逗号）"),
    ("Expecting ',' delimiter", "此处缺少逗号"),
    ("Expecting ':' delimiter", "属性名后应为冒号"),
    ("Expecting value", "此处应为一个值（文本须用双引号，最后一项后不能有逗号）"),
    ("Extra data", "JSON 结束后还有多余的内容"),
    ("Unterminated string", "字符串缺少结尾的引号"),
    ("Invalid control character", "字符串中有未转义的特殊字符（换行请写作 \\n）"),
    ("Invalid \\u", "无效的 \\u 转义"),
    ("Invalid \\escape", "无效的转义字符"),
]
_SCHEMA_TYPES = "string、number、integer、boolean、array、object、null"


def json_error(label, exc):
    """'JSON Schema 不是有效的 JSON —— 第 3 行第 5 列：此处缺少逗号' for a json.JSONDecodeError."""
    if not isinstance(exc, json.JSONDecodeError):
        return f"{label} 不是有效的 JSON"
    reason = next((text for start, text in _JSON_REASONS if exc.msg.startswith(start)), "语法错误")
    return f"{label} 不是有效的 JSON —— 第 {exc.lineno} 行第 {exc.colno} 列：{reason}"


def _shown(value):
    return json.dumps(value, ensure_ascii=False)[:40]


def _reason(error):
    kind, value, path = error.validator, error.validator_value, list(error.path)
    if kind == "anyOf" and path and path[-1] == "type":
        return f"的值 {_shown(error.instance)} 不是有效的类型，应为 {_SCHEMA_TYPES} 之一（或它们的列表）"
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return "应为" + "或".join(TYPE_NAMES.get(t, t) for t in wanted) + f"，而不是 {_shown(error.instance)}"
    if kind in ("minimum", "exclusiveMinimum"):
        return f"不能小于 {value}"
    if kind == "minItems":
        return f"至少应有 {value} 项"
    if kind == "uniqueItems":
        return "不能有重复项"
    if kind == "format" and value == "regex":
        return f"{_shown(error.instance)} 不是有效的正则表达式"
    if kind == "enum":
        return "不是允许的取值"
    return "的写法不符合 JSON Schema 规范"


def schema_error(error):
    """A jsonschema SchemaError (the document broke the draft-07 meta-schema) as a Chinese sentence."""
    where = " → ".join(str(part) for part in error.path)
    return f"不是有效的 JSON Schema：{where or '整个文档'} {_reason(error)}"
