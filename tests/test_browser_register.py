"""The register in a real browser at 1280 px and on a 375 px phone: 初审 shows the warning for a member who is
in another filed household, with that file's number; the register list reads as cards on the phone and
filters by status; the household page of a returning worker links both files."""
import pytest
from playwright.sync_api import expect

from bangfu.demo import declaration
from browser_helpers import shot, sign_in
from test_households import drive, exit_as_center

VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_preliminary_review_warns_of_a_member_in_another_file(browser, server, api, household, replies, rng,
                                                                  size):
    filed = drive(api, replies, household)
    file_number = api.case(filed)["file_number"]
    other = declaration(rng)
    other["family_members"][2] = dict(other["family_members"][2], name=household["family_members"][2]["name"],
                                      id_number=household["family_members"][2]["id_number"])
    case_id = drive(api, replies, other, stop="preliminary_review")
    page = sign_in(browser, server, "union1", VIEWPORTS[size])
    page.goto(f"{server}/tasks/{api.open_task(case_id, 'preliminary_review')['id']}")
    page.wait_for_selector("[data-jsonschema-form='task-form'] form")
    warning = page.locator(".bf-household-warnings")
    expect(warning).to_contain_text(f"家庭成员{household['family_members'][2]['name']}已在其他在档家庭中")
    expect(warning).to_contain_text(file_number)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, f"register-member-warning-{size}")
    page.context.close()


def test_the_register_on_a_phone_filters_and_links_a_returning_workers_files(app, browser, server, api, household,
                                                                             replies):
    first = drive(api, replies, household)
    old_id = api.case(first)["household_id"]
    exit_as_center(app, old_id, "relieved")
    again = drive(api, replies, household, stop="preliminary_review")
    page = sign_in(browser, server, "center1", VIEWPORTS["phone"])
    page.goto(f"{server}/households")
    page.select_option("select[name=status]", "relieved")
    page.get_by_role("button", name="筛选").click()
    cards = page.locator("table.bf-cards tbody tr")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("已解困")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "register-list-relieved-phone")
    cards.first.locator("a").click()
    expect(page.locator("h1")).to_contain_text(api.case(first)["file_number"])
    page.get_by_role("link", name="（未建档）").click()
    expect(page.locator("h1")).to_contain_text(household["name"])
    expect(page.locator(".bf-flash")).to_contain_text("该职工此前的档案")
    assert page.url.endswith(f"/households/{api.case(again)['household_id']}")
    shot(page, "register-returning-worker-phone")
    page.context.close()
