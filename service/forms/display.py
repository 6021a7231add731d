"""What a step's form data looks like to a reader: rows in the form's field order, labelled with the
form's titles, choices by their titles, amounts as ¥12,000.50 and dates as 2026年12月7日.

The form version that collected the data says how to show it; a field the form does not define is not
shown (its key would be the only label there is). Masked values stay as masked, and a null reads as hidden:
no form stores one, masking an amount leaves one.
"""
import re
from dataclasses import dataclass, field

from .. import wording
from ..cases.privacy import HIDDEN
from ..wording import yuan
from .store import resolve_choices, step_forms

EMPTY = "—"


@dataclass
class Row:
    """One field: `text` for a value, `rows` for a group of fields, `columns` and `table` for a list of
    records (one list of texts per record)."""

    label: str
    text: str | None = None
    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    table: list = field(default_factory=list)


def money(value):
    return yuan(value) or str(value)


def long_date(value):
    return wording.long_date(value) or str(value)


# A month typed as the forms ask for it (逐月核实收入's 月份: 2026-06), read as 2026年6月.
MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def month(value):
    found = MONTH.fullmatch(value)
    return f"{found.group(1)}年{int(found.group(2))}月" if found else value


@dataclass
class Section:
    """One step's data under the step's title."""

    title: str
    rows: list


def sections(session, version, data, derived=()):
    """The case data as its readers read it: one section per step that has data, in the order a case meets the
    steps (the model's flow, not the order its file lists them), then one per derived entry given as (key, title,
    schema); keys neither names are not shown."""
    found, forms = [], step_forms(version)
    for task in version.user_tasks_in_flow_order:
        schema, ui_schema = forms[task["id"]]
        if schema and isinstance(data.get(task["id"]), dict):
            found.append(Section(task["name"], rows(resolve_choices(session, schema)[0], ui_schema,
                                                    data[task["id"]])))
    for key, title, schema in derived:
        if isinstance(data.get(key), dict):
            found.append(Section(title, rows(schema, None, data[key])))
    return found


def rows(schema, ui_schema, data):
    """The rows of one object of form data (a step's answer, or a nested group of fields)."""
    schema, ui_schema = schema or {}, ui_schema or {}
    if not isinstance(data, dict):
        return [Row(schema.get("title") or "内容", text=text(schema, data))]
    properties = schema.get("properties") or {}
    found = []
    for name in _order(properties, ui_schema):
        if name not in data:
            continue
        prop, ui = properties[name], ui_schema.get(name) or {}
        label = prop.get("title") or name
        value = data[name]
        if value == HIDDEN or value is None:
            found.append(Row(label, text=text(prop, value)))
        elif prop.get("type") == "object" and isinstance(value, dict):
            group = rows(prop, ui, value)
            found.append(Row(label, rows=group, text=None if group else EMPTY))
        elif _is_records(prop, value) and value:
            items, item_ui = prop["items"], ui.get("items") or {}
            names = [n for n in _order(items.get("properties") or {}, item_ui)]
            shown = [n for n in names if any(n in record for record in value)]
            found.append(Row(label, columns=[items["properties"][n].get("title") or n for n in shown],
                             table=[[text(items["properties"][n], record[n]) if n in record else EMPTY
                                     for n in shown] for record in value]))
        else:
            found.append(Row(label, text=text(prop, value)))
    return found


def text(prop, value):
    """One value as a reader reads it, by its field's schema."""
    prop = prop or {}
    if value is None or value == HIDDEN:
        return HIDDEN
    if value == "":
        return EMPTY
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(text(prop.get("items") or {}, item) for item in value) or EMPTY
    if isinstance(value, dict):
        return "；".join(f"{row.label}：{row.text}" for row in rows(prop, {}, value) if row.text is not None)
    titles = _choice_titles(prop)
    if value in titles:
        return titles[value]
    if prop.get("format") == "money":
        return money(value)
    if prop.get("format") == "date" and isinstance(value, str):
        return long_date(value)
    if isinstance(value, str) and MONTH.fullmatch(value):
        return month(value)
    if isinstance(value, (int, float)):
        return f"{value:,}"
    return str(value)


def _order(properties, ui_schema):
    """Field names in the form's order: ui:order (with its "*"), then the schema's own order."""
    order = ui_schema.get("ui:order") or []
    star = order.index("*") if "*" in order else len(order)
    before = [n for n in order[:star] if n in properties]
    after = [n for n in order[star + 1:] if n in properties]
    return before + [n for n in properties if n not in before and n not in after] + after


def _choice_titles(prop):
    titles = {}
    for option in prop.get("oneOf") or prop.get("anyOf") or []:
        if isinstance(option, dict) and "const" in option and option.get("title"):
            titles[option["const"]] = option["title"]
    for value, title in zip(prop.get("enum") or [], prop.get("enumNames") or []):
        titles.setdefault(value, title)
    return {k: v for k, v in titles.items() if isinstance(k, (str, int)) and not isinstance(k, bool)}


def _is_records(prop, value):
    items = prop.get("items") if prop.get("type") == "array" else None
    return isinstance(items, dict) and items.get("type") == "object" and isinstance(value, list) and \
        all(isinstance(record, dict) for record in value)
