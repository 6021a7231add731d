"""The bank's files: the batch file in a bank's layout (xlsx with account numbers as text and amounts with two
decimals; CSV in the layout's encoding), and the bank's result file: every problem named by its row, and then
nothing imported."""
import json
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bangfu import db
from bangfu.money.bank_files import load_layouts
from bangfu.money.payment_demo import result_file
from bangfu.money.models import BankResultImport, LineState, PaymentLine
from bangfu.testing import payable_households
from test_payment_batches import approve, batch, build, export, statuses, upload


@pytest.fixture
def exported_batch(app, api):
    payable_households(app, [{"worker_name": "张伟", "amount": "1000.10"}, {"worker_name": "李娜", "amount": "2500"},
                             {"worker_name": "王芳", "amount": "88.8"}])
    made = build(api)["batch"]
    approve(api, made["id"])
    export(api, made["id"])
    return made["id"], batch(api, made["id"])["lines"]


def test_the_xlsx_keeps_account_numbers_as_text_and_amounts_with_two_decimals(app, api, exported_batch):
    batch_id, lines = exported_batch
    sheet = load_workbook(BytesIO(export(api, batch_id, fmt="xlsx").data)).active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == ["序号", "收款人姓名", "收款账号", "开户行", "金额", "用途", "手机号",
                                               "明细编号"]
    account, amount = rows[1][2], rows[1][4]
    assert (account.value, account.data_type, account.number_format) == ("6228480402564890018", "s", "@")
    assert (amount.value, amount.number_format) == (1000.1, "0.00")
    assert [row[7].value for row in rows[1:]] == [line["reference"] for line in lines]


@pytest.mark.parametrize("layout, encoding, account_header", [("generic", "utf-8-sig", "收款账号"),
                                                              ("icbc", "gbk", "收款人账号"), ("boc", "gbk", "收款账号")])
def test_each_layout_writes_its_columns_in_its_encoding(api, exported_batch, layout, encoding, account_header):
    batch_id, _ = exported_batch
    text = export(api, batch_id, layout=layout).data.decode(encoding)
    header, first, second, third = text.splitlines()[:4]
    assert account_header in header.split(",") and "明细编号" in header
    assert "1000.10" in first and "2500.00" in second and "88.80" in third
    assert not any(part.count(".") and len(part.split(".")[-1]) > 2 and part.replace(".", "").isdigit()
                   for row in (first, second, third) for part in row.split(","))


def test_an_unknown_layout_is_refused_naming_the_choices(api, exported_batch):
    body = export(api, exported_batch[0], layout="nope", expect=422).get_json()
    assert "工商银行" in body["error"]["fields"]["layout"][0]


def test_an_operator_layout_file_adds_a_bank(tmp_path):
    path = tmp_path / "layouts.json"
    path.write_text(json.dumps({"abc": {"label": "农业银行", "encoding": "gbk", "columns": [
        ["户名", "payee_name"], ["账号", "account_number"], ["金额", "amount"], ["明细编号", "reference"]]}}), "utf-8")
    layouts = load_layouts(str(path))
    assert layouts["abc"].label == "农业银行" and "generic" in layouts
    path.write_text(json.dumps({"bad": {"columns": [["户名", "payee_name"]]}}), "utf-8")
    with pytest.raises(ValueError, match="line reference"):
        load_layouts(str(path))


def nothing_imported(app):
    with app.app_context():
        session = db.session()
        return session.scalar(select(func.count()).select_from(BankResultImport)) == 0 and all(
            line.state == LineState.PENDING for line in session.scalars(select(PaymentLine)))


def test_a_gbk_result_file_is_read(app, api, exported_batch):
    batch_id, lines = exported_batch
    content = result_file([(lines[0]["reference"], Decimal("1000.10"), False, "户名不符")]) \
        .decode("utf-8-sig").encode("gbk")
    response = upload(api, batch_id, content)
    assert response.status_code == 200, response.get_json()
    with app.app_context():
        failed = db.session().scalar(select(PaymentLine).where(PaymentLine.state == LineState.FAILED))
        assert failed.failure_reason == "户名不符"


def test_unknown_lines_and_wrong_amounts_are_each_named_and_nothing_is_imported(app, api, exported_batch):
    batch_id, lines = exported_batch
    before = statuses(app)
    content = result_file([(lines[0]["reference"], Decimal("1000.10"), True, None),
                           ("PB209912-9999-00001", Decimal("5.00"), True, None),
                           (lines[1]["reference"], Decimal("2500.01"), True, None),
                           (lines[2]["reference"], Decimal("88.80"), False, "")])
    body = upload(api, batch_id, content).get_json()
    assert body["error"]["message"] == "回盘文件有 3 处错误，未导入任何记录"
    assert body["error"]["fields"]["file"] == [
        "第 3 行：明细编号 PB209912-9999-00001 不属于本批次",
        f"第 4 行：明细编号 {lines[1]['reference']} 金额 2500.01 与批次金额 2500.00 不符",
        "第 5 行：失败的明细须注明失败原因"]
    assert statuses(app) == before and nothing_imported(app)


def test_a_result_file_missing_a_column_is_refused(app, api, exported_batch):
    batch_id, lines = exported_batch
    content = f"明细编号,处理结果\r\n{lines[0]['reference']},成功\r\n".encode("utf-8")
    body = upload(api, batch_id, content).get_json()
    assert body["error"]["fields"]["file"] == ["第 1 行（表头）：缺少“金额”列"] and nothing_imported(app)


def test_a_result_file_in_an_unreadable_encoding_is_refused(app, api, exported_batch):
    batch_id, lines = exported_batch
    content = result_file([(lines[0]["reference"], Decimal("1000.10"), True, None)]).decode("utf-8-sig") \
        .encode("utf-16")
    body = upload(api, batch_id, content).get_json()
    assert "编码" in body["error"]["message"] and nothing_imported(app)


def test_an_xlsx_result_with_a_third_decimal_is_refused(app, api, exported_batch):
    batch_id, lines = exported_batch
    workbook = Workbook()
    workbook.active.append(["明细编号", "金额", "处理结果", "失败原因"])
    workbook.active.append([lines[0]["reference"], 1000.105, "成功", None])
    buffer = BytesIO()
    workbook.save(buffer)
    body = upload(api, batch_id, buffer.getvalue(), name="回盘.xlsx").get_json()
    assert body["error"]["fields"]["file"] == ["第 2 行：金额“1000.105”不是两位小数以内的金额"]
    assert nothing_imported(app)


def test_an_amount_too_large_to_be_money_is_named_by_its_row(api, exported_batch):
    batch_id, lines = exported_batch
    text = "明细编号,金额,处理结果,失败原因\r\n" + f"{lines[0]['reference']},1E+30,成功,\r\n"
    response = upload(api, batch_id, text.encode("utf-8"))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]["file"] == ["第 2 行：金额“1E+30”不是两位小数以内的金额"]
