"""The household register as an Excel workbook (.xlsx): what the filtered list shows, each household with its
aid approved and paid so far (numbers with two decimals), its dates as dates, and the worker's ID masked
whatever the reader's role (a file that leaves the service carries no whole ID)."""
from decimal import Decimal

from sqlalchemy import func, select

from ..casework.export import MAX_ROWS, workbook_bytes
from ..cases.models import Case
from .assessment import CATEGORY_LABELS
from .identity import mask_number
from .models import STATUS_LABELS
from .queries import household_query

COLUMNS = ["档案编号", "职工姓名", "身份证号（脱敏）", "所属工会", "工作单位", "困难类别", "状态", "退出原因", "申报日期",
           "建档日期", "撤档日期", "下次年度复核", "审批金额合计（元）", "发放金额合计（元）"]


def _totals(session, ids):
    if not ids:
        return {}
    rows = session.execute(select(Case.household_id, func.sum(Case.approved_amount), func.sum(Case.paid_amount))
                           .where(Case.household_id.in_(ids)).group_by(Case.household_id)).all()
    return {hid: (Decimal(a or 0).quantize(Decimal("0.01")), Decimal(p or 0).quantize(Decimal("0.01")))
            for hid, a, p in rows}


def _row(household, totals):
    approved, paid = totals.get(household.id, (Decimal("0.00"), Decimal("0.00")))
    return (household.file_number, household.worker_name, mask_number(household.worker_id_number),
            household.organisation.name, household.employer, CATEGORY_LABELS.get(household.category),
            STATUS_LABELS.get(household.status, household.status), household.exit_reason_label,
            household.declared_on, household.filed_on, household.closed_on, household.next_review_due,
            approved, paid)


def households_workbook(session, user, filters):
    """Bytes of an .xlsx with one row per household matching the filters (at most MAX_ROWS)."""
    households = session.scalars(household_query(user, filters).limit(MAX_ROWS)).all()
    totals = {}
    ids = [h.id for h in households]
    for start in range(0, len(ids), 1000):
        totals.update(_totals(session, ids[start:start + 1000]))
    return workbook_bytes("困难职工家庭档案", COLUMNS, [_row(h, totals) for h in households])
