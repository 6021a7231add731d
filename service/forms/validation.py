"""Validate submitted form data against a task's JSON Schema, with Chinese messages by field.

Messages never echo the submitted value: it may be an ID or bank card number.

A form is one self-contained document: a `$ref` points inside it (`#/definitions/...`) and nothing is ever
fetched. Left to itself jsonschema falls back to retrieving any other reference (`file:///etc/passwd`,
`http://...`) while it validates a user's answer; the validators here use a registry that retrieves nothing.
"""
import json
import re
import re._constants as _regex_constants
import re._parser as _regex_parser
import threading

from cachetools import LRUCache, cached
from jsonschema import Draft7Validator, validators
from jsonschema.exceptions import SchemaError, ValidationError
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
    _check_patterns(schema)


_REPEATS = (_regex_constants.MAX_REPEAT, _regex_constants.MIN_REPEAT,
            getattr(_regex_constants, "POSSESSIVE_REPEAT", _regex_constants.MAX_REPEAT))


def _patterns(node, path=()):
    """(path, regular expression) of every `pattern` and `patternProperties` key in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield path, value
            elif key == "patternProperties" and isinstance(value, dict):
                yield from (((*path, key), name) for name in value)
            yield from _patterns(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _patterns(value, (*path, str(index)))


_C = _regex_constants
_PROBE = [chr(code) for code in range(9, 127)] + list("中文汉字，。、　é")  # characters a class is tried on
_CATEGORIES = {_C.CATEGORY_DIGIT: str.isdigit, _C.CATEGORY_SPACE: str.isspace,
               _C.CATEGORY_WORD: lambda ch: ch.isalnum() or ch == "_"}
_CATEGORIES.update({getattr(_C, "CATEGORY_NOT_" + name[len("CATEGORY_"):]): (lambda test: lambda ch: not test(ch))(test)
                    for name, test in (("CATEGORY_DIGIT", str.isdigit), ("CATEGORY_SPACE", str.isspace),
                                       ("CATEGORY_WORD", lambda ch: ch.isalnum() or ch == "_"))})


def _chars(op, value):
    """The probe characters a one-character item matches, or None when the item is not one character."""
    if op == _C.LITERAL:
        return {chr(value)}
    if op == _C.NOT_LITERAL:
        return {ch for ch in _PROBE if ch != chr(value)}
    if op == _C.ANY:
        return set(_PROBE)
    if op == _C.IN:
        found, negate = set(), False
        for kind, item in value:
            if kind == _C.NEGATE:
                negate = True
            elif kind == _C.LITERAL:
                found.add(chr(item))
            elif kind == _C.RANGE:
                found |= {ch for ch in _PROBE if item[0] <= ord(ch) <= item[1]}
            elif kind == _C.CATEGORY and item in _CATEGORIES:
                found |= {ch for ch in _PROBE if _CATEGORIES[item](ch)}
            else:
                found |= set(_PROBE)
        return set(_PROBE) - found if negate else found
    return None


def _all_chars(items):
    """Every probe character anything in the parsed items may match."""
    found = set()
    for op, value in items:
        single = _chars(op, value)
        if single is not None:
            found |= single
        elif op in _REPEATS:
            found |= _all_chars(value[2])
        elif op == _C.SUBPATTERN:
            found |= _all_chars(value[-1])
        elif op == _C.BRANCH:
            for branch in value[1]:
                found |= _all_chars(branch)
    return found


def _flat(items):
    """The parsed items with groups opened: ((a+)) is a+."""
    for op, value in items:
        if op == _C.SUBPATTERN:
            yield from _flat(value[-1])
        else:
            yield op, value


def _varies(op, value):
    """Whether the item may match texts of different lengths."""
    if op in _REPEATS:
        low, high, sub = value
        return low != high or sub.getwidth()[0] != sub.getwidth()[1]
    if op == _C.BRANCH:
        return len({branch.getwidth() for branch in value[1]}) > 1 or any(
            width[0] != width[1] for width in (branch.getwidth() for branch in value[1]))
    return False


def _ambiguous(sub):
    """Whether a repeated part may split one text in many ways: it holds a part of variable length, and no
    character it must match is one the variable part cannot (`a+`, `\\w+\\s?`, `a\\w+`; not `\\s\\w+` or `[a-z]+\\.`)."""
    items = list(_flat(sub))
    varying = [item for item in items if _varies(*item)]
    if not varying:
        return False
    free = _all_chars(varying)
    required = [_chars(op, value) for op, value in items if (op, value) not in varying]
    required += [_chars(*value[2][0]) for op, value in items
                 if op in _REPEATS and value[0] == value[1] >= 1 and len(value[2]) == 1]
    return not any(chars is not None and chars.isdisjoint(free) for chars in required)


def _nested_unbounded(items):
    """Whether an unbounded repeat holds a part that may split a text in many ways: (a+)+, (\\w+\\s?)+ — a text
    that almost matches then takes exponential time to refuse (Python's re backtracks), holding the request."""
    for op, value in items:
        if op in _REPEATS:
            low, high, sub = value
            if (high == _C.MAXREPEAT and _ambiguous(sub)) or _nested_unbounded(sub):
                return True
        elif op == _C.SUBPATTERN:
            if _nested_unbounded(value[-1]):
                return True
        elif op == _C.BRANCH:
            if any(_nested_unbounded(branch) for branch in value[1]):
                return True
    return False


def _check_patterns(schema):
    for path, pattern in _patterns(schema):
        where = " → ".join(path) or "整个文档"
        try:
            parsed = _regex_parser.parse(pattern)
        except (re.error, RecursionError, OverflowError):
            continue  # the meta-schema's regex format has said so already, or the validator will
        if _nested_unbounded(list(parsed)):
            raise SchemaInvalid(f"不是有效的表单定义：{where} 的正则表达式在重复的部分里又有可变长的重复（如 (a+)+），"
                                "某些输入会使校验耗时极长；请改写（如 ^\\w+(\\s\\w+)*$）")


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


def _min_length(validator, min_length, instance, schema):
    """minLength counted without the text's surrounding whitespace: spaces or line breaks alone are no answer (an
    oversight's 退回补正 with a blank 审核意见 named no problem for the centre to answer)."""
    if validator.is_type(instance, "string") and len(instance.strip()) < min_length:
        yield ValidationError("too short")  # never the value: it may be an ID or card number


_FormValidator = validators.extend(Draft7Validator, {"minLength": _min_length})


@cached(LRUCache(512), key=lambda schema, key: key if key is not None else json.dumps(schema, sort_keys=True),
        lock=threading.Lock())
def _validator(schema, key):
    """A compiled validator, cached by `key` (any hashable naming this exact schema)."""
    return _FormValidator(_money_as_text(schema), format_checker=checker, registry=NO_RETRIEVAL)


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
