"""Reading cases together with their tasks and history: the case list, its filters, one case's rows."""
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from ..access import case_filter
from ..cases.models import DRAFT, Case, CaseEvent, CaseStatus, draft, submitted
from ..db import utcnow
from ..households.models import Household
from ..people.models import Organisation
from ..tasks.deadlines import overdue
from ..tasks.models import HumanTask, TaskState


def case_query(user, filters):
    """The cases the user may read, narrowed by the filters (status, category, organisation code,
    stage = BPMN id of an open task, overdue, text), newest first. Drafts are listed only when asked for
    (status "draft"), withdrawn declarations only by their status."""
    query = select(Case).where(case_filter(user))
    status = filters.get("status")
    if status == DRAFT:
        query = query.where(draft())
    elif status:
        query = query.where(Case.status == status)
        if status == CaseStatus.ACTIVE:
            query = query.where(submitted())
    else:
        query = query.where(submitted())
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
            Case.household_name, Case.reference, Case.file_number, Case.employer)),
            Case.household_id.in_(select(Household.id).where(Household.file_number.icontains(text, autoescape=True)))))
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def list_cases(session, user, filters, page, page_size):
    query = case_query(user, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.offset((page - 1) * page_size).limit(page_size)
                            .options(with_file_number())).all()
    return items, total


def with_file_number():
    """Loader option: each case's household file number in one more query (Case.shown_file_number)."""
    return selectinload(Case.household).load_only(Household.file_number)


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


def rounds(session, tasks):
    """{task id: which round of its step the task is} (1 + the step's completed rounds on its case)."""
    tasks = list(tasks)
    if not tasks:
        return {}
    done = dict(((case_id, name), count) for case_id, name, count in session.execute(
        select(HumanTask.case_id, HumanTask.spec_name, func.count())
        .where(HumanTask.case_id.in_({t.case_id for t in tasks}), HumanTask.state == TaskState.COMPLETED,
               HumanTask.spec_name.in_({t.spec_name for t in tasks}))
        .group_by(HumanTask.case_id, HumanTask.spec_name)))
    return {t.id: 1 + done.get((t.case_id, t.spec_name), 0) for t in tasks}


def returned_tasks(session, tasks, known_rounds=None):
    """The ids of the open `tasks` that were returned for correction (退回补正): their step comes round again
    and the case's last completed step returned it. A branch beside it (the visit, while 走访监督's return went
    to the centre's 问题整改答复) was not returned. `known_rounds`: `rounds` of these tasks, when the caller has
    them already."""
    tasks = list(tasks)
    again = known_rounds if known_rounds is not None else rounds(session, tasks)
    coming_round = [t for t in tasks if again.get(t.id, 1) > 1]
    returned = returned_for_correction(session, list({t.case_id for t in coming_round}))
    return {t.id for t in coming_round if t.case_id in returned}


def returned_for_correction(session, case_ids):
    """The cases among `case_ids` whose last completed step returned them for correction (退回补正):
    its decision was "return" and nothing has been completed since."""
    if not case_ids:
        return set()
    last = (select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(case_ids), CaseEvent.action == "completed")
            .group_by(CaseEvent.case_id))
    return set(session.scalars(select(CaseEvent.case_id).where(CaseEvent.id.in_(last), CaseEvent.decision == "return")))
