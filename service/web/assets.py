"""The front-end bundles by their content-hashed names (frontend/build.mjs writes dist/manifest.json), and the
long caching those names allow: a changed bundle gets a new name, so a browser may keep any file forever."""
import json
import re
from functools import cache
from pathlib import Path

from flask import url_for
from markupsafe import Markup, escape

DIST = "dist"
YEAR = 365 * 24 * 3600
_HASHED = re.compile(r"^dist/(?:[\w-]+/)*[\w.-]+-[A-Z0-9]{8}\.\w+$")


class BundleMissing(RuntimeError):
    """The service runs from a checkout whose bundles were never built (or from a broken wheel)."""


def is_hashed(filename):
    """A file of dist/ named by its content (the manifest itself is not)."""
    return bool(_HASHED.match(filename))


@cache
def _manifest(static_folder):
    path = Path(static_folder, DIST, "manifest.json")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleMissing(f"{path} is missing: build the front-end bundles with `npm run build`") from None


def _file(name):
    from . import pages
    files = _manifest(pages.static_folder)["files"]
    if name not in files:
        raise BundleMissing(f"no front-end bundle named {name!r} in dist/manifest.json (have {sorted(files)})")
    return files[name]


def asset_url(name):
    """The URL of a bundle by its source name ("form.js", "app.css"), read from the manifest once per process."""
    return url_for("pages.static", filename=f"{DIST}/{_file(name)}")


def module_script(name):
    """A page's entry module and a preload of every chunk it imports, so the browser fetches them together
    instead of discovering each import only after the file importing it arrived."""
    from . import pages
    chunks = _manifest(pages.static_folder)["imports"].get(name, [])
    links = [f'<link rel="modulepreload" href="{escape(url_for("pages.static", filename=f"{DIST}/{chunk}"))}">'
             for chunk in chunks]
    return Markup("".join(links) + f'<script type="module" src="{escape(asset_url(name))}"></script>')


def init_app(app):
    app.add_template_global(asset_url)
    app.add_template_global(module_script)
