"""The form a human task gets when its model names none, and the form file a Camunda `formKey` names.

Rule: a task whose name or id says it reviews — the name contains 审 (审核, 审批, 复审, 初审, …) or the name or
id contains "review" or "approv" (any case) — gets the review form (decision 通过 / 退回 / 不予通过 and an
opinion, the shape of the bundled review steps); any other task gets the completion form (an opinion, then
done). A designer attaches a real form later in the modeler, or with a `formKey`.
"""
import re

from .library import SCHEMA_SUFFIX, UI_SUFFIX, valid_name

REVIEW, COMPLETION = "review", "completion"
FILES = {
    REVIEW: ("default_review.schema.json", "default_review.uischema.json"),
    COMPLETION: ("default_completion.schema.json", "default_completion.uischema.json"),
}
LABELS = {REVIEW: "默认审核表单（通过／退回／不予通过＋意见）", COMPLETION: "默认办理表单（办理意见）"}
# What the bundled review forms answer, and the completion form: a test or a demo drives a default step with it.
ANSWERS = {REVIEW: {"decision": "approve", "opinion": "同意"}, COMPLETION: {"opinion": "已办理"}}
_REVIEW_WORDS = re.compile(r"审|review|approv", re.IGNORECASE)
_FORM_SUFFIXES = (SCHEMA_SUFFIX, ".form", ".json")


def default_kind(task):
    """REVIEW or COMPLETION for an engine UserTaskDefinition without a form of its own."""
    return REVIEW if _REVIEW_WORDS.search(task.name or "") or _REVIEW_WORDS.search(task.element or task.id) \
        else COMPLETION


def form_key_files(library, key):
    """(schema file, ui file or None) a Camunda formKey names, or (None, the schema file looked for) when the
    library has no such form. `embedded:app:forms/visit.form`, `camunda-forms:deployment:visit.form`,
    `visit.schema.json` and `visit` all name forms/visit.schema.json (with visit.uischema.json if present)."""
    base = key.rpartition(":")[2].rpartition("/")[2].strip()
    for suffix in _FORM_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    schema, ui = base + SCHEMA_SUFFIX, base + UI_SUFFIX
    if not valid_name(schema) or library.read(schema) is None:
        return None, schema
    return schema, ui if library.read(ui) is not None else None
