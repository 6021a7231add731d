"""The pages in a real browser (Debian's Chromium, headless): inboxes and case lists as cards on a phone,
withdrawing a declaration never submitted, each role's start page, the error page and the favicon."""
from playwright.sync_api import expect

from browser_helpers import shot, sign_in

PHONE = {"width": 375, "height": 800}


def section(page, heading):
    return page.locator("section", has=page.locator("h2", has_text=heading))


def fits_the_screen(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def labels(card):
    """The column names a card shows before its values (CSS generated content, which text matching skips)."""
    return card.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content).filter(c => c !== 'none')")


def within_width(locator, width=375):
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box


def test_on_a_phone_the_inbox_is_a_list_of_cards_with_their_buttons_in_reach(browser, server, case_at, household):
    case_at("preliminary_review")
    page = sign_in(browser, server, "union1", viewport=PHONE)
    card = section(page, "待认领").locator("tr", has_text=household["name"])
    expect(card).to_contain_text("初审")
    assert labels(card) == ['"案件编号"', '"当前步骤"', '"已等待"', '"办理期限"']  # each value beside its column's name
    expect(section(page, "待认领").locator("thead")).to_be_hidden()
    within_width(card.locator("a:has-text('办理')"))
    within_width(card.locator("button:has-text('认领')"))
    fits_the_screen(page)
    shot(page, "phone-inbox-cards")

    card.locator("button:has-text('认领')").click()
    mine = section(page, "我已认领").locator("tr", has_text=household["name"])
    within_width(mine.locator("a:has-text('办理')"))
    within_width(mine.locator("button:has-text('退回任务池')"))
    fits_the_screen(page)
    shot(page, "phone-inbox-claimed")

    desktop = sign_in(browser, server, "union1")
    expect(section(desktop, "我已认领").locator("thead")).to_be_visible()
    expect(section(desktop, "我已认领").locator("th", has_text="当前步骤")).to_be_visible()


def test_on_a_phone_the_case_list_is_a_list_of_cards(browser, server, case_at, household):
    case_at("household_visit")
    page = sign_in(browser, server, "supervisor1", viewport=PHONE)
    card = page.locator("table.bf-table tbody tr", has_text=household["name"])
    expect(card).to_contain_text("入户走访")
    assert '"申报工会"' in labels(card)
    within_width(card.locator("a").first)
    fits_the_screen(page)
    shot(page, "phone-cases-cards")


def test_a_union_withdraws_a_declaration_it_never_submitted(browser, server, api):
    kept = api.start()["reference"]
    page = sign_in(browser, server, "union1")
    page.click("text=申报困难家庭")
    page.click("button:has-text('新建申报')")
    page.wait_for_selector("#task-form_name")
    reference = page.locator("hgroup p").inner_text().split("案件 ")[1].split()[0]
    page.click("summary:has-text('撤回此申报')")
    shot(page, "declaration-withdraw")
    page.click("button:has-text('确认撤回申报')")
    page.wait_for_url(f"{server}/inbox")
    expect(page.locator(".bf-flash-success")).to_contain_text(f"已撤回申报 {reference}")
    tasks = page.locator("section table.bf-table")
    expect(tasks.first).not_to_contain_text(reference)
    expect(tasks.last).not_to_contain_text(reference)
    expect(section(page, "待认领")).to_contain_text(kept)
    shot(page, "inbox-after-withdrawal")

    page.goto(f"{server}/cases?status=draft")
    expect(page.locator("table.bf-table")).to_contain_text(kept)
    expect(page.locator("table.bf-table")).not_to_contain_text(reference)
    page.goto(f"{server}/cases")
    expect(page.locator("table.bf-table")).not_to_contain_text(reference)
    page.select_option("select[name=status]", label="已撤回")
    page.click("button:has-text('筛选')")
    expect(page.locator("table.bf-table tbody tr")).to_have_count(1)
    expect(page.locator("table.bf-table")).to_contain_text(reference)
    page.locator("table.bf-table a", has_text=reference).click()
    expect(page.locator("hgroup")).to_contain_text("已撤回")
    expect(page.locator("table.bf-timeline")).to_contain_text("撤回申报")
    expect(page.locator("summary:has-text('撤回此申报')")).to_have_count(0)


