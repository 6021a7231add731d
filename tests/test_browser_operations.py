"""The modeler's side panel lists the named operations in Chinese: a service task picks one and fills its
parameters, a user task lists the operations it runs; the server's check names a task calling an unknown one."""
from playwright.sync_api import expect

from browser_helpers import shot, sign_in

SELECT = """id => { const bangfu = document.querySelector('[data-bpmn-modeler]').bangfu;
  const modeler = bangfu.modeler; const element = modeler.get('elementRegistry').get(id);
  modeler.get('selection').select(element); modeler.get('canvas').scrollToElement(element); }"""
SAVED = "() => document.querySelector('[data-bpmn-modeler]').bangfu.saveXML()"


def test_designer_picks_an_operation_for_a_service_task_and_fills_its_parameters(browser, server):
    page = sign_in(browser, server, "designer1")
    page.click("nav >> text=流程模型")
    page.click("text=在建模器中打开")
    page.wait_for_selector("[data-bpmn-modeler][data-bf-ready='1']")
    panel = page.locator("aside.bf-panel")

    page.evaluate(SELECT, "file_household")
    expect(panel).to_contain_text("服务任务")
    operation = panel.locator("select[name=bf-service-operation]")
    expect(operation).to_have_value("bangfu.file_household")
    expect(panel).to_contain_text("困难职工家庭建档入册")
    expect(panel.locator("label", has_text="档案编号（file_number）").locator("input")).to_have_value(
        'open_file["file_number"]')
    # checks are a form's business: the service task offers only what it may call
    expect(operation.locator("option[value='bangfu.check_amount']")).to_have_count(0)

    operation.select_option("bangfu.record_category")
    category = panel.locator("input[name=bf-param-category]")
    expect(category).to_have_value("category")  # the default: a field of the case data
    expect(panel.locator("label", has_text="困难类别（category）")).to_be_visible()
    category.fill('re_review["category"]')
    category.press("Tab")
    shot(page, "modeler-service-task-operation")
    xml = page.evaluate(SAVED)
    assert 'serviceTaskOperator id="bangfu.record_category"' in xml
    assert 'id="category" type="str" value="re_review[&#34;category&#34;]"' in xml \
        or 'id="category" type="str" value="re_review[&quot;category&quot;]"' in xml

    page.evaluate(SELECT, "approval")
    operations = panel.locator("textarea[name=bf-operations]")
    expect(operations).to_have_value(
        "bangfu.check_amount(amount=approved_amount, aid_type=open_file.aid_type), "
        "bangfu.create_award(aid_type=open_file.aid_type)")
    expect(panel).to_contain_text("核对帮扶金额标准")
    expect(panel).to_contain_text("aid_type（帮扶类型，字段，必填）")
    panel.locator("select[name=bf-operation-add]").select_option("bangfu.check_payment")
    expect(operations).to_have_value(
        "bangfu.check_amount(amount=approved_amount, aid_type=open_file.aid_type), "
        "bangfu.create_award(aid_type=open_file.aid_type), bangfu.check_payment(aid_type=)")

    operations.fill("bangfu.check_amount(amount=approved_amount, aid_type=open_file.aid_type), bangfu.no_such")
    operations.press("Tab")
    page.click("button[data-action=validate]")
    expect(page.locator(".bf-modeler-status")).to_contain_text("校验未通过")
    expect(page.locator(".bf-problems")).to_contain_text("未知的业务操作 bangfu.no_such")
    shot(page, "modeler-unknown-operation")
