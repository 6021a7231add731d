"""Figures for supervisors: where cases are, how long steps take, how the register changes.
All within the cases the user may read, and only cases whose declaration was submitted: a draft is not
a case in 申报 until its union submits it."""
from sqlalchemy import func, select

from ..access import case_filter, household_filter
from ..cases.models import Case, CaseStatus, draft, submitted
from ..db import utcnow
from ..households.assessment import CATEGORY_LABELS
from ..households.models import Household, HouseholdStatus, HouseholdStatusChange
from ..people.models import Organisation
from ..tasks.deadlines import overdue
from ..tasks.models import HumanTask, TaskState


def _days_between(start, end, dialect):
    if dialect == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400


def _month(column, dialect):
    if dialect == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def open_by_stage(session, user):
    rows = session.execute(select(HumanTask.title, func.count(func.distinct(HumanTask.case_id)))
                           .join(Case, Case.id == HumanTask.case_id)
                           .where(HumanTask.state == TaskState.OPEN, case_filter(user), submitted())
                           .group_by(HumanTask.title).order_by(func.count().desc())).all()
    return [(title, count) for title, count in rows]


def drafts(session, user):
    """How many declarations were started and never submitted (草稿): counted apart, never as cases."""
    return session.scalar(select(func.count()).select_from(Case).where(draft(), case_filter(user)))


def open_by_category(session, user):
    rows = session.execute(select(Case.category, func.count())
                           .where(Case.status == CaseStatus.ACTIVE, case_filter(user), submitted())
                           .group_by(Case.category)).all()
    return [(CATEGORY_LABELS.get(category, "未定类别"), count) for category, count in rows]


def open_by_organisation(session, user):
    rows = session.execute(select(Organisation.name, func.count()).join(Case, Case.organisation_id == Organisation.id)
                           .where(Case.status == CaseStatus.ACTIVE, case_filter(user), submitted())
                           .group_by(Organisation.name).order_by(func.count().desc())).all()
    return [(name, count) for name, count in rows]


def late_tasks(session, user):
    """Open tasks past their due date (the same rule as the case list's filter), longest overdue first."""
    return session.scalars(select(HumanTask).join(Case, Case.id == HumanTask.case_id)
                           .where(overdue(utcnow()), case_filter(user), submitted())
                           .order_by(HumanTask.due_at, HumanTask.id).limit(100)).all()


def average_days_by_stage(session, user):
    dialect = session.get_bind().dialect.name
    days = _days_between(HumanTask.created_at, HumanTask.completed_at, dialect)
    rows = session.execute(select(HumanTask.title, func.avg(days), func.count())
                           .join(Case, Case.id == HumanTask.case_id)
                           .where(HumanTask.state == TaskState.COMPLETED, case_filter(user))
                           .group_by(HumanTask.title).order_by(HumanTask.title)).all()
    return [(title, round(float(avg or 0), 1), count) for title, avg, count in rows]


def register_by_month(session, user, today):
    """在档户数 at each month's end, from the first filing through `today`'s month, of the households the user may
    read (the money report's own count, money/reports.register_sizes): it falls with exits."""
    from ..money.reports import register_sizes  # the money reports build on casework; this reads them
    households = household_filter(user)
    first = session.scalar(select(func.min(HouseholdStatusChange.changed_on))
                           .join(Household, Household.id == HouseholdStatusChange.household_id)
                           .where(HouseholdStatusChange.to_status == HouseholdStatus.FILED, households))
    if first is None:
        return []
    return [(line.label, line.at_end) for line in register_sizes(session, first, today, households)]
