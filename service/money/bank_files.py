"""Bank batch-transfer (代发) files: the layouts banks ask for, and writing a batch in one of them.

A layout is configuration: its columns (header and the line field each carries), the CSV file's encoding
and a label. Three are built in (通用, 工商银行, 中国银行); an operator adds or overrides layouts with a JSON
file named by BANGFU_BANK_LAYOUTS:

    {"abc": {"label": "农业银行", "encoding": "gbk",
             "columns": [["序号", "sequence"], ["户名", "payee_name"], ["账号", "account_number"], ...]}}

Every layout carries 明细编号 (the line reference): the bank's result file must carry it back, and results
are matched on it, never on the name. Amounts are written with exactly two decimals; account numbers as
text, so Excel never shows 6.22E+18.
"""
import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..errors import ValidationFailed

FIELDS = {
    "sequence": "序号", "payee_name": "收款人姓名", "account_number": "收款账号", "bank_name": "开户行",
    "amount": "金额", "purpose": "用途", "phone": "手机号", "reference": "明细编号",
}
ENCODINGS = {"utf-8-sig": "UTF-8（带 BOM）", "gbk": "GBK"}
# Written as text-formatted cells in xlsx, so that a number typed over them stays text (the values are text
# already: Excel never turns them into 6.22E+18). Phone and reference are text too, without the format.
TEXT_FIELDS = {"account_number"}
FEN = Decimal("0.01")


@dataclass(frozen=True)
class Layout:
    key: str
    label: str
    columns: tuple  # ((header, field), ...)
    encoding: str = "utf-8-sig"  # of the CSV file


def _columns(*fields, headers=None):
    headers = headers or {}
    return tuple((headers.get(field, FIELDS[field]), field) for field in fields)


BUILT_IN = {
    "generic": Layout("generic", "通用", _columns("sequence", "payee_name", "account_number", "bank_name", "amount",
                                                 "purpose", "phone", "reference")),
    "icbc": Layout("icbc", "工商银行", _columns(
        "sequence", "account_number", "payee_name", "bank_name", "amount", "purpose", "phone", "reference",
        headers={"account_number": "收款人账号", "payee_name": "收款人户名", "bank_name": "收款银行",
                 "purpose": "摘要", "phone": "手机号码"}), encoding="gbk"),
    "boc": Layout("boc", "中国银行", _columns(
        "sequence", "payee_name", "account_number", "bank_name", "amount", "phone", "purpose", "reference"),
        encoding="gbk"),
}


def load_layouts(path):
    """The built-in layouts, with those of the operator's JSON file (if any) added or replacing them."""
    layouts = dict(BUILT_IN)
    if not path:
        return layouts
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for key, spec in data.items():
            columns = tuple((str(header), field) for header, field in spec["columns"])
            unknown = [field for _, field in columns if field not in FIELDS]
            if unknown or spec.get("encoding", "utf-8-sig") not in ENCODINGS:
                raise ValueError(f"{key}: unknown field or encoding {unknown or spec.get('encoding')}")
            if "reference" not in {field for _, field in columns}:
                raise ValueError(f"{key}: a layout must carry the line reference (明细编号)")
            layouts[key] = Layout(key, spec.get("label", key), columns, spec.get("encoding", "utf-8-sig"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"bank layouts file {path}: {exc}") from None
    return layouts


def find_layout(layouts, key):
    layout = layouts.get(key or "generic")
    if layout is None:
        names = "、".join(f"{k}（{v.label}）" for k, v in layouts.items())
        raise ValidationFailed("没有这种银行文件格式", {"layout": [f"可选：{names}"]})
    return layout


def _value(line, field):
    if field == "amount":
        return Decimal(line.amount).quantize(FEN)
    value = getattr(line, field)
    return "" if value is None else value


def as_csv(layout, lines):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for header, _ in layout.columns])
    for line in lines:
        writer.writerow([f"{_value(line, f):.2f}" if f == "amount" else _value(line, f) for _, f in layout.columns])
    try:
        return out.getvalue().encode(layout.encoding)
    except UnicodeEncodeError:
        raise ValidationFailed(f"有字符无法用 {ENCODINGS[layout.encoding]} 编码写入，请改用 xlsx 或通用格式",
                               {"layout": ["编码不支持其中的字符"]}) from None


def as_xlsx(layout, lines, title):
    """A write-only workbook: headers bold; amounts numbers shown 0.00; account numbers text-formatted."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("代发明细")
    bold = Font(bold=True)
    headers = []
    for header, _ in layout.columns:
        cell = WriteOnlyCell(sheet, header)
        cell.font = bold
        headers.append(cell)
    sheet.append(headers)
    fields = [field for _, field in layout.columns]
    for line in lines:
        row = []
        for field in fields:
            value = _value(line, field)
            if field == "amount" or field in TEXT_FIELDS:
                cell = WriteOnlyCell(sheet, value)
                cell.number_format = "0.00" if field == "amount" else "@"
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
    workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
