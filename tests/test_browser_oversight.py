"""Supervisors, designers and a third-party visitor on a phone, in a real browser (Debian's Chromium, headless):
the filtered case list, the case diagram and timeline and the Excel export; a model renamed in the modeler
and deployed while running cases stay on their version; the household-visit form at 375 px; the dashboard."""
import random
from io import BytesIO
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from browser_helpers import fill_form, served_schema, shot, sign_in
from bangfu.demo import declaration
from bangfu.testing import pay_case_through_batch

ORDER = ["preliminary_review", "assign_third_party", "household_visit", "visit_oversight", "re_review",
         "public_notice", "open_file", "approval", "payment"]


def drive(api, household, replies, stop=None):
    """Start a case for `household` and approve it until `stop` is open (None: until paid); returns its id."""
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    for name in ORDER:
        if name == stop:
            break
        if name == "payment":  # the bank pays it
            pay_case_through_batch(api.app, case_id)
            continue
        api.complete(case_id, name, replies[name])
    return case_id


def other_household(seed):
    return declaration(random.Random(seed))


def table_rows(page):
    """The case list as the supervisor sees it: (reference, household, status) per row."""
    rows = []
    for row in page.locator("table.bf-table tbody tr").all():
        cells = row.locator("td")
        rows.append((cells.nth(0).locator("a").inner_text().strip(), cells.nth(1).inner_text().strip(),
                     cells.nth(3).inner_text().strip()))
    return rows


def download_export(page, tmp_path, name):
    with page.expect_download() as info:
        page.click("#export:has-text('导出 Excel')")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = Path(tmp_path) / name
    download.save_as(target)
    sheet = load_workbook(BytesIO(target.read_bytes())).active
    return list(sheet.iter_rows(values_only=True))


def diagram_marks(page, element_id):
    return page.eval_on_selector(f".bf-bpmn-viewer [data-element-id='{element_id}']",
                                 "e => [...e.classList].filter(c => c.startsWith('bf-'))")


