"""The centre head's people pages in a real browser: 改派 on a task page offering only colleagues free to do the step,
a refusal shown in words; the 人员 page at 375 px with 停用 behind a confirmation; a colleague's delegated task in the
inbox, marked 委托."""
from datetime import timedelta

from playwright.sync_api import expect

from bangfu import clock as service_clock
from browser_helpers import shot, sign_in

PHONE = {"width": 375, "height": 800}
# The texts of the elements a selector finds that run over more than one line: a date or a conclusion broken
# in two (2026年12月6 / 日, 通 / 过).
ONE_LINE = """(selector) => [...document.querySelectorAll(selector)].filter((e) => {
  const range = document.createRange();
  range.selectNodeContents(e);
  return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
}).map((e) => e.textContent.trim())"""


def test_the_centre_head_reassigns_on_the_task_page_to_colleagues_free_to_do_the_step(browser, server, api, case_at):
    """approver1 also holds the finance role but approved this case, so may not confirm its payment: the page
    does not offer approver1. A colleague deactivated while the page was open is refused in words."""
    case_id = case_at("payment")  # approver1 approved it
    for username in ("approver1", "center1"):
        assert api.post(f"/api/v1/users/{username}/roles", "head1", json={"role": "finance"}).status_code == 200
    task = api.open_task(case_id, "payment")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance1").status_code == 200

    page = sign_in(browser, server, "head1")
    page.goto(f"{server}/tasks/{task['id']}")
    reassign = page.locator(".bf-reassign")
    expect(reassign).to_contain_text("将此任务从 finance1 改派给")
    assert reassign.locator("select[name=username] option").all_inner_texts() == ["center1", "finance2"]
    shot(page, "people-reassign-offered")

    assert api.post("/api/v1/users/finance2/deactivate", "head1").status_code == 200
    reassign.locator("select[name=username]").select_option(label="finance2")
    reassign.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/tasks/{task['id']}")
    alert = page.locator("main [role=alert], main .bf-flash-error, main .bf-flash").first
    expect(page.locator("main")).to_contain_text("改派未成功：改派对象不存在或已停用")
    shot(page, "people-reassign-refused")
    assert "Forbidden" not in page.inner_text("body") and alert.count() == 1
    assert api.open_task(case_id, "payment")["assignee"] == "finance1"  # unchanged

    page.locator(".bf-reassign select[name=username]").select_option(label="center1")
    page.locator(".bf-reassign button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("已改派给 center1")
    assert api.open_task(case_id, "payment")["assignee"] == "center1"
    page.context.close()


def test_nobody_but_the_centre_head_is_offered_reassignment(browser, server, api, case_at):
    case_id = case_at("payment")
    task = api.open_task(case_id, "payment")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "finance1")
    page = sign_in(browser, server, "supervisor1")
    page.goto(f"{server}/tasks/{task['id']}")
    expect(page.locator("h1")).to_be_visible()
    assert page.locator(".bf-reassign").count() == 0
    page.context.close()


def test_the_people_page_on_a_phone_deactivates_after_a_confirmation(browser, server, api):
    page = sign_in(browser, server, "head1", PHONE)
    page.click("nav >> text=人员")
    page.wait_for_url(f"{server}/people")
    row = page.locator("tr", has=page.locator("td", has_text="finance2"))
    expect(row).to_contain_text("财务（主要）")
    assert row.locator("text=停用").evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgb(201, 42, 42)"
    expect(row).to_contain_text("在职")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "people-list-phone")

    row.locator("select[name=role]").select_option(label="督查")
    row.locator("text=增加角色").click()
    expect(page.locator("main")).to_contain_text("已为 finance2 增加角色「督查」")

    page.locator("tr", has=page.locator("td", has_text="finance2")).locator("text=停用").click()
    expect(page.locator("h1")).to_have_text("停用 finance2？")
    red = "(e) => getComputedStyle(e).backgroundColor"
    assert page.locator("text=确认停用").evaluate(red) == "rgb(201, 42, 42)", "the confirmation reads as ordinary"
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "people-deactivate-phone")
    page.click("text=确认停用")
    page.wait_for_url(f"{server}/people")
    expect(page.locator("main")).to_contain_text("已停用 finance2")
    expect(page.locator("tr", has=page.locator("td", has_text="finance2"))).to_contain_text("已停用")
    assert api.get("/api/v1/tasks", "finance2").status_code == 401
    page.context.close()


def test_a_delegated_task_shows_in_the_colleagues_inbox_marked_and_the_delegation_is_made_on_the_page(
        browser, server, api, case_at):
    assert api.post("/api/v1/users", "head1", json={
        "username": "center2", "display_name": "center2", "role": "assistance_center", "org": "ZJG-CENTER",
        "password": "center2-secret"}).status_code == 201
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "center1")

    page = sign_in(browser, server, "center1", PHONE)
    page.click("text=委托同事代办")
    page.select_option("select[name=delegate]", label="center2")
    page.fill("input[name=ends_on]", (service_clock.today() + timedelta(days=6)).isoformat())
    page.click("form.bf-delegate-form button[type=submit]")
    expect(page.locator("main")).to_contain_text("已委托 center2")
    expect(page.locator(".bf-delegations")).to_contain_text("生效中")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.context.close()

    colleague = sign_in(browser, server, "center2", PHONE, start="/inbox")
    mine = colleague.locator("section", has=colleague.locator("h2", has_text="我已认领"))
    expect(mine.locator(".bf-tag-delegated")).to_have_text("委托 · center1")
    expect(colleague.locator(".bf-delegations")).to_contain_text("受 center1 委托")
    assert colleague.evaluate(ONE_LINE, ".bf-delegations .bf-day") == [], "a day of the period breaks across lines"
    shot(colleague, "people-delegated-inbox-phone")
    mine.locator("a", has_text="办理").first.click()
    expect(colleague.locator(".bf-delegated")).to_contain_text("委托：center1 已认领此任务，委托期间由您代办")
    expect(colleague.locator("[data-jsonschema-form]")).to_be_visible()  # the form is theirs to fill
    colleague.context.close()


def test_the_earlier_steps_conclusions_stay_whole_on_a_phone(browser, server, api, case_at):
    """On a 375 px phone the summary line of each earlier step wraps, but its conclusion (通过, 退回补正) is one
    block, never 通 at the end of one line and 过 at the start of the next."""
    case_id = case_at("re_review")
    page = sign_in(browser, server, "center1", PHONE)
    page.goto(f"{server}/tasks/{api.open_task(case_id, 're_review')['id']}")
    marks = page.locator(".bf-step summary mark")
    expect(marks.first).to_be_visible()
    assert marks.count() >= 2  # 初审 and 走访监督
    assert page.evaluate(ONE_LINE, ".bf-step summary mark") == []
    page.context.close()
