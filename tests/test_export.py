"""The case list's Excel export, read back as a user's spreadsheet would: amounts as numbers with two
decimals, the payment's date and bank reference, and columns wide enough for what they hold."""
from datetime import date, datetime
from io import BytesIO

from openpyxl import load_workbook

from bangfu.casework.export import width
from test_data_display import bank_reference
from test_pages import Browser


def exported(app, query="", username="supervisor1"):
    response = Browser(app, username).get(f"/cases.xlsx{query}")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    return sheet, header


def test_amounts_are_numbers_shown_with_two_decimals(app, case_at, replies):
    replies["open_file"]["proposed_amount"] = replies["approval"]["approved_amount"] = 799.5
    case_at(None)
    sheet, header = exported(app, "?status=paid")
    for title in ("审批金额（元）", "发放金额（元）"):
        cell = sheet.cell(row=2, column=header.index(title) + 1)
        assert (cell.value, cell.data_type, cell.number_format) == (799.5, "n", "#,##0.00")


def test_the_payment_date_and_bank_reference_are_columns(app, case_at, replies):
    paid_case = case_at(None)
    case_at("approval")
    sheet, header = exported(app)
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    assert {"发放日期", "银行流水号"} <= set(header)
    paid = next(row for row in rows.values() if row[header.index("状态")].value == "已发放")
    paid_on = date.fromisoformat(replies["payment"]["paid_on"])
    assert paid[header.index("发放日期")].value == datetime(paid_on.year, paid_on.month, paid_on.day)
    assert paid[header.index("发放日期")].is_date
    assert (paid[header.index("银行流水号")].value, paid[header.index("银行流水号")].data_type) == \
        (bank_reference(app, paid_case), "s")
    waiting = next(row for row in rows.values() if row[header.index("状态")].value == "办理中")
    assert waiting[header.index("发放日期")].value is None and waiting[header.index("银行流水号")].value is None


def test_every_column_is_wide_enough_for_its_longest_text(app, api, case_at, household):
    case_id = case_at("declaration")
    api.complete(case_id, "declaration", dict(household, employer="张家港市某某特别长名称的精密机械制造有限责任公司"))
    case_at(None)
    sheet, header = exported(app)
    for index, title in enumerate(header, start=1):
        column = sheet.cell(row=1, column=index).column_letter
        texts = [str(cell.value) for (cell,) in sheet.iter_rows(min_col=index, max_col=index)
                 if cell.value is not None and isinstance(cell.value, str)]
        assert sheet.column_dimensions[column].width >= max(width(t) for t in texts), title
    employer = sheet.column_dimensions[sheet.cell(row=1, column=header.index("工作单位") + 1).column_letter].width
    reference = sheet.column_dimensions[sheet.cell(row=1, column=header.index("案件编号") + 1).column_letter].width
    assert employer > 2 * 24 > reference  # 24 wide characters, each counted double, against a short number
