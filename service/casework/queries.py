"""Reading cases together with their tasks and history: the case list, its filters, one case's rows."""
from sqlalchemy import exists, func, or_, select

from ..access import case_filter
from ..cases.models import Case, CaseEvent
from ..db import utcnow
from ..people.models import Organisation
from ..tasks.deadlines import overdue
from ..tasks.models import HumanTask, TaskState


def case_query(user, filters):
    """The cases the user may read, narrowed by the filters (status, category, organisation code,
    stage = BPMN id of an open task, overdue, text), newest first."""
    query = select(Case).where(case_filter(user))
    if filters.get("status"):
        query = query.where(Case.status == filters["status"])
    if filters.get("category"):
        query = query.where(Case.category == filters["category"])
    if filters.get("organisation"):
        query = query.where(Case.organisation_id == select(Organisation.id).where(
            Organisation.code == filters["organisation"]).scalar_subquery())
    if filters.get("stage"):
        query = query.where(exists().where(HumanTask.case_id == Case.id, HumanTask.state == TaskState.OPEN,
                                           HumanTask.spec_name == filters["stage"]))
    if filters.get("overdue"):
        query = query.where(exists().where(HumanTask.case_id == Case.id, overdue(utcnow())))
    if filters.get("text"):
        text = filters["text"]
        query = query.where(or_(*(column.icontains(text, autoescape=True) for column in (
            Case.household_name, Case.reference, Case.file_number, Case.employer))))
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def list_cases(session, user, filters, page, page_size):
    query = case_query(user, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all()
    return items, total


def open_tasks_by_case(session, case_ids):
    rows = session.scalars(select(HumanTask).where(HumanTask.case_id.in_(case_ids),
                                                   HumanTask.state == TaskState.OPEN)
                           .order_by(HumanTask.id)).all() if case_ids else []
    grouped = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


def case_history(session, case_id):
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).all()


def completed_tasks(session, case_id):
    """The case's completed steps, oldest first."""
    return session.scalars(select(HumanTask).where(HumanTask.case_id == case_id,
                                                   HumanTask.state == TaskState.COMPLETED)
                           .order_by(HumanTask.completed_at, HumanTask.id)).all()
