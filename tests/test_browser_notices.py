"""The working-day calendar and the notice list in a real browser (Debian's Chromium, headless), on a desktop and
a phone, and the notice list as printed: A4, without the navigation or the filters."""
from datetime import datetime

import pytest
from playwright.sync_api import expect

from bangfu.config import LOCAL_TIMEZONE
from bangfu.demo import running_notice
from browser_helpers import shot, sign_in

SIZES = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


@pytest.mark.parametrize("size", SIZES)
def test_the_calendar_and_the_notice_list_read_well_on_a_desktop_and_a_phone(browser, server, api, clock, case_at,
                                                                            household, size):
    clock.set_to(datetime(2026, 11, 30, 9, tzinfo=LOCAL_TIMEZONE))
    case_id = case_at("public_notice")
    api.complete(case_id, "public_notice", running_notice())
    page = sign_in(browser, server, "center1", SIZES[size])

    page.goto(f"{server}/calendar?year=2026")
    expect(page.locator(".bf-warning").first).to_contain_text("2027年的节假日安排尚未导入")
    expect(page.locator("table").last).to_contain_text("国庆节")
    shot(page, f"calendar-{size}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1

    page.goto(f"{server}/notices")
    expect(page.locator("table.bf-notice")).to_contain_text(household["name"])
    shot(page, f"notices-{size}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    page.emulate_media(media="print")
    expect(page.locator(".bf-header")).to_be_hidden()
    expect(page.locator("form.bf-no-print")).to_be_hidden()
    expect(page.locator("table.bf-notice thead")).to_be_visible()
    shot(page, f"notices-print-{size}")
    page.context.close()
