"""Validate submitted form data against a task's JSON Schema, with Chinese messages by field.

Messages never echo the submitted value: it may be an ID or bank card number.
"""
import json
import threading

from cachetools import LRUCache, cached
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

from .formats import FORMAT_MESSAGES, checker
from .messages import TYPE_NAMES, schema_error


class SchemaInvalid(Exception):
    pass


def check_schema(schema):
    """Raise SchemaInvalid with the reason, in Chinese, when the document is not a usable draft-07 schema."""
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        raise SchemaInvalid(schema_error(exc)) from None


@cached(LRUCache(512), key=lambda schema, key: key if key is not None else json.dumps(schema, sort_keys=True),
        lock=threading.Lock())
def _validator(schema, key):
    """A compiled validator, cached by `key` (any hashable naming this exact schema)."""
    return Draft7Validator(_money_as_text(schema), format_checker=checker)


def _money_as_text(schema):
    """A copy of the schema whose money fields (type number, format money) also take a decimal text ("1234.10"),
    checked by the money format as a number is: an amount the service knows exactly (the bank's paid amount)
    is written so, never through a binary float. Browsers' forms keep the schema as it is (numbers)."""
    if isinstance(schema, list):
        return [_money_as_text(part) for part in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {name: _money_as_text(part) for name, part in schema.items()}
    if copied.get("format") == "money" and copied.get("type") == "number":
        copied["type"] = ["number", "string"]
    return copied


def _path(error, extra=None):
    parts = [str(p) for p in error.absolute_path]
    if extra:
        parts.append(extra)
    return ".".join(parts) or "data"


def _message(error):
    kind, value = error.validator, error.validator_value
    if kind == "type" and error.schema.get("format") == "money":
        return "金额应为数字"
    if kind == "type":
        wanted = value if isinstance(value, list) else [value]
        return "应为" + "或".join(TYPE_NAMES.get(t, t) for t in wanted)
    if kind in ("enum", "oneOf", "anyOf", "const"):
        return "不是允许的选项"
    if kind == "format":
        return str(error.cause) if error.cause else FORMAT_MESSAGES.get(value, "格式不正确")
    if kind == "minimum":
        return f"不能小于 {value}"
    if kind == "maximum":
        return f"不能大于 {value}"
    if kind == "exclusiveMinimum":
        return f"应大于 {value}"
    if kind == "minLength":
        return "必填" if value == 1 else f"至少 {value} 个字符"
    if kind == "maxLength":
        return f"最多 {value} 个字符"
    if kind == "minItems":
        return f"至少填写 {value} 项"
    if kind == "maxItems":
        return f"最多填写 {value} 项"
    if kind == "uniqueItems":
        return "不能有重复项"
    if kind == "pattern":
        return "格式不正确"
    if kind == "multipleOf":
        return f"应为 {value} 的整数倍"
    return "不符合要求"


def _leaves(errors):
    for error in errors:
        if error.validator in ("allOf", "if", "then", "else") and error.context:
            yield from _leaves(error.context)
        else:
            yield error


def validate(schema, data, key=None):
    """Return {field path: [messages]} for every problem; empty when the data is valid.

    `key` names the schema for the validator cache; without it the schema's JSON is the key.
    """
    problems = {}

    def add(path, message):
        messages = problems.setdefault(path, [])
        if message not in messages:
            messages.append(message)

    validator = _validator(schema, key)
    for error in _leaves(validator.iter_errors(data)):
        if error.validator == "required":
            for name in error.validator_value:
                if isinstance(error.instance, dict) and name not in error.instance:
                    add(_path(error, name), "必填")
        elif error.validator == "additionalProperties":
            for name in sorted(set(error.instance) - set(error.schema.get("properties", {}))):
                add(_path(error, name), "不是此表单的字段")
        else:
            add(_path(error), _message(error))
    return problems
