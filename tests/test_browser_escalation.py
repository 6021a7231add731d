"""The 督办 in a browser, at 1280 px and on a 375 px phone: the centre head hears of it in 消息, opens it from
there, the case's diagram shows the timer and the 督办 as the current step in the head's lane, and the head's
instruction lands in the case's history while the visit stays open."""
import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from browser_helpers import shot, sign_in
from test_browser_language import VIEWPORTS, _wait_for_widgets


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_head_opens_the_escalation_from_messages_and_instructs(app, browser, server, api, clock, case_at, size):
    case_id = case_at("household_visit")  # the visit is due in 14 days (demo answers)
    clock.advance(days=15)
    run_in(app, lambda session: fire_timers(session, services(), case_id))

    page = sign_in(browser, server, "head1", VIEWPORTS[size])
    assert page.locator(".bf-messages-link .bf-count").inner_text() == "1"
    page.click(".bf-messages-link")
    shot(page, f"escalation-messages-{size}")
    message = page.get_by_role("link", name="督办已到达，请办理")
    assert message.count() == 1
    message.click()
    page.wait_for_url(f"{server}/tasks/*")
    _wait_for_widgets(page)
    assert page.locator(".bf-messages-link .bf-count").count() == 0  # opened: read
    page.fill("textarea", "请第三方两日内完成走访并说明原因")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state("load")

    page.goto(f"{server}/cases/{case_id}")
    _wait_for_widgets(page)
    assert page.locator(".djs-element[data-element-id='visit_overdue']").count() == 1
    assert page.locator(".djs-element.bf-current[data-element-id='household_visit']").count() == 1
    assert page.locator(".djs-element[data-element-id='supervise_visit']:not(.bf-current)").count() == 1
    page.get_by_role("button", name="显示整个流程图").click()
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    shot(page, f"escalation-case-{size}")
    history = page.locator("body").inner_text()
    assert "督办" in history and "请第三方两日内完成走访并说明原因" in history
    page.context.close()
    assert "household_visit" in [t["name"] for t in api.case(case_id)["open_tasks"]]