def test_each_role_lands_on_its_own_start_page(browser, server):
    for username, heading, nav in [("supervisor1", "案件", "统计"), ("designer1", "流程模型", "流程模型"),
                                   ("inspector1", "我的待办", "案件"), ("center1", "我的待办", "案件")]:
        page = sign_in(browser, server, username)  # waits for the role's start page
        expect(page.locator("main h1")).to_contain_text(heading)
        expect(page.locator("header nav")).to_contain_text(nav)
        if username in ("supervisor1", "designer1"):
            expect(page.locator("header nav")).not_to_contain_text("我的待办")
        shot(page, f"start-{username}")
        page.context.close()


def test_an_unknown_address_shows_the_chinese_error_page_and_the_favicon_loads(browser, server):
    page = sign_in(browser, server, "union1")
    response = page.goto(f"{server}/no-such-page")
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("未找到您要的页面或任务")
    expect(page.locator("header nav")).to_contain_text("我的待办")
    shot(page, "error-404")
    page.click("text=返回首页")
    page.wait_for_url(f"{server}/inbox")
    icon = page.request.get(f"{server}/favicon.ico")
    assert icon.status == 200 and icon.headers["content-type"].startswith("image/")
    linked = page.eval_on_selector("link[rel=icon]", "l => l.href")
    assert page.request.get(linked).status == 200


def test_every_roles_start_page_fits_a_phone_with_its_buttons_in_reach(browser, server, api, case_at):
    for stage in ("preliminary_review", "assign_third_party", "household_visit", "approval", "payment"):
        case_at(stage)
    case_at(None)
    returned = case_at("preliminary_review")
    api.complete(returned, "preliminary_review", {"decision": "return", "opinion": "请补充收入证明"})
    api.start()  # a draft, marked as one in the union's inbox
    for username in ("union1", "center1", "thirdparty1", "inspector1", "approver1", "finance1", "supervisor1",
                     "designer1"):
        for width in (375, 1280):
            page = sign_in(browser, server, username, viewport={"width": width, "height": 800})
            fits_the_screen(page)
            if username == "union1":
                expect(page.locator("table.bf-cards .bf-tag-return")).to_have_text(["退回补正"])
                expect(page.locator("table.bf-cards .bf-tag-draft")).to_have_text(["草稿"])
            if width == 375:
                for button in page.locator("table.bf-cards :is(a[role=button], button)").all():
                    within_width(button)
            shot(page, f"start-{username}-{width}")
            page.context.close()


def test_the_centre_s_navigation_stays_compact_and_within_the_screen(browser, server):
    """The centre has the most links (issue 8 added 家庭档案, 年度复核, 公示名单, 工作日历, 督办, 消息; issue 9's money
    pages are one 资金 link, their own tabs on each money page): on a
    desktop and a tablet the bar takes at most two short rows (it took 197 px at 1280 and 254 px at 1024), and
    on a phone every link is on screen, none cut off and nothing scrolls sideways."""
    links = ["我的待办", "案件", "家庭档案", "资金", "统计", "年度复核", "公示名单", "工作日历", "督办", "消息", "退出"]
    for width, tallest in [(1280, 160), (1024, 160), (375, 200)]:
        page = sign_in(browser, server, "center1", viewport={"width": width, "height": 900})
        header = page.locator(".bf-header").bounding_box()
        assert header["height"] <= tallest, (width, header["height"])
        for text in links:
            box = page.locator(".bf-header nav li", has_text=text).last.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, (width, text, box)
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        shot(page, f"nav-center-{width}")
        page.context.close()
