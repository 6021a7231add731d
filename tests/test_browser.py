"""The pages in a real browser (Debian's Chromium, headless): a household declared and paid through the
pages by each role's own user, and a bad ID number shown beside its field."""
from playwright.sync_api import expect

from browser_helpers import fill_form, served_schema, shot, sign_in

STEPS = [("preliminary_review", "union1"), ("assign_third_party", "center1"), ("household_visit", "thirdparty1"),
         ("visit_oversight", "inspector1"), ("re_review", "center1"), ("public_notice", "center1"),
         ("open_file", "center1"), ("approval", "approver1")]


def declare(page, server):
    page.click("text=申报困难家庭")
    page.click("button:has-text('新建申报')")
    page.wait_for_selector("#task-form_name")


def pay_through_a_batch(browser, server, household, amount):
    """发放: finance1 builds the batch, finance2 approves it, finance1 exports the bank file and uploads the
    bank's result (the line of `amount`, as the bank writes it, paid); the case's payment task completes itself."""
    maker = sign_in(browser, server, "finance1")
    maker.goto(f"{server}/payments")
    maker.click("button:has-text('生成批次')")
    expect(maker.locator(".bf-flash-success")).to_contain_text("请另一位财务人员复核")
    row = maker.locator("tr", has_text=household["name"])
    reference = row.locator("td[data-label='明细编号']").inner_text()
    batch_url = maker.url
    shot(maker, "payment-batch-built")
    checker = sign_in(browser, server, "finance2")
    checker.goto(batch_url)
    checker.click("button:has-text('复核通过')")
    expect(checker.locator(".bf-flash-success")).to_contain_text("已复核")
    maker.goto(batch_url)
    with maker.expect_download() as download:
        maker.click("button:has-text('导出')")
    assert download.value.suggested_filename.endswith(".xlsx")
    result = f"明细编号,金额,处理结果,失败原因\n{reference},{amount},成功,\n".encode("utf-8")
    maker.set_input_files("input[name='file']", {"name": "回盘.csv", "mimeType": "text/csv", "buffer": result})
    maker.click("button:has-text('导入回盘')")
    expect(maker.locator(".bf-flash-success")).to_contain_text("成功 1 笔")
    shot(maker, "payment-batch-result-imported")


def test_a_household_is_declared_and_paid_through_the_pages(browser, server, household, replies):
    union = sign_in(browser, server, "union1")
    shot(union, "inbox-empty")
    declare(union, server)
    fill_form(union, served_schema(union), household)
    shot(union, "declaration-filled")
    union.click("button:has-text('提交')")
    union.wait_for_url(f"{server}/inbox")
    expect(union.locator(".bf-flash-success")).to_contain_text("已提交")
    shot(union, "inbox-after-declaration")

    for step, username in STEPS:
        page = union if username == "union1" else sign_in(browser, server, username)
        page.goto(f"{server}/inbox")
        row = page.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
        row.locator("button:has-text('认领')").click()
        mine = page.locator("section", has_text="我已认领").locator("tr", has_text=household["name"])
        mine.locator("a:has-text('办理')").click()
        page.wait_for_selector("[data-jsonschema-form='task-form'] form")
        fill_form(page, served_schema(page), replies[step])
        shot(page, f"task-{step}")
        page.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
        page.wait_for_url(f"{server}/inbox")
        expect(page.locator(".bf-flash-success")).to_contain_text("已提交")

    pay_through_a_batch(browser, server, household, f"{replies['approval']['approved_amount']:.2f}")
    supervisor = sign_in(browser, server, "supervisor1")
    supervisor.goto(f"{server}/cases?status=paid")
    expect(supervisor.locator("table.bf-table")).to_contain_text(household["name"])
    supervisor.locator("tr", has_text=household["name"]).locator("a").first.click()
    expect(supervisor.locator("hgroup")).to_contain_text("已发放")
    supervisor.wait_for_selector(".bf-completed")
    shot(supervisor, "case-paid")


def test_a_bad_id_number_is_shown_beside_its_field_and_nothing_typed_is_lost(browser, server, household):
    union = sign_in(browser, server, "union1")
    declare(union, server)
    bad = household["id_number"][:-1] + ("0" if household["id_number"][-1] != "0" else "1")
    fill_form(union, served_schema(union), dict(household, id_number=bad))
    union.click("button:has-text('提交')")
    field = union.locator("#task-form_id_number").locator("xpath=ancestor::div[contains(@class,'form-group')][1]")
    expect(field).to_contain_text("身份证号")
    expect(union.locator("#task-form_id_number")).to_have_value(bad)
    expect(union.locator("#task-form_bank_card_number")).to_have_value(household["bank_card_number"])
    shot(union, "declaration-bad-id")
