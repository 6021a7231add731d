"""The designer in a real browser, on a phone: a BPMN file drawn in Camunda Modeler deployed from the models page,
its steps shown with the default form each got; a file with an element the service would not run refused with
the element named. In the modeler, a step without a form says which default it gets (not that it must have one)."""
from pathlib import Path

from playwright.sync_api import expect

from browser_helpers import shot, sign_in
from test_browser_language import VIEWPORTS
from test_browser_operations import SELECT

DATA = Path(__file__).parent / "data"


def test_designer_deploys_a_camunda_file_from_the_models_page_on_a_phone(browser, server):
    page = sign_in(browser, server, "designer1", VIEWPORTS["phone"])
    page.click("summary:has-text('部署 BPMN 文件')")
    page.set_input_files("input[name=file]", str(DATA / "sudden_relief.bpmn"))
    page.fill("input[name=comment]", "首次部署：意外致困临时救助")
    page.click("[data-action=upload]")
    flash = page.locator(".bf-flash-success")
    expect(flash).to_contain_text("已部署「意外致困临时救助」第 1 版")
    expect(flash).to_contain_text("中心审核：默认审核表单（通过／退回／不予通过＋意见）")
    steps = page.locator("#model-Process_SuddenRelief .bf-steps")
    expect(steps).to_be_visible()  # opened on the model just deployed
    expect(steps.locator("li", has_text="登记入户核实情况")).to_contain_text("默认办理表单（办理意见）")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "designer-upload-375")

    page.click("summary:has-text('部署 BPMN 文件')")
    page.set_input_files("input[name=file]", str(DATA / "bpmn-corpus" / "refused_send_task.bpmn"))
    page.click("[data-action=upload]")
    problems = page.locator(".bf-problems")
    expect(problems).to_contain_text("流程模型无效，未部署")
    expect(problems).to_contain_text("发送短信通知")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "designer-upload-refused-375")
    page.context.close()


def test_the_modeler_says_which_default_form_a_step_without_one_gets(browser, server, api):
    from test_process_models import upload
    assert upload(api, (DATA / "sudden_relief.bpmn").read_bytes()).status_code == 201
    page = sign_in(browser, server, "designer1")
    page.goto(f"{server}/models/Process_SuddenRelief/edit")
    page.wait_for_selector("[data-bpmn-modeler][data-bf-ready='1']")
    panel = page.locator("aside.bf-panel")
    for element, kind, default in [("Activity_CentreReview", "用户任务", "默认审核表单（通过／退回／不予通过＋意见）"),
                                   ("Activity_Phone", "人工任务", "默认办理表单（办理意见）")]:
        page.evaluate(SELECT, element)
        expect(panel.locator("h4")).to_have_text(kind)
        expect(panel.locator("label", has_text="表单（JSON Schema 文件）")).to_contain_text(
            f"未选择表单：部署时使用{default}")
    shot(page, "designer-modeler-default-form")
    page.context.close()


def test_the_designer_previews_and_moves_open_cases_to_the_new_version_on_a_phone(browser, server, api):
    from test_browser_language import CUT_LABELS, OPEN_ALL, VISIBLE_TEXT, foreign
    from test_process_models import upload
    relief = (DATA / "sudden_relief.bpmn").read_bytes()
    assert upload(api, relief).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "Process_SuddenRelief"}).get_json()["id"]
    assert upload(api, relief.replace("填写临时救助申请".encode(), "填写临时救助申请表".encode()),
                  comment="申请步骤改名").status_code == 201
    page = sign_in(browser, server, "designer1", VIEWPORTS["phone"])
    page.click("#model-Process_SuddenRelief [data-action=migration-preview]")
    page.evaluate(OPEN_ALL)
    expect(page.locator("h1")).to_contain_text("意外致困临时救助")  # the model named in words, not by its key alone
    expect(page.locator("main")).to_contain_text("填写临时救助申请 → 填写临时救助申请表")
    assert foreign(page.evaluate(VISIBLE_TEXT, True), ["designer1"]) == []
    assert page.evaluate(CUT_LABELS) == []  # each card label on one line
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    shot(page, "designer-migration-375")
    page.click("button:has-text('迁移可迁移的 1 件案件到第 2 版')")
    expect(page.locator(".bf-flash-success")).to_have_text("已迁移到第 2 版 1 件；未迁移 0 件")
    assert api.case(case_id)["process_version"] == 2
    page.context.close()


def test_a_case_waiting_on_its_timer_reads_whole_on_a_phone(browser, server, api):
    """Named by its process, the timer's day on one line (2026年12 / 月2日 broke)."""
    from test_bpmn_corpus import _relief_case_at_the_timer
    from test_browser_language import BROKEN, WHOLE
    case_id, _ = _relief_case_at_the_timer(api)
    page = sign_in(browser, server, "supervisor1", VIEWPORTS["phone"])
    page.goto(f"{server}/cases/{case_id}")
    expect(page.locator("h1")).to_contain_text("意外致困临时救助")
    expect(page.locator("main")).to_contain_text("暂无待办任务：等待两天补充材料（2026年12月2日），到期后自动继续。")
    assert page.evaluate(BROKEN, WHOLE) == []
    shot(page, "designer-case-waiting-375")
    page.context.close()