def test_supervisor_filters_opens_a_case_and_exports_the_filtered_list(browser, server, api, replies, tmp_path):
    visit_a, visit_b, paid_household, early = (other_household(seed) for seed in (11, 12, 13, 14))
    assert len({h["name"] for h in (visit_a, visit_b, paid_household, early)}) == 4, "four different names"
    paid = drive(api, paid_household, replies)
    at_visit_a = drive(api, visit_a, replies, "household_visit")
    at_review = drive(api, early, replies, "preliminary_review")
    at_visit_b = drive(api, visit_b, replies, "household_visit")
    refs = {case_id: api.case(case_id)["reference"] for case_id in (paid, at_visit_a, at_review, at_visit_b)}

    page = sign_in(browser, server, "supervisor1")
    page.click("nav >> text=案件")
    expect(page.locator("h1")).to_contain_text("4")
    page.select_option("select[name=stage]", label="入户走访")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/cases?*stage=household_visit*")
    shown = table_rows(page)
    assert shown == [(refs[at_visit_b], visit_b["name"], "办理中"), (refs[at_visit_a], visit_a["name"], "办理中")]
    expect(page.locator("h1 .bf-count")).to_have_text("2")
    expect(page.locator("select[name=stage]")).to_have_value("household_visit")
    shot(page, "cases-filtered-by-stage")

    rows = download_export(page, tmp_path, "stage.xlsx")
    assert rows[0][:8] == ("案件编号", "家庭（职工姓名）", "工作单位", "申报工会", "第三方机构", "状态", "当前步骤", "困难类别")
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == shown
    assert all("入户走访" in r[6] and r[4] == "张家港市阳光社工服务中心" and r[3] == "江苏沙钢集团工会" for r in rows[1:])
    flat = " ".join(str(v) for r in rows for v in r)
    assert visit_a["id_number"] not in flat and visit_a["bank_card_number"] not in flat

    page.select_option("select[name=stage]", value="")
    page.select_option("select[name=status]", label="已发放")
    page.click("button:has-text('筛选')")
    page.wait_for_url("**/cases?*status=paid*")
    assert table_rows(page) == [(refs[paid], paid_household["name"], "已发放")]
    rows = download_export(page, tmp_path, "paid.xlsx")
    assert len(rows) == 2
    assert (rows[1][0], rows[1][1], rows[1][5], rows[1][10]) == (refs[paid], paid_household["name"], "已发放", 800)
    assert rows[1][8], "a paid case has a file number in the export"

    page.select_option("select[name=status]", value="")
    page.select_option("select[name=stage]", label="入户走访")
    page.click("button:has-text('筛选')")
    page.click(f"a:has-text('{refs[at_visit_a]}')")
    page.wait_for_url(f"{server}/cases/{at_visit_a}")
    expect(page.locator("hgroup h1")).to_contain_text(visit_a["name"])
    expect(page.locator("hgroup")).to_contain_text("办理中")
    page.wait_for_selector("[data-bpmn-viewer][data-bf-ready='1']")
    for done in ("declaration", "preliminary_review", "assign_third_party"):
        assert "bf-completed" in diagram_marks(page, done), done
        assert page.locator(f"[data-element-id='{done}'].djs-element.bf-completed").count() == 1
    for now in ("household_visit", "visit_oversight"):
        assert diagram_marks(page, now) == ["bf-current"], now
    for later in ("re_review", "public_notice", "payment", "end_paid"):
        assert diagram_marks(page, later) == [], later
    expect(page.locator(".bf-legend")).to_contain_text("已完成")
    expect(page.locator(".bf-legend")).to_contain_text("当前步骤")

    timeline = [tuple(cell.strip() for cell in row.locator("td").all_inner_texts())[1:]
                for row in page.locator("table.bf-timeline tbody tr").all()]
    assert timeline == [("union1", "发起申报", "", "", ""), ("union1", "办理完成", "申报", "", ""),
                        ("union1", "办理完成", "初审", "通过", "（已隐藏）"),  # opinions weigh health and income
                        ("center1", "办理完成", "委派第三方复审", "", "")]
    current = page.locator("section", has=page.locator("h2", has_text="当前任务"))
    expect(current).to_contain_text("入户走访")
    expect(current).to_contain_text("走访监督")
    shot(page, "case-at-household-visit")


