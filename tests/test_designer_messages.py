"""What a designer is told, in Chinese: a script the sandbox refuses, a form file that is not JSON (at the line
and column the editor shows), a form that is not a JSON Schema (in words, naming where), and forms by title."""
import json

import pytest

from bangfu.engine.sandbox import UnsafeCode, compile_expression, compile_script
from bangfu.forms import FormLibrary, SchemaInvalid, check_schema
from bangfu.forms.messages import json_error


def refusal(source, compile=compile_script):
    with pytest.raises(UnsafeCode) as refused:
        compile(source)
    return refused.value.problems


@pytest.mark.parametrize("source, said", [
    ("__import__('os')", "第 1 行：`__import__` 不是允许的名称（名称不能以下划线开头）"),
    ("x = 1\ny = x.__class__", "第 2 行：`__class__` 不是允许的属性名（属性名不能以下划线开头）"),
    ("a.b += 1", "第 1 行：不允许对属性做增量赋值（如 a.b += 1）"),
    ("n = y.gi_frame", "第 1 行：`gi_frame` 是受限的名称，不能访问"),
    ("if x\n    y = 1", "语法错误（第 1 行第 5 列）：此处缺少冒号"),
    ("total = 1，2", "语法错误（第 1 行第 10 列）：包含无效字符（是否用了中文标点？）"),
])
def test_the_sandbox_refuses_a_script_in_chinese(source, said):
    assert refusal(source) == [said]


def test_a_refused_condition_is_told_in_chinese_too():
    assert refusal("_secret == 1", compile_expression) == ["第 1 行：`_secret` 不是允许的名称（名称不能以下划线开头）"]


def test_no_refusal_message_is_in_english():
    for source in ("__import__('os')", "x._y", "a[0] += 1", "global g", "x = f(", "del x.__dict__"):
        for problem in refusal(source):
            assert not any(word in problem for word in ("is an invalid", "not allowed", "syntax", "Line ")), problem


@pytest.mark.parametrize("text, said", [
    ('{\n  "type": "object",\n  "title": "付款"\n  "required": []\n}', "第 4 行第 3 列：此处缺少逗号"),
    ('{\n  "type": "object",\n}', "第 3 行第 1 列：此处应为用双引号括起的属性名或 }（最后一项后不能有逗号）"),
    ('{"title": "付款"} x', "第 1 行第 17 列：JSON 结束后还有多余的内容"),
    ('{"title": "付款', "第 1 行第 11 列：字符串缺少结尾的引号"),
])
def test_a_json_syntax_error_names_the_line_and_column_the_editor_shows(text, said):
    with pytest.raises(json.JSONDecodeError) as broken:
        json.loads(text)
    assert json_error("JSON Schema", broken.value) == f"JSON Schema 不是有效的 JSON —— {said}"


@pytest.mark.parametrize("schema, said", [
    ({"type": "object", "required": "name"}, "required 应为列表，而不是 \"name\""),
    ({"properties": {"age": {"type": "intger"}}},
     "properties → age → type 的值 \"intger\" 不是有效的类型，应为 string、number、integer、boolean、array、object、null 之一（或它们的列表）"),
    ({"properties": {"name": {"minLength": -1}}}, "properties → name → minLength 不能小于 0"),
    ({"required": ["name", "name"]}, "required 不能有重复项"),
    ({"properties": []}, "properties 应为对象，而不是 []"),
])
def test_a_schema_error_is_a_chinese_sentence_naming_where_it_is(schema, said):
    with pytest.raises(SchemaInvalid) as refused:
        check_schema(schema)
    assert str(refused.value) == f"不是有效的 JSON Schema：{said}"


def test_forms_are_listed_by_their_title(tmp_path):
    bundled = tmp_path / "bundled"
    bundled.mkdir()
    (bundled / "visit.schema.json").write_text('{"title": "入户走访记录", "type": "object"}', encoding="utf-8")
    (bundled / "untitled.schema.json").write_text('{"type": "object"}', encoding="utf-8")
    (bundled / "broken.schema.json").write_text('{"title": ', encoding="utf-8")
    titles = FormLibrary(tmp_path / "edits", bundled).titles()
    assert titles == {"broken.schema.json": "broken.schema.json", "untitled.schema.json": "untitled.schema.json",
                      "visit.schema.json": "入户走访记录"}
