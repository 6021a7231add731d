"""Finance's pages: build a batch, approve it as a second user, export the bank file, upload the bank's result
(a bad file names its rows); the centre verifies a failed line's account; reconciliation shows the figures.
Account numbers are masked on every page."""
import re
from decimal import Decimal
from io import BytesIO

from bangfu.money.payment_demo import result_file
from bangfu.testing import payable_households
from test_pages import Browser


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_finance_builds_approves_exports_and_uploads_the_result_on_pages(app):
    payable_households(app, [{"worker_name": "张伟", "amount": "1000.50"}, {"worker_name": "王强",
                                                                          "account_holder": "王强的儿子"}])
    maker, checker = Browser(app, "finance1"), Browser(app, "finance2")
    built = maker.post("/payments", {"due_through": "2026-11-30"})
    assert built.status_code == 302
    page = maker.get(built.headers["Location"])
    shown = text(page)
    assert "待复核" in shown and "¥1,000.50" in shown and "6228***********0018" in shown
    assert "6228480402564890018" not in shown and "须由另一位财务人员复核" in shown
    assert "王强（2026年意外致困）未纳入：账户户名不是职工本人" in shown
    batch_path = built.headers["Location"]
    assert "已复核" in text(checker.get(checker.post(f"{batch_path}/approve").headers["Location"]))
    exported = maker.get(f"{batch_path}/file?format=csv&layout=icbc")
    assert exported.status_code == 200 and "1000.50" in exported.data.decode("gbk")
    reference = re.search(r"PB\d{6}-\d{4}-\d{5}", shown).group(0)

    maker.post(f"{batch_path}/results", {"file": (BytesIO(result_file(
        [(reference, Decimal("1000.05"), True, None)])), "回盘.csv")})
    assert "金额 1000.05 与批次金额 1000.50 不符" in text(maker.get(batch_path))
    maker.post(f"{batch_path}/results", {"file": (BytesIO(result_file(
        [(reference, Decimal("1000.50"), False, "账户冻结")])), "回盘.csv")})
    assert "发放失败：账户冻结" in text(maker.get(batch_path))

    centre = Browser(app, "center1")
    # the bar's 资金 link counts it, while a failed line waits
    assert 'aria-label="1 笔代发失败待核实"' in centre.get("/inbox").get_data(as_text=True)
    waiting = text(centre.get("/account-checks"))
    assert "张伟" in waiting and "账户冻结" in waiting and "6228***********0018" in waiting
    form = centre.get("/account-checks").get_data(as_text=True)
    line_id = re.search(r'action="/account-checks/(\d+)"', form).group(1)
    centre.post(f"/account-checks/{line_id}", {"bank_name": "中国银行张家港支行", "account_number": "6216610200016587010",
                                               "account_holder": "张伟", "verified_with": "counter"})
    assert "没有待核实的失败明细" in text(centre.get("/account-checks"))
    assert "笔代发失败待核实" not in centre.get("/inbox").get_data(as_text=True)

    figures = text(maker.get("/reconciliation?from=2026-11-01&to=2026-11-30"))
    assert "核定（2 个项目） ¥2,000.50" in figures and "待发放 ¥2,000.50" in figures and "相符" in figures


def test_a_bad_result_file_is_named_row_by_row_on_the_page(app):
    payable_households(app, [{"worker_name": "张伟"}])
    maker, checker = Browser(app, "finance1"), Browser(app, "finance2")
    batch_path = maker.post("/payments", {"due_through": "2026-11-30"}).headers["Location"]
    checker.post(f"{batch_path}/approve")
    maker.get(f"{batch_path}/file?format=xlsx")
    maker.post(f"{batch_path}/results", {"file": (BytesIO(result_file(
        [("PB000000-0000-00001", Decimal("1000.00"), True, None)])), "回盘.csv")})
    shown = text(maker.get(batch_path))
    assert "回盘文件有 1 处错误，未导入任何记录" in shown and "第 2 行：明细编号 PB000000-0000-00001 不属于本批次" in shown
    assert "待回盘" in shown


def test_money_pages_are_only_for_their_roles(app):
    assert Browser(app, "union1").get("/payments").status_code == 403
    assert Browser(app, "finance1").get("/account-checks").status_code == 403
    assert Browser(app, "supervisor1").get("/reconciliation").status_code == 200
    tabs = Browser(app, "finance1").get("/payments").get_data(as_text=True)
    assert 'href="/payments"' in tabs and 'href="/reconciliation"' in tabs and 'href="/account-checks"' not in tabs


def test_finance_s_payment_step_shows_where_the_bank_payment_stands_not_a_form(app, api, case_at):
    """The payment step of a hardship case is the bank's to complete: finance's task page has no form to type a
    payment into, only the amount due and how far the batch has got."""
    case_id = case_at("payment")
    task_id = api.open_task(case_id, "payment")["id"]
    finance = Browser(app, "finance1")
    page = finance.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'data-jsonschema-form="task-form"' not in page
    assert "发放由银行代发批次完成" in text(finance.get(f"/tasks/{task_id}"))
    assert "应发金额 ¥800.00" in text(finance.get(f"/tasks/{task_id}")) and "待财务生成代发批次" in page
    finance.post("/payments", {"due_through": "2026-11-30"})
    assert re.search(r"已列入代发批次 PB\d{6}-\d{4}（明细编号 PB\d{6}-\d{4}-\d{5}），等待银行回盘",
                     text(finance.get(f"/tasks/{task_id}")))


def test_an_upload_past_the_limit_gets_a_page_naming_the_limit(app):
    payable_households(app, [{"worker_name": "张伟"}])
    maker = Browser(app, "finance1")
    batch_path = maker.post("/payments", {"due_through": "2026-11-30"}).headers["Location"]
    response = maker.post(f"{batch_path}/results", {"file": (BytesIO(b"0" * (9 * 1024 * 1024)), "回盘.csv")})
    assert response.status_code == 413 and "一次上传不能超过 8 MB" in text(response)