def test_designer_renames_a_task_in_the_modeler_and_deploys_a_new_version(browser, server, api, case_at, household,
                                                                        replies):
    old_case = case_at("preliminary_review")

    page = sign_in(browser, server, "designer1")
    page.click("nav >> text=流程模型")
    expect(page.locator("article").first).to_contain_text("第 1 版")
    page.click("text=在建模器中打开")
    page.wait_for_selector("[data-bpmn-modeler][data-bf-ready='1']")
    page.click(".djs-container [data-element-id='preliminary_review']")
    panel = page.locator("aside.bf-panel")
    expect(panel).to_contain_text("用户任务")
    expect(panel.locator("input[name=bf-id]")).to_have_value("preliminary_review")
    expect(panel.locator("input[name=bf-name]")).to_have_value("初审")
    expect(panel.locator("select[name=bf-form]")).to_have_value("preliminary_review.schema.json")
    panel.locator("input[name=bf-name]").fill("基层初审")
    panel.locator("input[name=bf-name]").press("Tab")
    expect(page.locator(".djs-container [data-element-id='preliminary_review'] text")).to_contain_text("基层初审")

    page.click("button[data-action=validate]")
    expect(page.locator(".bf-modeler-status")).to_have_text("校验通过，可以部署")
    page.click("button[data-action=deploy]")
    page.fill("input[name=bf-deploy-comment]", "初审改名为基层初审")
    shot(page, "modeler-before-deploy")
    page.click("button[data-action=deploy-confirm]")
    expect(page.locator(".bf-modeler-status")).to_contain_text("已部署为第 2 版")
    shot(page, "modeler-deployed")

    page.click("nav >> text=流程模型")
    versions = page.locator("article", has_text="hardship_assistance").locator("tbody tr")
    expect(versions).to_have_count(2)
    expect(versions.first).to_contain_text("第 2 版")
    expect(versions.first).to_contain_text("当前")
    expect(versions.first).to_contain_text("designer1")
    expect(versions.first).to_contain_text("初审改名为基层初审")
    expect(versions.nth(1)).to_contain_text("第 1 版")
    expect(versions.nth(1)).not_to_contain_text("当前")
    shot(page, "models-after-deploy")

    old = api.case(old_case)
    assert old["process_version"] == 1
    assert [(t["name"], t["title"]) for t in old["open_tasks"]] == [("preliminary_review", "初审")]
    new_case = api.start()["id"]
    assert api.case(new_case)["process_version"] == 2
    api.complete(new_case, "declaration", other_household(15))  # another worker: one open file per worker
    assert [(t["name"], t["title"]) for t in api.case(new_case)["open_tasks"]] == [("preliminary_review", "基层初审")]
    # both keep running on their own version
    api.complete(old_case, "preliminary_review", replies["preliminary_review"])
    api.complete(new_case, "preliminary_review", replies["preliminary_review"])
    assert api.case(old_case)["process_version"] == 1
    assert [t["name"] for t in api.case(old_case)["open_tasks"]] == ["assign_third_party"]
    history = api.case(new_case)["history"]
    assert any(e["task_title"] == "基层初审" for e in history)
    assert all(e["task_title"] != "基层初审" for e in api.case(old_case)["history"])


def test_a_third_party_visitor_fills_the_household_visit_on_a_phone(browser, server, case_at, household, replies):
    case_at("household_visit")
    phone = {"width": 375, "height": 800}
    page = sign_in(browser, server, "thirdparty1", viewport=phone)
    row = page.locator("section", has_text="待认领").locator("tr", has_text=household["name"])
    expect(row).to_contain_text("入户走访")
    shot(page, "phone-inbox")
    row.locator("button:has-text('认领')").click()
    mine = page.locator("section", has_text="我已认领").locator("tr", has_text=household["name"])
    mine.locator("a:has-text('办理')").click()
    page.wait_for_selector("[data-jsonschema-form='task-form'] form")
    expect(page.locator("hgroup h1")).to_have_text("入户走访")
    fill_form(page, served_schema(page), replies["household_visit"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    submit = page.locator("[data-jsonschema-form='task-form'] button:has-text('提交')")
    box = submit.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    shot(page, "phone-household-visit-filled")
    submit.click()
    page.wait_for_url(f"{server}/inbox")
    expect(page.locator(".bf-flash-success")).to_contain_text("已提交")
    expect(page.locator("section", has_text="我已认领")).not_to_contain_text(household["name"])
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), \
        page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    shot(page, "phone-inbox-after-visit")


def test_on_a_phone_the_visitor_reads_every_family_members_health_work_and_income(browser, server, case_at,
                                                                                  household):
    """The family members' table among the earlier steps: at 375 px each member is a card with every column on
    screen (the table scrolled sideways, so 健康状况, 就业状况 and 月收入 lay past the edge); at 1280 px a table."""
    case_id = case_at("household_visit")
    page = sign_in(browser, server, "thirdparty1", viewport={"width": 375, "height": 800})
    page.click(f"text={household['name']}")
    page.wait_for_selector("[data-jsonschema-form='task-form'] form")
    page.locator("details.bf-step", has_text="申报").locator("summary").click()
    table = page.locator("details.bf-step .bf-data-table").first
    for member in household["family_members"]:
        card = table.locator("tr", has_text=member["name"])
        for label in ("健康状况", "就业状况", "月收入（元）"):
            cell = card.locator(f"td[data-label='{label}']")
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 375, (member["name"], label, box)
    expect(table.locator("tr", has_text=household["family_members"][1]["name"])).to_contain_text("重大疾病")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, f"phone-visit-family-{case_id}")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(table.locator("thead th").nth(3)).to_have_text("健康状况")
    assert table.locator("tr").nth(1).evaluate("e => getComputedStyle(e).display") == "table-row"


