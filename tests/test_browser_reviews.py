"""The annual review in a real browser (Debian's Chromium, headless), at 1280 and 375 px: the centre starts the
year's review from its page, a visitor records the monthly incomes, the conclusion shows the 脱困 suggestion,
the approver approves the exit and the follow-up opens when its timer fires. Screenshots under
test-artifacts/screenshots/review-*.png."""
from playwright.sync_api import expect

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from browser_helpers import fill_form, served_schema, shot, sign_in
from test_annual_review import filed, last_months, models, review_case, visit  # noqa: F401  (fixture)

PHONE = {"width": 375, "height": 800}
SUBMIT = "[data-jsonschema-form='task-form'] button:has-text('提交')"


def no_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1


def open_task(page, server, api, case_id, name):
    page.goto(f"{server}/tasks/{api.open_task(case_id, name)['id']}")
    page.wait_for_selector("[data-jsonschema-form='task-form'] form")


def test_the_centre_starts_the_review_and_concludes_an_exit_from_the_suggestion(
        browser, server, app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at)
    year = clock.today().year
    center = sign_in(browser, server, "center1")
    center.goto(f"{server}/annual-reviews")
    expect(center.locator("h1")).to_have_text(f"{year} 年度复核")
    center.click("button:has-text('为全部在档家庭发起')")
    expect(center.locator(".bf-flash-success")).to_have_text(f"{year} 年度复核：本次发起 1 户，此前已发起 0 户")
    expect(center.locator("td[data-label='待复核']")).to_have_text("1 户")
    shot(center, "review-year-1280")
    phone = sign_in(browser, server, "center1", PHONE)
    phone.goto(f"{server}/annual-reviews")
    expect(phone.locator("td[data-label='已发起']")).to_be_visible()
    shot(phone, "review-year-375")
    no_overflow(phone)
    center.click("button:has-text('为全部在档家庭发起')")
    expect(center.locator(".bf-flash-success")).to_have_text(f"{year} 年度复核：本次发起 0 户，此前已发起 1 户")

    case_id = review_case(app, household_id, year)
    api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
    open_task(center, server, api, case_id, "review_visit_center")
    data = visit([(m, 3900) for m in last_months(6)])
    fill_form(center, served_schema(center), data)
    shot(center, "review-visit-1280")
    center.click(SUBMIT)
    center.wait_for_url(f"{server}/inbox")
    expect(center.locator(".bf-flash-success")).to_have_text("已提交，已转入下一步：年度复核结论")

    open_task(center, server, api, case_id, "review_conclusion")
    suggestion = center.locator(".bf-exit-suggestion")
    expect(suggestion).to_contain_text("建议脱困")
    expect(suggestion).to_contain_text("已连续 6 个月人均月收入高于低保标准")
    shot(center, "review-conclusion-1280")
    open_task(phone, server, api, case_id, "review_conclusion")
    expect(phone.locator(".bf-exit-suggestion")).to_contain_text("建议脱困")
    shot(phone, "review-conclusion-375")
    no_overflow(phone)
    fill_form(center, served_schema(center), {"decision": "exit", "exit_reason": "out_of_hardship",
                                              "opinion": "连续6个月收入高于低保标准"})
    center.click(SUBMIT)
    center.wait_for_url(f"{server}/inbox")
    expect(center.locator(".bf-flash-success")).to_have_text("已提交，已转入下一步：退出审批")

    approver = sign_in(browser, server, "approver1")
    open_task(approver, server, api, case_id, "exit_approval")
    shot(approver, "review-exit-approval-1280")
    fill_form(approver, served_schema(approver), {"decision": "approve"})
    approver.click(SUBMIT)
    approver.wait_for_url(f"{server}/inbox")

    clock.advance(days=200)
    run_in(app, lambda session: fire_timers(session, services(), case_id))
    center.context.close()
    phone.context.close()
    center = sign_in(browser, server, "center1")  # months later, signed in afresh (a page session lasts 12 hours)
    phone = sign_in(browser, server, "center1", PHONE)
    open_task(center, server, api, case_id, "follow_up_visit")
    shot(center, "review-follow-up-1280")
    open_task(phone, server, api, case_id, "follow_up_visit")
    shot(phone, "review-follow-up-375")
    no_overflow(phone)
    fill_form(center, served_schema(center), {"visit_date": clock.today().isoformat(),
                                              "situation": "就业稳定，收入正常"})
    center.check("#task-form_returned_to_hardship-1")  # 否
    center.click(SUBMIT)
    center.wait_for_url(f"{server}/inbox")
    expect(center.locator(".bf-flash-success")).to_have_text("已提交，案件已办结")
    center.goto(f"{server}/cases/{case_id}")
    shot(center, "review-case-1280")
    center.context.close()
    phone.context.close()
    approver.context.close()
