"""The case list as an Excel workbook (.xlsx): what the filtered list shows, no personal numbers.

Every text cell is written as text: a household name or an employer starting with = + - or @ would
otherwise be stored as a live formula (=HYPERLINK(...) and worse) in a file supervisors open.
"""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from ..cases.models import STATUS_LABELS
from ..config import LOCAL_TIMEZONE
from ..households.assessment import CATEGORY_LABELS
from .queries import case_query

MAX_ROWS = 50_000
COLUMNS = ["案件编号", "家庭（职工姓名）", "工作单位", "申报工会", "第三方机构", "状态", "当前步骤", "困难类别",
           "档案编号", "审批金额（元）", "发放金额（元）", "申报时间", "办结时间"]


def _local(value):
    return value.astimezone(LOCAL_TIMEZONE).replace(tzinfo=None) if value else None


def _cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never "f" (a formula), whatever the text starts with
    return cell


def cases_workbook(session, user, filters):
    """Bytes of an .xlsx with one row per case matching the filters (at most MAX_ROWS)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("案件清单")
    sheet.append(COLUMNS)
    for case in session.scalars(case_query(user, filters).limit(MAX_ROWS)):
        sheet.append([_cell(sheet, value) for value in (
            case.reference, case.household_name, case.employer, case.organisation.name,
            case.third_party_org.name if case.third_party_org else None,
            STATUS_LABELS.get(case.status, case.status), case.stage, CATEGORY_LABELS.get(case.category),
            case.file_number,
            float(case.approved_amount) if case.approved_amount is not None else None,
            float(case.paid_amount) if case.paid_amount is not None else None,
            _local(case.created_at), _local(case.closed_at),
        )])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
