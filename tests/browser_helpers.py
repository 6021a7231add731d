"""Driving the pages in Debian's Chromium with Playwright: sign in, fill an rjsf form from data, screenshots."""
import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--lang=zh-CN"]  # date inputs as a user in China sees them
# Headless Chromium takes its UI language (date and month inputs: 2026/12/01, 2026年12月) from the environment; the
# zh-CN locale pack comes from Debian's chromium-l10n (Makefile).
CHROMIUM_ENV = {**os.environ, "LANGUAGE": "zh_CN", "LANG": "zh_CN.UTF-8"}


# Where each role lands after signing in (the roles that work tasks: their inbox).
START_PAGES = {"supervisor": "/cases", "designer": "/models"}


def start_page(username):
    from bangfu.testing import PEOPLE
    return START_PAGES.get(PEOPLE.get(username, ("",))[0], "/inbox")


# What Chromium refused under the pages' Content-Security-Policy, in any test (checked after each, in conftest).
CSP_VIOLATIONS = []


def watch_policy(page):
    """Record every console report of a Content-Security-Policy violation on `page`."""
    page.on("console", lambda message: "Content Security Policy" in message.text
            and CSP_VIOLATIONS.append(f"{page.url}: {message.text}"))
    return page


def sign_in(browser, base_url, username, viewport=None, start=None):
    """A new browser context signed in as `username`, on its role's start page (`start`, for a user of a role
    not in the standard cast)."""
    context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
    context.on("page", watch_policy)
    page = watch_policy(context.new_page())
    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", f"{username}-secret")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{start or start_page(username)}")
    return page


def shot(page, name):
    """Save a full-page screenshot to look at, when BANGFU_TEST_SCREENSHOTS=1: encoding them takes about half of
    the browser tests' time, and no assertion reads them."""
    if os.environ.get("BANGFU_TEST_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _title(prop, value):
    for option in prop.get("oneOf", []):
        if option.get("const") == value:
            return option["title"]
    return str(value)


def fill_form(page, schema, data, prefix="task-form", path=()):
    """Type `data` into the rendered form the way a person would, field by field."""
    for key, value in data.items():
        prop = schema["properties"][key]
        field = "_".join([prefix, *map(str, path), key])
        kind = prop.get("type")
        if kind == "object":
            fill_form(page, prop, value, prefix, (*path, key))
        elif kind == "array" and prop["items"].get("enum"):
            for item in value:
                page.check(f"#{field}-{prop['items']['enum'].index(item)}")
        elif kind == "array":
            for index, item in enumerate(value):
                if not page.locator(f"[id^='{field}_{index}']").count():
                    page.click(f"#{field}__add")
                if prop["items"].get("type") == "object":
                    fill_form(page, prop["items"], item, prefix, (*path, key, index))
                else:
                    page.fill(f"#{field}_{index}", str(item))
        elif "enum" in prop and page.eval_on_selector(f"#{field}", "e => e.tagName") == "SELECT":
            page.select_option(f"#{field}", label=_title(prop, value))
        elif "enum" in prop:  # shown as radio buttons
            page.check(f"#{field}-{prop['enum'].index(value)}")
        elif kind == "boolean":
            page.set_checked(f"#{field}", bool(value))
        else:
            page.fill(f"#{field}", str(value))


def served_schema(page, widget="task-form"):
    """The schema the page renders (choices from the database filled in), read from the page itself."""
    import json
    return json.loads(page.locator(f"script#{widget}").text_content())["schema"]
