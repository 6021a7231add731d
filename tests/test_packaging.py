"""The wheel carries everything the service needs at run time, under the `bangfu` package only."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(out), str(ROOT)],
                   check=True, capture_output=True)
    [wheel] = out.glob("bangfu-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def test_the_wheel_installs_one_package_named_bangfu(wheel_files):
    tops = {name.split("/")[0] for name in wheel_files if not name.startswith("bangfu-")}
    assert tops == {"bangfu"}


def test_every_module_of_the_source_tree_is_in_the_wheel(wheel_files):
    sources = {"bangfu/" + str(p.relative_to(ROOT / "service")) for p in (ROOT / "service").rglob("*.py")
               if "__pycache__" not in p.parts}
    assert sources - wheel_files == set()


@pytest.mark.parametrize("folder, pattern", [("bpmn", "*.bpmn"), ("forms", "*.json")])
def test_the_bundled_models_and_forms_are_package_data(wheel_files, folder, pattern):
    expected = {f"bangfu/resources/{folder}/{p.name}" for p in (ROOT / folder).glob(pattern)}
    assert expected and expected <= wheel_files


def test_the_pages_templates_front_end_bundle_and_migrations_are_package_data(wheel_files):
    for name in ("bangfu/web/templates/login.html", "bangfu/web/templates/task.html",
                 "bangfu/web/static/dist/manifest.json",
                 "bangfu/migrations/script.py.mako", "bangfu/migrations/versions/0001_initial_schema.py"):
        assert name in wheel_files, name
    assert any(name.startswith("bangfu/web/static/dist/fonts/") for name in wheel_files)


def test_the_wheel_carries_every_bundle_and_chunk_the_manifest_names(wheel_files):
    manifest = json.loads((ROOT / "service/web/static/dist/manifest.json").read_text(encoding="utf-8"))
    named = set(manifest["files"].values()) | {chunk for chunks in manifest["imports"].values() for chunk in chunks}
    assert {"form.js", "app.css"} <= set(manifest["files"]) and any(n.startswith("chunks/") for n in named)
    assert {f"bangfu/web/static/dist/{name}" for name in named} - wheel_files == set()