def test_on_a_phone_the_visit_s_errors_read_top_to_bottom_and_the_highest_is_focused(browser, server, case_at,
                                                                                     household):
    """Submitted with only its date, the visit form lists what is missing in the order of the form and puts the
    cursor in the first visitor's name: the list gave the missing fields before the visitors' names, and the
    phone jumped down to 走访情况 past the empty names."""
    case_at("household_visit")
    page = sign_in(browser, server, "thirdparty1", viewport={"width": 375, "height": 800})
    page.click(f"text={household['name']}")
    page.wait_for_selector("[data-jsonschema-form='task-form'] form")
    page.fill("#task-form_visit_date", "2026-11-30")
    page.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    summary = page.locator("[data-jsonschema-form='task-form'] [role=alert]").first
    expect(summary).to_contain_text("请修正以下问题")
    assert [line.strip() for line in summary.inner_text().splitlines()[1:] if line.strip()] == [
        "调查人员 · 第 1 项：必填", "调查人员 · 第 2 项：必填", "走访情况：必填", "申请人已签字：须勾选确认",
        "调查人员已签字：须勾选确认"]
    assert page.evaluate("document.activeElement.id") == "task-form_visitors_0"
    shot(page, "phone-visit-errors-in-order")

    # The service's own refusals come back in the same order: a date in the future, findings of spaces alone.
    page.fill("#task-form_visit_date", "2026-12-25")
    fill_form(page, served_schema(page), {"visitors": ["周敏", "钱进"], "findings": "   ", "applicant_signed": True,
                                          "investigators_signed": True})
    page.click("[data-jsonschema-form='task-form'] button:has-text('提交')")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".bf-flash-error")).to_contain_text("表单填写有误")
    summary = page.locator("[data-jsonschema-form='task-form'] [role=alert]").first
    assert [line.strip() for line in summary.inner_text().splitlines()[1:] if line.strip()] == [
        "走访日期不能晚于今天（2026年11月30日）", "走访情况：必填"]


def test_the_dashboard_draws_its_charts_for_a_supervisor(browser, server, case_at):
    case_at("household_visit")
    case_at("re_review")
    case_at("approval")
    case_at(None)

    page = sign_in(browser, server, "supervisor1")
    page.click("nav >> text=统计")
    charts = page.locator("canvas[data-chart]")
    expect(charts).to_have_count(5)
    for index in range(5):
        expect(charts.nth(index)).to_have_attribute("data-bf-ready", "1")
    paint = """() => [...document.querySelectorAll('canvas[data-chart]')].map(c => {
        const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let painted = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
        return [c.dataset.chart, c.width, c.height, painted];
    })"""
    # Chart.js paints on animation frames after it is set up: wait for the paint (a loaded machine is slow).
    page.wait_for_function(f"() => ({paint})().every(([, w, h, painted]) => painted > 500)", timeout=10000)
    drawn = page.evaluate(paint)
    for name, width, height, painted in drawn:
        assert width > 100 and height > 100 and painted > 500, (name, width, height, painted)
    by_stage = page.eval_on_selector("canvas[data-chart='chart-by-stage']",
                                     "c => [c.bangfu.chart.data.labels, c.bangfu.chart.data.datasets[0].data]")
    counts = dict(zip(*by_stage))
    assert counts["入户走访"] == 1 and counts["复审结论"] == 1 and counts["审批"] == 1
    expect(page.locator("section", has_text="逾期任务")).to_contain_text("没有逾期任务")
    shot(page, "dashboard")
