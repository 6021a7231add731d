"""Under the pages' Content-Security-Policy, in Chromium: what the calendar and the notice list did with inline
script still works from the pages.js bundle, the task form still validates (its ajv compiles schemas), and a
page breaking the policy would be caught (conftest fails a test on any violation Chromium reports)."""
from playwright.sync_api import expect

from browser_helpers import CSP_VIOLATIONS, sign_in


def test_the_calendar_shows_the_chosen_file_and_the_notice_list_prints(browser, server):
    page = sign_in(browser, server, "center1")
    page.goto(f"{server}/calendar")
    expect(page.locator(".bf-file-name")).to_have_text("未选择文件")
    page.set_input_files(".bf-file input[type=file]", {"name": "2027.csv", "mimeType": "text/csv",
                                                       "buffer": "2027-01-01,休,元旦\n".encode()})
    expect(page.locator(".bf-file-name")).to_have_text("2027.csv")

    page.goto(f"{server}/notices")
    page.evaluate("window.printed = []; window.print = () => { window.printed.push(1); }; 0")
    page.click("button[data-bf-print]")
    assert page.evaluate("window.printed.length") == 1
    page.context.close()


def test_the_task_form_validates_in_the_browser_under_the_policy(browser, server, api):
    case = api.start()
    task = api.open_task(case["id"], case["open_tasks"][0]["name"], user="union1")
    page = sign_in(browser, server, "union1")
    page.goto(f"{server}/tasks/{task['id']}")
    form = page.locator("[data-jsonschema-form]")
    expect(form).to_have_attribute("data-bf-ready", "1")
    page.locator("[data-jsonschema-form] button[type=submit]").first.click()
    expect(page.locator(".bf-error-list")).to_be_visible()
    assert page.url.endswith(f"/tasks/{task['id']}")  # refused in the browser, nothing posted
    page.context.close()


def test_a_violation_would_be_caught(browser, server):
    page = sign_in(browser, server, "center1")
    page.route(f"{server}/inline-script-trap", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><script>document.title = 'ran'</script>",
        headers={"Content-Security-Policy": "script-src 'self'"}))
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.goto(f"{server}/inline-script-trap")
    assert page.title() != "ran"
    caught = [v for v in CSP_VIOLATIONS if "inline-script-trap" in v]
    assert caught
    CSP_VIOLATIONS.clear()  # the trap's violation is the point of this test, not a failure of it
    page.context.close()
