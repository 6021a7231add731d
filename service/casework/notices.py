"""The public notice list (公示名单) for posting: the cases whose notice runs on a day or in a period, with
names, union, category and amount, the ID number as posted (masked when the notice was published), as a
page and as an Excel workbook. Read from the case row (rules.py records the notice there), never from a
workflow."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..access import case_filter
from ..cases.models import Case, CaseStatus
from ..households.assessment import CATEGORY_LABELS
from .export import _shown, workbook_bytes

MAX_ROWS = 5_000
MAX_PERIOD_DAYS = 366
COLUMNS = ["序号", "姓名", "身份证号", "所在工会", "工作单位", "困难类别", "帮扶金额（元）", "公示开始", "公示结束"]


@dataclass
class NoticeRow:
    number: int
    case: Case

    @property
    def amount(self):
        return self.case.approved_amount  # None until 审批: "待审批"

    @property
    def amount_text(self):
        """Where there is no amount: "待审批" while the case is open, "—" once it ended without one (not approved,
        or ended when the household left the register: 撤档终止)."""
        return "待审批" if self.case.status == CaseStatus.ACTIVE else "—"


def notices(session, user, start, end):
    """Cases whose notice overlaps [start, end], in the order they were posted (at most MAX_ROWS)."""
    query = (select(Case).options(joinedload(Case.organisation))
             .where(Case.notice_start.is_not(None), Case.notice_start <= end, Case.notice_end >= start,
                    Case.status != CaseStatus.WITHDRAWN, case_filter(user))
             .order_by(Case.notice_start, Case.id).limit(MAX_ROWS))
    return [NoticeRow(index, case) for index, case in enumerate(session.scalars(query), start=1)]


def _values(row):
    case = row.case
    return (row.number, case.household_name, case.notice_id_number, case.organisation.name, case.employer,
            CATEGORY_LABELS.get(case.category, "—") if case.category else "—",
            row.amount if row.amount is not None else row.amount_text, case.notice_start, case.notice_end)


def notices_workbook(rows, start, end):
    """Bytes of an .xlsx of the notice list: a title line with the period, then one row per household."""
    title = "困难职工家庭认定结果公示名单（" + (_shown(start) if start == end else f"{_shown(start)}至{_shown(end)}") + "）"
    return workbook_bytes("公示名单", COLUMNS, [_values(row) for row in rows], title)


def period(args, today):
    """(start, end, problems) from the page's query: `from` and `to` dates, default today."""
    problems = {}

    def read(key):
        value = args.get(key)
        if not value:
            return today
        try:
            return date.fromisoformat(value)
        except ValueError:
            problems[key] = ["日期格式应为 年-月-日"]
            return today
    start, end = read("from"), read("to")
    if end < start:
        problems["to"] = ["结束日期不能早于开始日期"]
    elif (end - start).days > MAX_PERIOD_DAYS:
        problems["to"] = [f"查询期间不能超过 {MAX_PERIOD_DAYS} 天"]
    return start, end, problems
