"""Form labels: what a form shows as a field's label is its schema title, written with Chinese brackets."""
import json
import re

import pytest

from bangfu.resources import bundled_forms

FORMS = sorted(p.name for p in bundled_forms().iterdir() if p.name.endswith(".uischema.json"))


def _titles(ui, schema, path=()):
    """(path, ui:title, schema title) for every field the ui schema titles."""
    for key, value in ui.items():
        if key.startswith("ui:") or not isinstance(value, dict):
            continue
        field = schema.get("items", {}) if key == "items" else schema.get("properties", {}).get(key, {})
        if "ui:title" in value:
            yield (*path, key), value["ui:title"], field.get("title")
        yield from _titles(value, field, (*path, key))


def _schema_titles(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("title", "description") and isinstance(value, str):
                yield value
            else:
                yield from _schema_titles(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_titles(value)


@pytest.mark.parametrize("name", FORMS)
def test_a_field_is_labelled_with_its_schema_title(name):
    ui = json.loads((bundled_forms() / name).read_text(encoding="utf-8"))
    schema = json.loads((bundled_forms() / name.replace(".uischema.json", ".schema.json")).read_text(encoding="utf-8"))
    assert [(path, shown) for path, shown, title in _titles(ui, schema) if shown != title] == []


@pytest.mark.parametrize("name", FORMS)
def test_labels_and_hints_use_chinese_brackets(name):
    ui = json.loads((bundled_forms() / name).read_text(encoding="utf-8"))
    schema = json.loads((bundled_forms() / name.replace(".uischema.json", ".schema.json")).read_text(encoding="utf-8"))
    texts = list(_schema_titles(schema)) + [v for v in json.dumps(ui, ensure_ascii=False).split('"')
                                             if re.search(r"[\u4e00-\u9fff]", v)]
    assert [t for t in texts if re.search(r"[()]", t)] == []


def test_the_household_visit_form_says_what_was_visited_and_verified():
    schema = json.loads((bundled_forms() / "household_visit.schema.json").read_text(encoding="utf-8"))
    assert schema["properties"]["visit_date"]["title"] == "走访日期"
    assert schema["properties"]["verified_monthly_household_income"]["title"] == "核实家庭月收入（元）"
