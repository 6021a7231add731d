"""Reading the bank's result file (回盘文件): xlsx or CSV (UTF-8, with or without BOM, or GBK as banks
often send), one row per line with its reference, amount, outcome and, for a failure, the reason.

Reading only turns bytes into `ResultRow`s and per-row problems; matching them against the batch is
bank_results.py. Headers are found by name (the bank may add or reorder columns).
"""
import csv
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import load_workbook

from ..errors import ValidationFailed

HEADERS = {
    "reference": ("明细编号", "业务参考号", "参考号"),
    "amount": ("金额", "金额（元）", "交易金额"),
    "outcome": ("处理结果", "结果", "交易状态", "状态"),
    "reason": ("失败原因", "原因", "备注"),
    "bank_reference": ("银行流水号", "交易流水号", "流水号"),
}
REQUIRED = ("reference", "amount", "outcome")
SUCCESS = {"成功", "交易成功", "已入账", "success", "paid"}
FAILURE = {"失败", "交易失败", "退票", "failed", "failure"}
MAX_ROWS = 200_000


@dataclass
class ResultRow:
    row: int  # the row's number in the file, headers being row 1
    reference: str
    amount: Decimal | None
    paid: bool | None  # None: an outcome the service does not know
    reason: str | None
    bank_reference: str | None
    outcome: str


def read(content):
    """(rows, problems): problems are '第 N 行：reason' texts; a file that cannot be read raises ValidationFailed."""
    table = _xlsx_rows(content) if content[:2] == b"PK" else _csv_rows(content)
    table = [row for row in table if any(_text(cell) for cell in row)]
    if not table:
        raise ValidationFailed("回盘文件是空的", {"file": ["没有表头和明细"]})
    if len(table) > MAX_ROWS + 1:
        raise ValidationFailed("回盘文件过大", {"file": [f"最多 {MAX_ROWS} 行明细"]})
    position = _positions(table[0])
    rows, problems = [], []
    for number, cells in enumerate(table[1:], start=2):
        value = {key: _text(cells[index]) if index < len(cells) else "" for key, index in position.items()}
        row = ResultRow(number, value["reference"], _amount(value["amount"]), _outcome(value["outcome"]),
                        value.get("reason") or None, value.get("bank_reference") or None, value["outcome"])
        if not row.reference:
            problems.append(f"第 {number} 行：缺少明细编号")
        elif row.amount is None:
            problems.append(f"第 {number} 行：金额“{value['amount']}”不是两位小数以内的金额")
        elif row.paid is None:
            problems.append(f"第 {number} 行：处理结果“{value['outcome']}”无法识别（应为成功或失败）")
        elif row.paid is False and not row.reason:
            problems.append(f"第 {number} 行：失败的明细须注明失败原因")
        rows.append(row)
    return rows, problems


def _positions(header):
    names = [_text(cell) for cell in header]
    position = {}
    for key, accepted in HEADERS.items():
        found = [index for index, name in enumerate(names) if name in accepted]
        if found:
            position[key] = found[0]
    missing = [HEADERS[key][0] for key in REQUIRED if key not in position]
    if missing:
        raise ValidationFailed("回盘文件缺少必需的列，未导入任何记录",
                               {"file": [f"第 1 行（表头）：缺少“{name}”列" for name in missing]})
    return position


def _xlsx_rows(content):
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ValidationFailed("无法读取回盘文件", {"file": ["不是有效的 xlsx 文件"]}) from None
    try:
        return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()


def _csv_rows(content):
    for encoding in ("utf-8-sig", "gbk"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed("无法识别回盘文件的编码，未导入任何记录",
                               {"file": ["文件既不是 UTF-8 也不是 GBK 编码的 CSV，也不是 xlsx"]})
    if "\x00" in text:
        raise ValidationFailed("无法识别回盘文件的编码，未导入任何记录", {"file": ["文件含有空字符，可能是 UTF-16 编码"]})
    return list(csv.reader(io.StringIO(text)))


def _text(cell):
    if cell is None:
        return ""
    if isinstance(cell, float):  # xlsx numbers: amounts as written, never a float's noise
        return format(Decimal(str(cell)), "f")
    return str(cell).strip()


def _amount(text):
    """The amount to the fen, or None: not a number, a third decimal, or too long to be money (quantize raises)."""
    try:
        value = Decimal(text.replace(",", "").replace("¥", ""))
        exact = value.quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return exact if value == exact else None


def _outcome(text):
    lowered = text.lower()
    return True if lowered in SUCCESS else False if lowered in FAILURE else None
