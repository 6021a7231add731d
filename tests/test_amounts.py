"""Amounts: 建档 refuses what 审批 would refuse, with the same words; the payment page shows what finance
checks, and 审批金额 names the approved amount everywhere."""
from datetime import date
from decimal import Decimal

from bangfu import calendar

from test_pages import Browser

# The 2026 standard's monthly cap for a 相对困难 household (the category 复审 decided in these cases)
LIMIT_MESSAGE = "生活救助（相对困难）按资金标准（苏工党〔2025〕12号）最高 ¥800.00 元/户·月，不能超过 ¥800.00"


def test_open_file_refuses_a_living_aid_over_the_standard_with_approvals_message(api, case_at, replies):
    case_id = case_at("open_file")
    body = api.complete(case_id, "open_file", dict(replies["open_file"], proposed_amount=800.01), expect=422)
    assert body["error"]["fields"]["data.proposed_amount"] == [LIMIT_MESSAGE]
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["open_file"]
    assert api.case(case_id)["file_number"] is None, "nothing was filed"


def test_open_file_accepts_the_standard_s_cap_itself_and_other_aid_types_above_it(api, case_at, replies):
    case_id = case_at("open_file")
    api.complete(case_id, "open_file", dict(replies["open_file"], proposed_amount=800))
    other = case_at("open_file")
    api.complete(other, "open_file", dict(replies["open_file"], aid_type="medical", proposed_amount=20000))


def test_approval_refuses_the_same_amount_with_the_same_message(api, case_at, replies):
    case_id = case_at("approval")
    body = api.complete(case_id, "approval", dict(replies["approval"], approved_amount=800.01), expect=422)
    assert body["error"]["fields"]["data.approved_amount"] == [LIMIT_MESSAGE]


def test_open_file_reports_the_amount_and_a_taken_file_number_together(api, case_at, replies):
    first = case_at("open_file")
    api.complete(first, "open_file", dict(replies["open_file"], file_number="ZJG-001"))
    case_id = case_at("open_file")
    body = api.complete(case_id, "open_file", dict(replies["open_file"], file_number="ZJG-001",
                                                   proposed_amount=20000), expect=422)
    assert set(body["error"]["fields"]) == {"data.proposed_amount", "data.file_number"}


def test_earlier_steps_summarise_their_key_facts(api, case_at, replies):
    case_id = case_at("payment")
    task = api.open_task(case_id, "payment")
    steps = {r["name"]: r["facts"] for r in api.get(f"/api/v1/tasks/{task['id']}", "finance1")
             .get_json()["earlier_steps"]}
    assert steps["re_review"] == ["认定类别：相对困难"]
    start = date.fromisoformat(replies["public_notice"]["notice_start"])
    end = calendar.working_period_end(start, 5)  # the earliest end, which the centre left to the calendar
    assert steps["public_notice"] == [f"公示期：{start.year}年{start.month}月{start.day}日至"
                                      f"{end.year}年{end.month}月{end.day}日"]
    assert steps["open_file"] == [f"档案编号：{api.case(case_id)['file_number']}", "拟帮扶金额：¥800.00"]
    assert steps["approval"] == ["审批金额：¥800.00"]
    assert steps["household_visit"] == [], "finance does not see the verified income"


def test_the_payment_page_shows_the_approved_amount_and_the_account_with_the_rule(app, api, case_at, household):
    case_id = case_at("payment")
    assert Decimal(api.case(case_id)["approved_amount"]) == Decimal("800.00")
    task = api.open_task(case_id, "payment")
    page = Browser(app, "finance1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    top = page[page.index('class="bf-payee"'):page.index('class="bf-current"')]
    assert "审批金额 <strong>¥800.00</strong>" in top
    assert household["bank_card_number"] in top and household["bank_name"] in top
    assert "发放金额须与审批金额一致" in top
    assert 'id="task-form"' not in page and "发放由银行代发批次完成" in page, "the bank's result pays, not a form"
    assert "批准金额" not in page


def test_approval_of_money_aid_with_nothing_to_pay_is_refused(api, case_at, replies):
    """A bank-paid aid type approved at 0 would make an award without instalments: no batch would ever pay
    it, and its payment task (completed only by the bank's result) would stay open for good."""
    case_id = case_at("approval")
    body = api.complete(case_id, "approval", dict(replies["approval"], approved_amount=0), expect=422)
    assert body["error"]["fields"]["data.approved_amount"] == ["生活救助的审批金额应大于 0；不予帮扶请选择不予通过"]
