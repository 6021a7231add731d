"""Pages load the front-end bundles by content-hashed names, which the service lets browsers cache for good:
an upgrade changes the names, so no browser keeps running a stale bundle."""
import re
from pathlib import Path

import pytest

from bangfu.web import assets
from test_sessions import signed_in_client

DIST = Path(__file__).resolve().parent.parent / "service" / "web" / "static" / "dist"
DIST_URL = re.compile(r'(?:src|href)="/static/(dist/[^"]+)"')
LONG = {"public", "max-age=31536000", "immutable"}


def cache_directives(response):
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


@pytest.fixture
def task_page(app, api):
    case = api.start()
    task = api.open_task(case["id"], next(t["name"] for t in case["open_tasks"]), user="union1")
    client, _ = signed_in_client(app, "union1")
    response = client.get(f"/tasks/{task['id']}")
    assert response.status_code == 200
    return client, response.get_data(as_text=True)


def test_the_task_page_loads_only_hashed_bundles_that_exist(task_page):
    _, html = task_page
    files = DIST_URL.findall(html)
    assert files, "the page references no bundle"
    for file in files:
        assert assets.is_hashed(file), file
        assert (DIST.parent / file).is_file(), file
    scripts = re.findall(r'<script type="module" src="/static/(dist/[^"]+)"', html)
    assert [re.sub(r"-[A-Z0-9]{8}\.js$", ".js", s) for s in scripts] == ["dist/pages.js", "dist/form.js"]
    assert any(f.startswith("dist/chunks/") for f in files), "the form's shared chunks are not preloaded"
    assert re.search(r'<link rel="stylesheet" href="/static/dist/app-[A-Z0-9]{8}\.css">', html)


def test_the_bundles_a_page_loads_are_cached_for_a_year(task_page):
    client, html = task_page
    for file in DIST_URL.findall(html):
        response = client.get(f"/static/{file}")
        assert response.status_code == 200, file
        assert cache_directives(response) >= LONG, (file, response.headers.get("Cache-Control"))


def test_the_fonts_the_stylesheet_names_are_hashed_and_cached_for_a_year(task_page):
    client, html = task_page
    [css] = [f for f in DIST_URL.findall(html) if f.endswith(".css")]
    fonts = re.findall(r"url\(\"?\./(fonts/[^)\"?#]+)", client.get(f"/static/{css}").get_data(as_text=True))
    assert fonts
    for font in fonts:
        response = client.get(f"/static/dist/{font}")
        assert response.status_code == 200 and assets.is_hashed(f"dist/{font}"), font
        assert cache_directives(response) >= LONG, font


@pytest.mark.parametrize("path", ["/static/dist/manifest.json", "/static/favicon.svg", "/login"])
def test_unhashed_files_and_pages_are_not_cached_long(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200
    directives = cache_directives(response)
    assert "immutable" not in directives and "max-age=31536000" not in directives, directives


def test_a_file_not_in_dist_is_not_cached_long_even_with_a_hash_like_name():
    assert not assets.is_hashed("favicon-ABCDEFGH.svg")
    assert not assets.is_hashed("dist/manifest.json")
    assert assets.is_hashed("dist/chunks/chunk-CULVVEKI.js")


def test_an_unbuilt_bundle_is_named_with_the_command_that_builds_it(tmp_path):
    with pytest.raises(assets.BundleMissing, match="npm run build"):
        assets._manifest(str(tmp_path))
