"""The centre's pages for working days and the public notice: the calendar page (years, holidays, the warning
for next year, importing by upload) and the notice list for posting (page, print layout, Excel)."""
import re
from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook

from bangfu.config import LOCAL_TIMEZONE
from bangfu.demo import running_notice
from test_annual_review import models  # noqa: F401  (fixture)
from test_pages import Browser


def at(clock, day):
    clock.set_to(datetime(day.year, day.month, day.day, 9, tzinfo=LOCAL_TIMEZONE))


def test_the_calendar_page_lists_the_years_national_day_and_warns_that_next_year_is_missing(app, clock):
    at(clock, date(2026, 11, 30))
    page = Browser(app, "supervisor1").get("/calendar?year=2026").get_data(as_text=True)
    assert "2027年的节假日安排尚未导入。" in page
    shown = re.sub(r"<(?!/td)[^>]+>", "", page)  # each day kept whole in a span
    assert "2026年10月1日（周四）至2026年10月7日（周三）</td>" in shown and "国庆节" in page
    assert "2026年10月10日（周六）</td>" in shown and "调休上班" in page
    assert 'action="/calendar/import"' not in page, "supervisors view; the centre imports"
    assert "2027年的节假日安排尚未导入，无法按工作日计算" in Browser(app, "supervisor1").get("/calendar?year=2027") \
        .get_data(as_text=True)
    assert Browser(app, "union1").get("/calendar").status_code == 403


def test_the_centre_imports_a_year_by_upload_and_a_bad_file_is_refused_with_its_lines(app, clock):
    at(clock, date(2026, 11, 30))
    center = Browser(app, "center1")
    bad = center.post("/calendar/import", {"file": (BytesIO("2027-01-01,休,元旦\n2027-13-01,休,春节\n".encode()),
                                                    "2027.csv")})
    assert bad.status_code == 302
    page = center.get("/calendar").get_data(as_text=True)
    assert "导入文件有误，未导入任何内容" in page and "第 2 行：日期“2027-13-01”无效" in page
    assert "2027年的节假日安排尚未导入。" in page

    good = center.post("/calendar/import", {"file": (BytesIO("2027年1月1日,休,元旦\n2027/2/6,班,春节调休\n".encode()),
                                                     "2027.csv")})
    assert good.headers["Location"].endswith("/calendar?year=2027")
    page = center.get("/calendar?year=2027").get_data(as_text=True)
    assert "2027年节假日安排已导入：工作日放假 1 天，调休上班 1 天" in page
    assert "2027年的节假日安排尚未导入。" not in page and "中心导入" in page and "春节调休" in page


def test_the_notice_list_shows_who_is_in_notice_with_the_id_masked_and_prints_on_a4(app, api, clock, case_at,
                                                                                    household):
    at(clock, date(2026, 11, 30))
    noticed = case_at("public_notice")
    api.complete(noticed, "public_notice", running_notice())
    case_at("re_review")  # not in notice
    center = Browser(app, "center1")
    page = center.get("/notices").get_data(as_text=True)
    assert household["name"] in page
    masked = household["id_number"][:6] + "********" + household["id_number"][-4:]
    assert masked in page and household["id_number"] not in page
    assert "相对困难" in page and "待审批" in page
    assert "2026年11月30日至2026年12月4日" in re.sub(r"<[^>]+>", "", page)  # each day kept whole in a span
    assert page.count('<td data-label="序号">') == 1
    assert "@page { size: A4" in page and ".bf-header, .bf-no-print" in page, "printed without the navigation"

    assert "这一期间没有公示的家庭" in center.get("/notices?from=2026-12-07&to=2026-12-31").get_data(as_text=True)
    assert household["name"] in center.get("/notices?from=2026-12-01&to=2026-12-02").get_data(as_text=True)
    refused = center.get("/notices?from=2026-12-10&to=2026-12-01")
    assert refused.status_code == 422 and "结束日期不能早于开始日期" in refused.get_data(as_text=True)
    assert Browser(app, "union1").get("/notices").status_code == 403

    book = load_workbook(BytesIO(center.get("/notices.xlsx").data))
    rows = list(book["公示名单"].iter_rows(values_only=True))
    assert rows[0][0] == "困难职工家庭认定结果公示名单（2026年11月30日）"
    assert rows[1][:7] == ("序号", "姓名", "身份证号", "所在工会", "工作单位", "困难类别", "帮扶金额（元）")
    assert rows[2][1:3] == (household["name"], masked) and rows[2][5:7] == ("相对困难", "待审批")
    assert len(rows) == 3


def test_a_case_ended_when_its_household_left_the_register_is_not_pending_approval_on_the_notice_list(
        app, api, clock, case_at, household, models):
    at(clock, date(2026, 11, 30))
    case_id = case_at("approval")  # posted three weeks ago, filed at 建档, waiting for 审批
    center = Browser(app, "center1")
    period = "from=2026-11-01&to=2026-11-30"
    assert "待审批" in center.get(f"/notices?{period}").get_data(as_text=True)

    household_id = api.case(case_id)["household_id"]
    exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
    api.complete(exit_case, "exit_request", {"exit_reason": "moved_away", "opinion": "全家迁往外地"})
    api.complete(exit_case, "exit_approval", {"decision": "approve"})
    assert api.case(case_id)["status"] == "closed_on_exit"

    page = center.get(f"/notices?{period}").get_data(as_text=True)
    assert household["name"] in page and "待审批" not in page
    assert '<td data-label="帮扶金额">—</td>' in page
    sheet = load_workbook(BytesIO(center.get(f"/notices.xlsx?{period}").data)).active
    row = next(r for r in sheet.iter_rows(values_only=True) if r[1] == household["name"])
    assert row[6] == "—"


def test_an_objection_s_summary_names_its_outcome_not_as_the_finding(app, api, case_at, replies):
    """The 公示异议登记 form's 核查结论 is the finding (经核查不属实); the summary line of the step gives the
    outcome under the form's own name for it, 异议是否成立, and the finding stays in the step's fields."""
    case_id = case_at("notice_objection")
    api.complete(case_id, "notice_objection", dict(replies["notice_objection"], decision="not_upheld",
                                                   content="反映其有出租收入", finding="经核查不属实"))
    task_id = api.open_task(case_id, "notice_objection")["id"]  # the notice runs on: a second objection may come
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", Browser(app, "center1").get(f"/tasks/{task_id}")
                                       .get_data(as_text=True)))
    assert "异议是否成立：异议不成立，继续公示" in shown
    assert "核查结论：异议不成立" not in shown and "核查结论 经核查不属实" in shown
