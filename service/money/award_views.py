"""The awards a user may read: the list (filtered by household, programme, year, status) and one award with its
instalments. Built once for the API and the pages; a union sees only its own households' awards, and another
union's award is a 404 as a missing one."""
from sqlalchemy import func, select

from ..access import Action, award_filter, ensure, may_read_award
from ..casework.views import View
from ..errors import NotFound
from ..households.models import Household
from .models import FUND_SOURCE_LABELS, PROGRAMME_LABELS, Award, InstalmentStatus, Programme
from .standards import SCHOOL_LEVELS

AWARD_STATUS_LABELS = {"active": "发放中", "ended": "已终止", "completed": "已发完"}
INSTALMENT_STATUS_LABELS = {InstalmentStatus.OPEN: "待发放", InstalmentStatus.HELD: "暂停（待核实账户）",
                            InstalmentStatus.PAID: "已发放", InstalmentStatus.CANCELLED: "已取消"}

def _shown(award, household=None, instalments=None):
    extra = dict(programme_label=PROGRAMME_LABELS[Programme(award.programme)],
                 fund_source_label=FUND_SOURCE_LABELS.get(award.fund_source, award.fund_source),
                 status_label=AWARD_STATUS_LABELS.get(award.status, award.status),
                 school_level_label=SCHOOL_LEVELS.get(award.school_level))
    if household is not None:
        extra.update(household_file_number=household.file_number, worker_name=household.worker_name)
    if instalments is not None:
        extra["instalment_rows"] = [View(i, status_label=INSTALMENT_STATUS_LABELS.get(i.status, i.status))
                                    for i in instalments]
    return View(award, **extra)


def award_page(session, user, filters, page=1, page_size=50):
    ensure(user, Action.READ_AWARDS)
    query = select(Award, Household).join(Household, Household.id == Award.household_id).where(award_filter(user))
    if filters.get("household"):
        query = query.where(Award.household_id == filters["household"])
    if filters.get("programme"):
        query = query.where(Award.programme == filters["programme"])
    if filters.get("year"):
        query = query.where(Award.budget_year == filters["year"])
    if filters.get("status"):
        query = query.where(Award.status == filters["status"])
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.execute(query.order_by(Award.approved_on.desc(), Award.id.desc())
                           .offset((page - 1) * page_size).limit(page_size)).all()
    return {"items": [_shown(award, household) for award, household in rows], "total": total, "page": page,
            "page_size": page_size, "filters": filters}


def award_detail(session, user, award_id):
    ensure(user, Action.READ_AWARDS)
    award = session.get(Award, award_id)
    if award is None or not may_read_award(user, award):
        raise NotFound("帮扶项目不存在")
    return _shown(award, session.get(Household, award.household_id), award.instalments)


def household_awards(session, household_id):
    """A household's awards with their instalments, newest first (its page; the caller already read it)."""
    awards = session.scalars(select(Award).where(Award.household_id == household_id)
                             .order_by(Award.approved_on.desc(), Award.id.desc())).all()
    return [_shown(award, instalments=award.instalments) for award in awards]


