"""Removing files past their retention (档案保存期): closed households are kept 10 years after they closed
(全总 困难职工档案管理办法), then `bangfu register purge --before DATE` removes them.

"Removes" covers everything the service holds about such a household: the household row, its members
(names and ID numbers) and status history, and every case of it with the case's history (case_events),
its task rows (human_tasks) and its workflow state (the forms' data: incomes, health, bank card). A later
file of the same worker that is kept loses its link to the removed one (previous_household_id). Only
households closed (已脱困, 已解困, 已退出, 未建档) on a day more than RETENTION_YEARS before DATE go; open ones
(申报中, 在档) never do. Drafts never submitted have no household and are not touched here.
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, update

from .. import clock
from ..cases.models import Case, CaseEvent
from ..errors import ValidationFailed
from ..money.models import PaymentLine
from ..tasks.models import HumanTask
from ..wording import long_date
from .models import CLOSED_STATUSES, Household, HouseholdMember, HouseholdStatusChange

RETENTION_YEARS = 10
BATCH = 500


@dataclass
class Purged:
    households: int
    cases: int
    cutoff: date  # files closed before this day were removed


def cutoff_for(before):
    """The first day of closure still kept: RETENTION_YEARS before `before` (29 February: 28 February)."""
    try:
        return before.replace(year=before.year - RETENTION_YEARS)
    except ValueError:
        return date(before.year - RETENTION_YEARS, 2, 28)


def parse_date(text):
    """A date given on the command line (YYYY-MM-DD), not after today: a later one would cut retention short."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise ValidationFailed(f"日期“{text}”无效，应为 YYYY-MM-DD，例如 {clock.today().isoformat()}",
                               {"before": ["日期格式错误"]}) from None
    if day > clock.today():
        raise ValidationFailed(f"日期不能晚于今天（{long_date(clock.today())}）：档案在撤档后须保存 {RETENTION_YEARS} 年",
                               {"before": ["不能晚于今天"]})
    return day


def purgeable(before):
    """SQL condition: households closed more than RETENTION_YEARS before `before`."""
    return Household.status.in_(list(CLOSED_STATUSES)) & (Household.closed_on < cutoff_for(before))


def count_purgeable(session, before):
    ids = session.scalars(select(Household.id).where(purgeable(before))).all()
    cases = session.scalars(select(Case.id).where(Case.household_id.in_(ids))).all() if ids else []
    return Purged(len(ids), len(cases), cutoff_for(before))


def purge(session, before):
    """Remove the households closed more than RETENTION_YEARS before `before`, with their cases and personal
    data; returns how many. Flushes, never commits (run it through unit_of_work.run)."""
    ids = session.scalars(select(Household.id).where(purgeable(before)).order_by(Household.id)).all()
    cases = 0
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        case_ids = session.scalars(select(Case.id).where(Case.household_id.in_(batch))).all()
        cases += len(case_ids)
        session.execute(update(Household).where(Household.previous_household_id.in_(batch))
                        .values(previous_household_id=None), execution_options={"synchronize_session": False})
        session.execute(update(HouseholdStatusChange).where(HouseholdStatusChange.case_id.in_(case_ids))
                        .values(case_id=None), execution_options={"synchronize_session": False})
        session.execute(delete(HouseholdStatusChange).where(HouseholdStatusChange.household_id.in_(batch)))
        session.execute(delete(HouseholdMember).where(HouseholdMember.household_id.in_(batch)))
        if case_ids:
            session.execute(delete(HumanTask).where(HumanTask.case_id.in_(case_ids)))
            session.execute(delete(CaseEvent).where(CaseEvent.case_id.in_(case_ids)))
            session.execute(delete(Case).where(Case.id.in_(case_ids)))
        # Its payment lines (the account it was paid into) go with it; awards, instalments and account
        # verifications cascade from the household. The batches keep their totals.
        session.execute(delete(PaymentLine).where(PaymentLine.household_id.in_(batch)))
        session.execute(delete(Household).where(Household.id.in_(batch)))
    session.flush()
    return Purged(len(ids), cases, cutoff_for(before))
