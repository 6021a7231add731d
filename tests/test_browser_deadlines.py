"""Deadlines in a real browser (Debian's Chromium, headless): the inbox's 办理期限 and its 逾期 mark, the same
late task in the case list, on its case page and on the dashboard, and the 公示 form saying beside its fields
why it cannot be concluded yet. Time moves by the settable clock (the server runs in this process)."""
from datetime import timedelta

from playwright.sync_api import expect

from bangfu import calendar
from bangfu.web.formatting import local_time
from browser_helpers import fill_form, served_schema, shot, sign_in


def shown_date(day):
    return local_time(calendar.due_on(day), False)


def test_the_inbox_shows_each_due_date_and_marks_a_task_overdue_once_it_has_passed(
        browser, server, clock, case_at, household):
    case_at("preliminary_review")  # the union has 5 days for it
    due = clock.today() + timedelta(days=5)
    union = sign_in(browser, server, "union1")
    row = union.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
    expect(row).to_contain_text(shown_date(due))
    expect(row).not_to_contain_text("逾期")
    shot(union, "inbox-due-date")

    clock.advance(days=6)
    union.reload()
    mark = row.locator(".bf-overdue")
    expect(mark).to_contain_text(shown_date(due))
    expect(mark.locator("strong")).to_have_text("逾期")
    expect(mark).to_have_css("color", "rgb(201, 42, 42)")
    shot(union, "inbox-overdue")
    phone = sign_in(browser, server, "union1", viewport={"width": 375, "height": 800})
    expect(phone.locator(".bf-overdue:visible").first).to_contain_text("逾期")
    shot(phone, "inbox-overdue-375")

    supervisor = sign_in(browser, server, "supervisor1")
    supervisor.goto(f"{server}/cases?overdue=1")
    expect(supervisor.locator("table.bf-table tbody")).to_contain_text(household["name"])
    supervisor.locator("tr", has_text=household["name"]).locator("a").first.click()
    expect(supervisor.locator(".bf-overdue")).to_contain_text("逾期")
    supervisor.goto(f"{server}/dashboard")
    late = supervisor.locator("section", has_text="逾期任务").locator("tr", has_text=household["name"])
    expect(late).to_contain_text("初审")
    expect(late.locator(".bf-overdue")).to_contain_text("逾期")
    shot(supervisor, "dashboard-late-tasks")


def field_group(page, field):
    """The form group of one field of the task form, where its errors are shown."""
    return page.locator(f"[id^='task-form_{field}']").first.locator(
        "xpath=ancestor::div[contains(@class,'form-group')][1]")


def test_the_notice_form_says_beside_its_fields_why_it_cannot_be_concluded_yet(
        browser, server, clock, case_at, household):
    case_at("public_notice")
    start = clock.today()
    center = sign_in(browser, server, "center1")
    center.locator("section", has_text="待认领").locator("tr", has_text=household["name"]) \
        .locator("a:has-text('办理')").click()
    center.wait_for_selector("[data-jsonschema-form='task-form'] form")
    fill_form(center, served_schema(center), {"notice_start": start.isoformat(),
                                              "notice_end": (start + timedelta(days=1)).isoformat(),
                                              "decision": "approve"})
    center.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    expect(field_group(center, "notice_end")).to_contain_text("公示期不少于 5 天（含开始和结束当天），公示结束日期不能早于")
    expect(field_group(center, "decision")).to_contain_text("期满后")
    shot(center, "public-notice-too-short")

    end = start + timedelta(days=6)
    center.fill("#task-form_notice_end", end.isoformat())
    center.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    expect(field_group(center, "decision")).to_contain_text("期满后")
    expect(field_group(center, "notice_end")).not_to_contain_text("不能早于")
    expect(center.locator("#task-form_notice_end")).to_have_value(end.isoformat())
    shot(center, "public-notice-not-over")

    clock.advance(days=7)
    center.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    center.wait_for_url(f"{server}/inbox")
    expect(center.locator(".bf-flash-success")).to_be_visible()
    expect(center.locator("section", has_text="待认领").locator("tr", has_text=household["name"])).to_contain_text("建档")
