"""The awards pages through the Flask client: the household's awards with their instalments, the awards list,
the 预算 page with its figures, and who sees and does what."""
import pytest
from sqlalchemy import select

from bangfu.households.models import Household
from bangfu.unit_of_work import run_in
from money_helpers import deploy_programmes
from test_pages import Browser


@pytest.fixture
def filed(app, case_at):
    deploy_programmes(app)
    case_at("payment")
    return run_in(app, lambda s: s.scalar(select(Household.id)))


def test_the_household_page_lists_its_awards_with_instalments(app, filed):
    page = Browser(app, "center1").get(f"/households/{filed}").get_data(as_text=True)
    assert "帮扶项目" in page and "生活救助" in page and "¥1,600.00（每月 ¥800.00）" in page
    assert "2026年11月生活救助" in page and "2026年12月生活救助" in page and page.count("待发放") == 2
    assert "申请金秋助学" in page
    approver = Browser(app, "approver1").get(f"/households/{filed}").get_data(as_text=True)
    assert "2026年12月生活救助" in approver and "申请金秋助学" not in approver


def test_the_awards_list_and_who_reads_it(app, filed):
    for user in ("center1", "approver1", "finance1", "supervisor1", "inspector1", "union1"):
        page = Browser(app, user).get("/awards").get_data(as_text=True)
        assert "生活救助" in page and "¥1,600.00" in page, user
    assert "没有符合条件的帮扶项目" in Browser(app, "union2").get("/awards").get_data(as_text=True)
    assert Browser(app, "designer1").get("/awards").status_code == 403
    assert Browser(app, "union2").get(f"/households/{filed}").status_code == 404


def test_the_budget_page_sets_budgets_and_starts_warmth(app, filed):
    center = Browser(app, "center1")
    center.post("/budgets", {"year": "2026", "programme": "living", "amount": "20,000.50"})  # as people type it
    page = center.get("/budgets?year=2026").get_data(as_text=True)
    assert "预算已保存" in page
    assert "¥20,000.50" in page and "¥1,600.00" in page and "¥18,400.50" in page  # budget, committed, remaining
    refused = center.post("/budgets", {"year": "2026", "programme": "living", "amount": "abc"})
    assert refused.status_code == 422 and "应为金额" in refused.get_data(as_text=True)
    center.post("/warmth", {"year": "2026", "festival": "spring"})
    assert "2026年春节送温暖：本次发起 1 户" in center.get("/budgets?year=2026").get_data(as_text=True)
    finance = Browser(app, "finance1").get("/budgets?year=2026").get_data(as_text=True)
    assert "¥20,000.50" in finance and "设定预算" not in finance and "发起送温暖" not in finance
    assert Browser(app, "union1").get("/budgets").status_code == 403


def test_an_application_from_the_household_page_lands_on_its_case(app, filed):
    union = Browser(app, "union1")
    response = union.post(f"/households/{filed}/programme-applications", {"process": "medical_aid"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/")
    assert "提出申请" in union.get(response.headers["Location"]).get_data(as_text=True)
    refused = Browser(app, "union2").post(f"/households/{filed}/programme-applications", {"process": "medical_aid"})
    assert refused.status_code == 302


def test_a_refused_application_is_flashed_as_its_message_then_its_reasons(app, filed):
    """The same words as the standards' and the payments' pages: message：reasons, the message not said twice."""
    center = Browser(app, "center1")
    refused = center.post(f"/households/{filed}/programme-applications", {"process": "holiday"})
    assert "帮扶项目无效：应为金秋助学、医疗救助、意外致困之一" in center.get(refused.headers["Location"]).get_data(as_text=True)


def test_a_refused_budget_is_shown_again_as_typed_with_the_reason_at_its_field(app, filed):
    center = Browser(app, "center1")
    response = center.post("/budgets", {"year": "2026", "programme": "medical", "fund_source": "charity",
                                        "amount": "12,000.505"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'value="12,000.505"' in page, "the amount as typed stays in the form"
    assert '<option value="medical" selected>' in page and '<option value="charity" selected>' in page
    assert '<small id="amount-error" class="bf-error">应为 0 至 ¥9,999,999,999.99 的金额，最多两位小数</small>' in page
    assert "预算金额：应为 0 至" in page
    assert "¥12,000" not in page.split("设定预算")[0], "nothing was saved"


def test_a_programme_case_carries_its_awards_amount_on_the_case_list_and_the_households_timeline(app, api, filed):
    case = api.post(f"/api/v1/households/{filed}/programme-applications", "center1",
                    json={"process": "sudden_aid"}).get_json()
    api.complete(case["id"], "application_centre", {"accident_date": "2026-11-20", "requested_amount": 1234.5,
                                                    "accident_description": "家中失火，财物损毁"}, user="center1")
    api.complete(case["id"], "programme_review", {"decision": "pass", "opinion": "材料齐全"}, user="center1")
    api.complete(case["id"], "programme_approval", {"decision": "approve", "opinion": "同意"}, user="approver1")
    page = Browser(app, "center1").get(f"/households/{filed}").get_data(as_text=True)
    timeline = page.split("办理记录（按时间）")[1].split("</table>")[0]
    row = timeline.split(case["reference"])[1].split("</tr>")[0]
    assert '<td data-label="审批金额">¥1,234.50</td>' in row
    cases = api.get(f"/api/v1/households/{filed}", "center1").get_json()["cases"]
    assert [c["approved_amount"] for c in cases if c["id"] == case["id"]] == ["1234.50"]
    assert api.get(f"/api/v1/cases/{case['id']}", "supervisor1").get_json()["approved_amount"] == "1234.50"
    listed = api.get("/api/v1/cases?page_size=100", "supervisor1").get_json()
    assert [c["approved_amount"] for c in listed["items"] if c["id"] == case["id"]] == ["1234.50"]
