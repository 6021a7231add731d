"""Reading form files for a deployment, and filling in choices that come from the database."""
import copy
import json
from pathlib import Path

from sqlalchemy import select

from ..engine import ModelProblem
from ..people.models import Organisation
from .validation import SchemaInvalid, check_schema

_CHOICE_SOURCES = {
    "third_party_organisations": "third_party",
    "union_organisations": "union",
}


def collect_forms(forms_dir, user_tasks):
    """Load every form the user tasks name; return ({filename: document}, [ModelProblem])."""
    forms, problems = {}, []
    base = Path(forms_dir).resolve()
    for task in user_tasks:
        if not task.form:
            problems.append(ModelProblem(task.id, "用户任务未指定表单（formJsonSchemaFilename）"))
            continue
        for filename, is_schema in ((task.form, True), (task.ui_form, False)):
            if not filename or filename in forms:
                continue
            path = (base / filename).resolve()
            if base not in path.parents or not path.is_file():
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 不存在"))
                continue
            try:
                document = json.loads(path.read_text(encoding="utf-8"))
                if is_schema:
                    check_schema(document)
            except (ValueError, SchemaInvalid) as exc:
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 无效：{exc}"))
                continue
            forms[filename] = document
    return forms, problems


def resolve_choices(session, schema):
    """Copy of the schema with every `x-choices` property given its enum and titled oneOf."""
    schema = copy.deepcopy(schema)
    cache = {}

    def visit(node):
        if isinstance(node, dict):
            source = node.get("x-choices")
            if source in _CHOICE_SOURCES:
                if source not in cache:
                    orgs = session.scalars(select(Organisation).where(
                        Organisation.kind == _CHOICE_SOURCES[source]).order_by(Organisation.code)).all()
                    cache[source] = [(o.code, o.name) for o in orgs]
                node["enum"] = [code for code, _ in cache[source]]
                node["oneOf"] = [{"const": code, "title": name} for code, name in cache[source]]
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for value in node:
                visit(value)

    visit(schema)
    return schema
