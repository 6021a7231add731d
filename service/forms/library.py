"""Where form files come from: designers' edits (FORMS_DIR) over the forms bundled with the package.

A running service never writes into its own package: the form editor saves into FORMS_DIR, and a file
there is read instead of the bundled file of the same name at the next deployment of a model naming it.
"""
import json
import os
import re
import tempfile
from pathlib import Path

from ..resources import bundled_forms

SCHEMA_SUFFIX = ".schema.json"
UI_SUFFIX = ".uischema.json"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.json")


def valid_name(name):
    """A plain file name: no folders, no '..', so a form name can never reach outside the library."""
    return isinstance(name, str) and bool(_NAME.fullmatch(name)) and ".." not in name


class FormLibrary:
    def __init__(self, edits_dir, bundled=None):
        self.edits_dir = Path(edits_dir)
        self.bundled = bundled if bundled is not None else bundled_forms()

    def _sources(self, name):
        return (self.edits_dir / name, self.bundled / name)

    def read(self, name):
        """The text of the form file, edited or bundled, or None when there is none."""
        if not valid_name(name):
            return None
        for source in self._sources(name):
            if source.is_file():
                return source.read_text(encoding="utf-8")
        return None

    def schema_names(self):
        names = {p.name for p in self.edits_dir.glob(f"*{SCHEMA_SUFFIX}")} if self.edits_dir.is_dir() else set()
        names |= {p.name for p in self.bundled.iterdir() if p.name.endswith(SCHEMA_SUFFIX)}
        return sorted(n for n in names if valid_name(n))

    def titles(self):
        """{schema file name: the form's title (the schema's "title"), or the file name when it has none}."""
        titles = {}
        for name in self.schema_names():
            try:
                title = json.loads(self.read(name) or "{}").get("title")
            except (ValueError, AttributeError):  # not JSON, or not an object: the editor will say why
                title = None
            titles[name] = title.strip() if isinstance(title, str) and title.strip() else name
        return titles

    def write(self, name, text):
        if not valid_name(name):
            raise ValueError(name)
        self.edits_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.edits_dir, prefix=f".{name}.",
                                         delete=False) as draft:  # written whole, then put in place at once
            draft.write(text)
        os.replace(draft.name, self.edits_dir / name)


def ui_name(schema_name):
    return schema_name[: -len(SCHEMA_SUFFIX)] + UI_SUFFIX
