"""Validate submitted form data against a task's JSON Schema, with Chinese messages by field.

Messages never echo the submitted value: it may be an ID or bank card number.

A form is one self-contained document: a `$ref` points inside it (`#/definitions/...`) and nothing is ever
fetched. Left to itself jsonschema falls back to retrieving any other reference (`file:///etc/passwd`,
`http://...`) while it validates a user's answer; the validators here use a registry that retrieves nothing.
"""
import json
import threading

from cachetools import LRUCache, cached
from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT7

from ..errors import Conflict
from .formats import FORMAT_MESSAGES, checker
from .messages import TYPE_NAMES, schema_error


class SchemaInvalid(Exception):
    pass


def _retrieve_nothing(uri):
    raise LookupError(uri)  # referencing answers Unretrievable: a form never reads a file or the network


NO_RETRIEVAL = Registry(retrieve=_retrieve_nothing)


def check_schema(schema):
    """Raise SchemaInvalid with the reason, in Chinese, when the document is not a usable draft-07 schema."""
    try:
        Draft7Validator.check_schema(schema)
    except SchemaError as exc:
        raise SchemaInvalid(schema_error(exc)) from None
    _check_references(schema)


def _references(node, path=(), root=True):
    """(path, key, value) of every `$ref` and nested `$id` text in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and (key == "$ref" or (key == "$id" and not root)):
                yield path, key, value
            else:
                yield from _references(value, (*path, str(key)), False)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _references(value, (*path, str(index)), False)


def _check_references(schema):
    """Every `$ref` a pointer into the document itself that leads somewhere; no nested `$id` (it would move
    where the pointers below it start)."""
    if not isinstance(schema, dict):
        return
    resolver = NO_RETRIEVAL.with_resource("", DRAFT7.create_resource(schema)).resolver()
    for path, key, value in _references(schema):
        where = " → ".join(path) or "整个文档"
        if key == "$id":
            raise SchemaInvalid(f"不是有效的表单定义：{where} 不能设置 $id（表单须是一个独立的文档）")
        if not value.startswith("#"):
            raise SchemaInvalid(f"不是有效的表单定义：{where} 的 $ref 只能引用本文档内的定义（以 # 开头，"
                                f"如 #/definitions/地址），不能引用外部文件或网址")
        try:
            resolver.lookup(value)
        except Unresolvable:
            raise SchemaInvalid(f"不是有效的表单定义：{where} 的 $ref 指向的定义在本文档中不存在") from None


@cached(LRUCache(512), key=lambda schema, key: key if key is not None else json.dumps(schema, sort_keys=True),
        lock=threading.Lock())
def _validator(schema, key):
    """A compiled validator, cached by `key` (any hashable naming this exact schema)."""
    return Draft7Validator(_money_as_text(schema), format_checker=checker, registry=NO_RETRIEVAL)


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
    try:
        errors = list(_leaves(validator.iter_errors(data)))
    except Unresolvable:  # a form deployed before references were checked
        raise Conflict("此步骤的表单定义引用了不存在或外部的定义，不能办理；请流程设计人员修改表单后重新部署",
                       {"form": ["表单定义有误（$ref 无法解析）"]}) from None
    for error in errors:
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
