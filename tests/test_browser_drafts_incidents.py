"""In a real browser: the form editor saves a draft revision, and the centre head skips an incident's failed step."""
from browser_helpers import sign_in
from test_form_drafts import FORM, drafts
from test_incidents import case_in_incident


def test_the_form_editor_saves_a_draft_revision(browser, server, app):
    page = sign_in(browser, server, "designer1")
    page.goto(f"{server}/forms/{FORM}")
    page.wait_for_selector("[data-form-editor] textarea")
    assert "系统内置版本" in page.inner_text("hgroup")
    page.click("button:has-text('保存表单')")
    page.wait_for_selector(".bf-flash-success")
    assert "第 1 版" in page.inner_text(".bf-flash-success")
    assert [row[:2] for row in drafts(app)] == [(1, "designer1")]
    assert "草稿第 1 版" in page.inner_text("hgroup")
    page.context.close()


def test_the_head_skips_a_failed_step_on_the_incidents_page(browser, server, api):
    case_id = case_in_incident(api, "total = 1 / 0")
    page = sign_in(browser, server, "head1")
    page.click("nav >> text=流程异常")
    card = page.locator(f"#incident-{case_id}")
    assert "ZeroDivisionError" in card.inner_text()
    card.locator("textarea[name=reason]").fill("金额由人工核算")
    card.locator("[data-action=skip]").click()
    page.wait_for_selector(".bf-flash-success")
    assert "已跳过失败步骤" in page.inner_text(".bf-flash-success")
    assert api.case(case_id)["status"] == "active"
    page.context.close()


def test_the_head_previews_the_move_then_retries_on_the_newest_version(browser, server, api):
    """From the incident card to the preview of the move (in Chinese, fitting a phone) and the retry there."""
    from test_browser_language import CUT_LABELS, OPEN_ALL, VIEWPORTS, VISIBLE_TEXT, foreign
    from test_incidents import model
    from test_process_models import upload
    case_id = case_in_incident(api, "total = 1 / 0")
    assert upload(api, model("total = 1 + 1"), comment="修正脚本").status_code == 201
    page = sign_in(browser, server, "head1", VIEWPORTS["phone"])
    page.goto(f"{server}/incidents")
    page.locator(f"#incident-{case_id} [data-action=retry-latest-preview]").click()
    page.wait_for_selector("[data-action=retry-latest]")
    page.evaluate(OPEN_ALL)
    error = ["ZeroDivisionError", "division", "by", "zero"]  # the engine's error, quoted as it came
    assert foreign(page.evaluate(VISIBLE_TEXT, True), ["head1", *error]) == []
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    assert page.evaluate(CUT_LABELS) == []  # each card label on one line (待办任务对 / 应 was not)
    assert "确认 → 确认" in page.inner_text("main")
    page.fill("textarea[name=reason]", "第 2 版已修正脚本")
    page.click("[data-action=retry-latest]")
    page.wait_for_selector(".bf-flash-success")
    assert "已重试，当前状态：办理中" in page.inner_text(".bf-flash-success")
    case = api.case(case_id)
    assert (case["status"], case["process_version"]) == ("active", 2)
    page.context.close()
