"""Deadlines in a real browser (Debian's Chromium, headless): the inbox's 办理期限 and its 逾期 mark, the same
late task in the case list, on its case page and on the dashboard, and the 公示 form saying beside its end date
why it is too short, then the case waiting out the notice. Time moves by the settable clock (the server runs in this process)."""
from datetime import date, datetime

from sqlalchemy import select

from playwright.sync_api import expect

from bangfu import calendar
from bangfu.casework.commands import fire_timers
from bangfu.config import LOCAL_TIMEZONE
from bangfu.services import services
from bangfu.tasks.models import HumanTask, TaskState
from bangfu.unit_of_work import run_in
from bangfu.web.formatting import local_time
from browser_helpers import fill_form, served_schema, shot, sign_in
from test_public_notice import replies  # noqa: F401  (the visit made on 1 September: the clock goes back)


def open_rows_named(session, name="notice_objection"):
    return session.scalars(select(HumanTask).where(HumanTask.spec_name == name, HumanTask.state == TaskState.OPEN))


def shown_date(day):
    return local_time(calendar.due_on(day), False)


def test_the_inbox_shows_each_due_date_and_marks_a_task_overdue_once_it_has_passed(
        browser, server, clock, case_at, household):
    clock.set_to(datetime(2026, 11, 30, 9, tzinfo=LOCAL_TIMEZONE))  # a Monday
    case_at("preliminary_review")  # the union has 5 working days for it: Monday 7 December
    due = date(2026, 12, 7)
    union = sign_in(browser, server, "union1")
    row = union.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
    expect(row).to_contain_text(shown_date(due))
    expect(row).not_to_contain_text("逾期")
    shot(union, "inbox-due-date")

    clock.advance(days=8)
    union.context.close()
    union = sign_in(browser, server, "union1")  # a week later, signed in afresh (a page session lasts 12 hours)
    row = union.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
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


def test_the_notice_form_says_beside_its_end_date_why_it_is_too_short_and_the_case_waits_out_the_notice(
        app, browser, server, clock, case_at, household):
    """Published on Monday 28 September 2026: five working days end on Friday 9 October (1–7 October off)."""
    clock.set_to(datetime(2026, 9, 25, 9, tzinfo=LOCAL_TIMEZONE))
    case_at("public_notice")
    clock.set_to(datetime(2026, 9, 28, 9, tzinfo=LOCAL_TIMEZONE))
    center = sign_in(browser, server, "center1")
    center.locator("section", has_text="待认领").locator("tr", has_text=household["name"]) \
        .locator("a:has-text('办理')").click()
    center.wait_for_selector("[data-jsonschema-form='task-form'] form")
    fill_form(center, served_schema(center), {"notice_start": "2026-09-28", "notice_end": "2026-10-08"})
    center.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    expect(field_group(center, "notice_end")).to_contain_text(
        "公示期不少于 5 个工作日（含开始和结束当天，节假日不计），公示结束日期不能早于2026年10月9日")
    shot(center, "public-notice-too-short")

    center.fill("#task-form_notice_end", "")
    center.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    center.wait_for_url(f"{server}/inbox")
    row = center.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
    expect(row).to_contain_text("公示异议登记")
    expect(row).to_contain_text(shown_date(date(2026, 10, 9)))
    shot(center, "public-notice-waiting")

    clock.set_to(datetime(2026, 10, 10, 8, tzinfo=LOCAL_TIMEZONE))
    [case_id] = run_in(app, lambda session: [t.case_id for t in open_rows_named(session)])
    run_in(app, lambda session: fire_timers(session, services(), case_id))
    center.context.close()
    center = sign_in(browser, server, "center1")  # twelve days later, signed in afresh
    expect(center.locator("section", has_text="待认领").locator("tr", has_text=household["name"])).to_contain_text("建档")
