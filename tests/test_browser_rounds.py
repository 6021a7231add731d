"""Rounds and the assessment in a real browser (Debian's Chromium, headless): a review that comes round again
opens empty under each earlier round shown on its own; the returned declaration comes back filled in; the
assessment never negative, declared beside verified after the visit, and the decided category once decided."""
from playwright.sync_api import expect

from browser_helpers import shot, sign_in


def open_task_page(page, server, api, case_id, name):
    page.goto(f"{server}/tasks/{api.open_task(case_id, name)['id']}")
    # a step's form, or (the payment step, which the bank's result completes) where the bank payment stands
    page.wait_for_selector("[data-jsonschema-form='task-form'] form, .bf-current dl.bf-data")


def earlier(page, title):
    return page.locator(".bf-earlier details.bf-step", has_text=title)


def test_a_review_that_comes_round_again_opens_empty_under_both_rounds(browser, server, api, case_at, household):
    case_id = case_at("preliminary_review")
    union = sign_in(browser, server, "union1")
    open_task_page(union, server, api, case_id, "preliminary_review")
    union.check("#task-form_decision-1")  # 退回补正
    union.fill("#task-form_opinion", "请补充医院诊断证明")
    union.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    union.wait_for_url(f"{server}/inbox")
    expect(union.locator(".bf-flash-success")).to_have_text("已提交，已退回申报人补正")

    open_task_page(union, server, api, case_id, "declaration")
    expect(union.locator("#task-form_name")).to_have_value(household["name"])
    expect(union.locator("#task-form_bank_card_number")).to_have_value(household["bank_card_number"])
    union.fill("#task-form_hardship_description", "已补充医院诊断证明。")
    shot(union, "rounds-declaration-returned")
    union.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    union.wait_for_url(f"{server}/inbox")
    expect(union.locator(".bf-flash-success")).to_have_text("已提交，已转入下一步：初审")

    open_task_page(union, server, api, case_id, "preliminary_review")
    for index in range(3):
        expect(union.locator(f"#task-form_decision-{index}")).not_to_be_checked()
    expect(union.locator("#task-form_opinion")).to_have_value("")
    first = earlier(union, "初审（第1次）")
    expect(first.locator("summary")).to_contain_text("退回补正")
    expect(first.locator("summary")).to_contain_text("请补充医院诊断证明")
    expect(earlier(union, "申报（第1次）")).to_have_count(1)
    expect(earlier(union, "申报（第2次）")).to_have_count(1)
    shot(union, "rounds-second-preliminary-review")
    phone = sign_in(browser, server, "union1", {"width": 375, "height": 800})
    open_task_page(phone, server, api, case_id, "preliminary_review")
    expect(phone.locator("#task-form_opinion")).to_have_value("")
    lines = phone.locator(".bf-earlier h2").evaluate(
        "h => h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight)")
    assert lines < 1.5, f"the earlier steps' heading takes {lines:.1f} lines on a phone"
    shot(phone, "rounds-second-preliminary-review-375")

    union.check("#task-form_decision-0")  # 通过, the box left empty
    union.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    union.wait_for_url(f"{server}/inbox")
    expect(union.locator(".bf-flash-success")).to_have_text("已提交，已转入下一步：委派第三方复审")

    center = sign_in(browser, server, "center1")
    open_task_page(center, server, api, case_id, "assign_third_party")
    second = earlier(center, "初审（第2次）").locator("summary")
    expect(second).to_contain_text("通过")
    expect(second).not_to_contain_text("意见")
    second_declaration = earlier(center, "申报（第2次）")
    second_declaration.locator("summary").click()
    expect(second_declaration.locator("dt:has-text('困难情况说明') + dd")).to_have_text("已补充医院诊断证明。")
    first_declaration = earlier(center, "申报（第1次）")
    first_declaration.locator("summary").click()
    expect(first_declaration.locator("dt:has-text('困难情况说明') + dd")).to_have_text(household["hardship_description"])
    shot(center, "rounds-both-reviews-shown")


def test_expenses_above_income_show_zero_and_say_so(browser, server, api, household):
    members = [dict(m, monthly_income=3200 if m["relation"] == "self" else 0) for m in household["family_members"]]
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", dict(household, family_members=members, monthly_household_income=3200,
                                              unavoidable_expenses=48000))
    union = sign_in(browser, server, "union1")
    open_task_page(union, server, api, case_id, "preliminary_review")
    panel = union.locator(".bf-assessment")
    expect(panel).to_contain_text("家庭人均月收入（申报）¥0.00")
    expect(panel).to_contain_text("家庭刚性支出超过家庭收入，人均月收入按 0 元计")
    expect(panel).not_to_contain_text("-")
    shot(union, "assessment-expenses-above-income")


def test_members_incomes_not_adding_up_warn_at_preliminary_review(browser, server, api, household):
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", dict(household, monthly_household_income=3000))
    union = sign_in(browser, server, "union1")
    open_task_page(union, server, api, case_id, "preliminary_review")
    expect(union.locator(".bf-assessment .bf-warning")).to_contain_text(
        "家庭成员月收入合计 2,000.00 元，与申报的家庭月总收入 3,000.00 元不一致")
    shot(union, "assessment-income-warning")


def test_the_visit_shows_declared_and_verified_then_the_decided_category(browser, server, api, case_at, replies):
    case_id = case_at("household_visit")
    api.complete(case_id, "household_visit", dict(replies["household_visit"], verified_monthly_household_income=5000))
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])

    center = sign_in(browser, server, "center1")
    open_task_page(center, server, api, case_id, "re_review")
    panel = center.locator(".bf-assessment")
    expect(panel).to_contain_text("申报 ¥500.00 / 核实 ¥1,500.00")
    expect(panel).to_contain_text("建议类别 相对困难")
    shot(center, "assessment-declared-and-verified")

    api.complete(case_id, "re_review", dict(replies["re_review"], category="deep"))
    for step in ("public_notice", "open_file", "approval"):
        api.complete(case_id, step, replies[step])
    finance = sign_in(browser, server, "finance1")
    open_task_page(finance, server, api, case_id, "payment")
    panel = finance.locator(".bf-assessment")
    expect(panel.locator(".bf-decided")).to_have_text("深度困难")
    expect(panel).to_contain_text("复审认定类别 深度困难")
    expect(panel).to_contain_text("（系统建议：相对困难）")
    expect(panel).not_to_contain_text("家庭人均月收入")  # finance sees no income, not even a hidden one
    expect(finance.locator(".bf-payee")).to_contain_text("审批金额 ¥800.00")
    expect(earlier(finance, "复审结论").locator("summary")).to_contain_text("认定类别：深度困难")
    expect(earlier(finance, "审批").locator("summary")).to_contain_text("审批金额：¥800.00")
    shot(finance, "payment-decided-category-and-account")
