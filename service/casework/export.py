"""The case list as an Excel workbook (.xlsx): what the filtered list shows, no personal numbers.

Every text cell is written as text: a household name or an employer starting with = + - or @ would
otherwise be stored as a live formula (=HYPERLINK(...) and worse) in a file supervisors open. Amounts are
numbers with two decimals and dates are dates, so that a sheet can add them up and sort them.
"""
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .. import wording
from ..cases.models import STATUS_LABELS
from ..config import LOCAL_TIMEZONE
from ..households.assessment import CATEGORY_LABELS
from .queries import case_query, with_file_number

MAX_ROWS = 50_000
COLUMNS = ["案件编号", "家庭（职工姓名）", "工作单位", "申报工会", "第三方机构", "状态", "当前步骤", "困难类别",
           "档案编号", "审批金额（元）", "发放金额（元）", "发放日期", "银行流水号", "申报时间", "办结时间"]
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"  # whole numbers: 户次, households
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
TIME_FORMAT = 'yyyy"年"m"月"d"日" hh:mm'
MAX_WIDTH = 60


def _local(value):
    return value.astimezone(LOCAL_TIMEZONE).replace(tzinfo=None) if value else None


def _row(case):
    return (case.reference, case.household_name, case.employer, case.organisation.name,
            case.third_party_org.name if case.third_party_org else None,
            STATUS_LABELS.get(case.status, case.status), case.stage, CATEGORY_LABELS.get(case.category),
            case.shown_file_number, case.approved_amount, case.paid_amount, case.paid_on, case.bank_reference,
            _local(case.created_at), _local(case.closed_at))


def _shown(value):
    """The text Excel shows for a value in our formats."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return wording.amount(value)
    if isinstance(value, datetime):
        return f"{wording.long_date(value)} {value:%H:%M}"
    if isinstance(value, date):
        return wording.long_date(value)
    return str(value)


def width(text):
    """Columns a text needs: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cell(sheet, value, bold=False):
    cell = WriteOnlyCell(sheet, value=float(value) if isinstance(value, Decimal) else value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f" (a formula), whatever the text starts with
    elif isinstance(value, Decimal):
        cell.number_format = MONEY_FORMAT
    elif isinstance(value, int) and not isinstance(value, bool):
        cell.number_format = COUNT_FORMAT
    elif isinstance(value, datetime):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def cases_workbook(session, user, filters):
    """Bytes of an .xlsx with one row per case matching the filters (at most MAX_ROWS)."""
    rows = [_row(case) for case in session.scalars(case_query(user, filters).limit(MAX_ROWS).options(with_file_number()))]
    return workbook_bytes("案件清单", COLUMNS, rows)


def workbook_bytes(sheet_name, columns, rows, title=None):
    """Bytes of an .xlsx of one sheet: an optional bold title line, bold column headers (frozen when there is
    no title), then the rows; each column as wide as its widest text, up to MAX_WIDTH. Every export uses it."""
    workbook = Workbook(write_only=True)
    write_sheet(workbook, sheet_name, columns, rows, title)
    return _saved(workbook)


def workbook_of_sheets(sheets):
    """Bytes of an .xlsx of several sheets, each `(name, columns, rows, title, total)`: a bold title line, bold
    headers frozen under it, the rows, and a bold total row (合计) when `total` is given."""
    workbook = Workbook(write_only=True)
    for name, columns, rows, title, total in sheets:
        write_sheet(workbook, name, columns, rows, title, total, freeze_under_title=True)
    return _saved(workbook)


def write_sheet(workbook, sheet_name, columns, rows, title=None, total=None, freeze_under_title=False):
    """One sheet of a write-only workbook (see workbook_bytes); `total`, a row of values, is written last, bold."""
    sheet = workbook.create_sheet(sheet_name)
    shown_rows = list(rows) + ([total] if total is not None else [])
    for index, header in enumerate(columns):
        needed = max([width(header)] + [width(_shown(row[index])) for row in shown_rows])
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(needed + 2, MAX_WIDTH)
    if not title or freeze_under_title:  # before the first row: a write-only sheet writes its view with it
        sheet.freeze_panes = "A3" if title else "A2"
    if title:
        sheet.append([_cell(sheet, title, bold=True)])
    sheet.append([_cell(sheet, header, bold=True) for header in columns])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    if total is not None:
        sheet.append([_cell(sheet, value, bold=True) for value in total])
    return sheet


def _saved(workbook):
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
