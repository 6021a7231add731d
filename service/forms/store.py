"""Reading form files for a deployment, and filling in choices that come from the database."""
import copy
import json
import threading
from dataclasses import dataclass

from cachetools import LRUCache, cached
from sqlalchemy import select

from ..cases.privacy import KINDS, SENSITIVE
from ..engine import ModelProblem
from ..people.models import Organisation
from .library import too_large
from .messages import json_error
from .validation import SchemaInvalid, check_schema

_CHOICE_SOURCES = {
    "third_party_organisations": "third_party",
    "union_organisations": "union",
}


def collect_forms(library, user_tasks):
    """Load every form the user tasks name from the form library; return ({filename: document}, [ModelProblem])."""
    forms, problems = {}, []
    for task in user_tasks:
        if not task.form:
            problems.append(ModelProblem(task.id, "用户任务未指定表单（formJsonSchemaFilename）"))
            continue
        for filename, is_schema in ((task.form, True), (task.ui_form, False)):
            if not filename or filename in forms:
                continue
            text = library.read(filename)
            if text is None:
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 不存在"))
                continue
            if too_large(text):
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 无效：{too_large(text)}"))
                continue
            try:
                document = json.loads(text)
                if is_schema:
                    check_schema(document)
                    _check_sensitivity(document)
                elif not isinstance(document, dict):
                    raise SchemaInvalid("界面配置应为 JSON 对象（{ … }）")
            except ValueError as exc:
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 无效：{json_error('文件', exc)}"))
                continue
            except SchemaInvalid as exc:
                problems.append(ModelProblem(task.id, f"表单文件 {filename} 无效：{exc}"))
                continue
            forms[filename] = document
    return forms, problems


def _check_sensitivity(node, path=()):
    """Refuse an x-sensitive mark naming a kind the masking policy does not know (a typo would hide the
    field from everyone, the union that typed it included)."""
    if isinstance(node, dict):
        kind = node.get(SENSITIVE)
        if kind is not None and kind not in KINDS:
            where = "/".join(path) or "(根)"
            raise SchemaInvalid(f"{where}: {SENSITIVE} 的值应为 {'、'.join(KINDS)} 之一")
        for key, value in node.items():
            _check_sensitivity(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_sensitivity(value, (*path, str(index)))


@dataclass(frozen=True)
class Form:
    """A task form ready to serve and validate; `key` identifies it for the validator cache."""

    schema: dict
    ui_schema: dict | None
    key: tuple


# ids repeat across databases; the checksum names the content
@cached(LRUCache(256), key=lambda version: (version.id, version.checksum), lock=threading.Lock())
def version_documents(version):
    """The forms a model version was deployed with, parsed once per process (versions never change)."""
    return json.loads(version.forms_json)


def step_forms(version):
    """{user task id: (schema, ui schema)} of a model version, as deployed (choices not filled in)."""
    documents = version_documents(version)
    return {task["id"]: (documents.get(task.get("form")), documents.get(task.get("ui_form")))
            for task in version.user_tasks}


def load_form(session, version, filename, ui_filename=None):
    documents = version_documents(version)
    if filename not in documents:
        return None
    schema, choices = resolve_choices(session, documents[filename])
    return Form(schema, documents.get(ui_filename), (version.checksum, filename, choices))


def _has_choices(node):
    if isinstance(node, dict):
        return node.get("x-choices") in _CHOICE_SOURCES or any(_has_choices(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_choices(v) for v in node)
    return False


def resolve_choices(session, schema):
    """(schema, choices): a copy with every `x-choices` property given its enum and titled oneOf,
    and the choices used; the schema itself when it has none."""
    if not _has_choices(schema):
        return schema, ()
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
    return schema, tuple(sorted((k, tuple(v)) for k, v in cache.items()))
