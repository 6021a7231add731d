"""Where form files come from: designers' drafts in the database over the forms bundled with the package.

The form editor saves a draft as a new revision of the form (form_drafts: who saved it and when, every earlier
revision kept); the newest revision is read instead of the bundled file of the same name at the next
deployment of a model naming it. A save made on an older revision than the newest is refused, naming who saved
since. Nothing is written into files at run time. Files that earlier releases saved into FORMS_DIR are still
read, below the drafts and above the bundled files, so an upgrade loses no edit; the first save of such a form
puts it into the database.
"""
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, ValidationFailed
from ..resources import bundled_forms
from .models import FormDraft

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.json")
HISTORY_SHOWN = 20
# The largest text of a form (its schema or its UI schema). The bundled forms are at most 10 KB; a form is
# copied into every version deployed with it, cached parsed per version and sent with each of its tasks.
MAX_FORM_BYTES = 256 * 1024


def too_large(text):
    """Why a form text is refused for its size, or None."""
    size = len(text.encode("utf-8"))
    if size > MAX_FORM_BYTES:
        return f"表单文件过大：不能超过 {MAX_FORM_BYTES // 1024} KB（现为 {-(-size // 1024)} KB）"
    return None


def valid_name(name):
    """A plain file name: no folders, no '..', so a form name can never reach outside the library."""
    return isinstance(name, str) and bool(_NAME.fullmatch(name)) and ".." not in name


class FormLibrary:
    """The form files: those earlier releases saved into `edits_dir` (read only) over the bundled ones.
    `using(session)` gives the library as the service reads it, with the database's drafts over them."""

    def __init__(self, edits_dir, bundled=None):
        self.edits_dir = Path(edits_dir)
        self.bundled = bundled if bundled is not None else bundled_forms()

    def using(self, session):
        return Drafts(session, self)

    def read(self, name):
        """The text of the form file, or None when there is none."""
        if not valid_name(name):
            return None
        for source in (self.edits_dir / name, self.bundled / name):
            if source.is_file():
                return source.read_text(encoding="utf-8")
        return None

    def schema_names(self):
        names = {p.name for p in self.edits_dir.glob(f"*{SCHEMA_SUFFIX}")} if self.edits_dir.is_dir() else set()
        names |= {p.name for p in self.bundled.iterdir() if p.name.endswith(SCHEMA_SUFFIX)}
        return sorted(n for n in names if valid_name(n))

    def titles(self):
        """{schema file name: the form's title (the schema's "title"), or the file name when it has none}."""
        return {name: _title(self.read(name), name) for name in self.schema_names()}


@dataclass(frozen=True)
class Draft:
    """A form as the editor opens it: its texts and the revision they are (0: as bundled, never saved)."""

    name: str
    schema_text: str
    ui_text: str
    revision: int
    saved_by: str | None = None
    saved_at: datetime | None = None


class Drafts:
    """The form library read through a session: each form's newest draft, else its file."""

    def __init__(self, session, files):
        self.session = session
        self.files = files

    def _newest(self, name):
        return self.session.scalar(select(FormDraft).where(FormDraft.name == name)
                                   .order_by(FormDraft.revision.desc()).limit(1))

    def read(self, name):
        """The text of the form file (a schema or its UI schema), drafted or bundled, or None when there is none."""
        if not valid_name(name):
            return None
        schema_name = name[: -len(UI_SUFFIX)] + SCHEMA_SUFFIX if name.endswith(UI_SUFFIX) else name
        newest = self._newest(schema_name) if schema_name.endswith(SCHEMA_SUFFIX) else None
        if newest is not None:
            return newest.ui_text if name != schema_name else newest.schema_text
        return self.files.read(name)

    def schema_names(self):
        drafted = set(self.session.scalars(select(FormDraft.name).distinct()))
        return sorted(drafted | set(self.files.schema_names()))

    def titles(self):
        return {name: _title(self.read(name), name) for name in self.schema_names()}

    def draft(self, name):
        """The form as the editor opens it, or None when there is no such schema."""
        if not valid_name(name) or not name.endswith(SCHEMA_SUFFIX):
            return None
        newest = self._newest(name)
        if newest is not None:
            return Draft(name, newest.schema_text, newest.ui_text, newest.revision,
                         newest.saved_by.display_name, newest.saved_at)
        text = self.files.read(name)
        return None if text is None else Draft(name, text, self.files.read(ui_name(name)) or "{}", 0)

    def history(self, name, limit=HISTORY_SHOWN):
        """The form's saves, newest first."""
        return self.session.scalars(select(FormDraft).where(FormDraft.name == name)
                                    .order_by(FormDraft.revision.desc()).limit(limit)).all()

    def save(self, name, schema_text, ui_text, user, based_on, now):
        """Store the texts as the form's next revision; Conflict naming who saved since when `based_on` (the
        revision the editor opened) is no longer the newest."""
        newest = self.newest_revision(name)
        if not isinstance(based_on, int) or not 0 <= based_on <= newest:  # a forged or mangled page, not a race
            raise ValidationFailed(f"所依据的版本不存在（表单 {name} 现为第 {newest} 版），请重新打开表单后再修改",
                                   {"based_on": [f"应为 0 到 {newest} 之间的版本号"]})
        if newest != based_on:
            raise self._saved_since(name, based_on)
        row = FormDraft(name=name, revision=newest + 1, schema_text=schema_text, ui_text=ui_text,
                        saved_by_id=user.id, saved_at=now)
        try:
            with self.session.begin_nested():  # another save of the same revision committing meanwhile
                self.session.add(row)
        except IntegrityError:
            raise self._saved_since(name, based_on) from None
        return row

    def newest_revision(self, name):
        return self.session.scalar(select(func.max(FormDraft.revision)).where(FormDraft.name == name)) or 0

    def _saved_since(self, name, based_on):
        later = self.session.scalars(select(FormDraft).where(FormDraft.name == name, FormDraft.revision > based_on)
                                     .order_by(FormDraft.revision)).all()
        who = "、".join(dict.fromkeys(row.saved_by.display_name for row in later)) or "其他人"
        return Conflict(f"表单 {name} 在您打开后已由 {who} 保存过（现为第 {later[-1].revision if later else '?'} 版），"
                        "本次未保存；请重新打开后再修改", {"based_on": [f"第 {based_on} 版已不是最新"]})


def save_draft(session, library, user, name, schema, ui_schema, based_on):
    """The form editor's save (a command): the schema and UI schema, checked already, as the next revision."""
    from ..audit.recording import note
    from ..db import utcnow
    from .validation import SchemaInvalid
    if not isinstance(ui_schema, dict):  # the task page hands it to the form renderer as its uiSchema object
        raise SchemaInvalid("界面配置应为 JSON 对象（{ … }）")
    schema_text, ui_text = _pretty(schema), _pretty(ui_schema)
    for text in (schema_text, ui_text):
        if too_large(text):
            raise SchemaInvalid(too_large(text))
    row = library.using(session).save(name, schema_text, ui_text, user, based_on, utcnow())
    note(session, form=name, revision=row.revision)
    return row


def _pretty(document):
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _title(text, name):
    try:
        title = json.loads(text or "{}").get("title")
    except (ValueError, AttributeError):  # not JSON, or not an object: the editor will say why
        title = None
    return title.strip() if isinstance(title, str) and title.strip() else name


def ui_name(schema_name):
    return schema_name[: -len(SCHEMA_SUFFIX)] + UI_SUFFIX
