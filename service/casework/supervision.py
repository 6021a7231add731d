"""The centre's 督办 list: every open task past its due date, whichever organisation holds it.

A task of a union or a third party is held by that organisation (its row names it); a task of the centre's
or the inspectors' roles by the organisation of that kind (the row names none). Filter by step and by the
holding organisation; longest overdue first.
"""
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from ..access import Action, case_filter, ensure
from ..cases.models import Case, submitted
from ..clock import local_date
from ..people.models import Organisation, User
from ..people.roles import Role
from ..tasks.deadlines import overdue
from ..tasks.models import HumanTask


def days_late(task, now):
    """Whole days a task is late: 1 on the day after its due date (a task is due to the end of that day)."""
    return max((local_date(now) - local_date(task.due_at)).days, 1)


def _held_by(organisation):
    """SQL: the task is held by `organisation`."""
    roles = [role for role in Role if role.org_kind == organisation.kind]
    return or_(HumanTask.organisation_id == organisation.id,
               and_(HumanTask.organisation_id.is_(None), HumanTask.role.in_(roles)))


def overdue_tasks(session, user, now, step=None, organisation=None, page=1, page_size=50):
    """(page of overdue tasks, total) for the 督办 list, within the cases the user may read."""
    ensure(user, Action.SUPERVISE_OVERDUE)
    query = select(HumanTask).join(Case, Case.id == HumanTask.case_id).where(overdue(now), case_filter(user),
                                                                            submitted())
    if step:
        query = query.where(HumanTask.spec_name == step)
    if organisation:
        holder = session.scalar(select(Organisation).where(Organisation.code == organisation))
        if holder is None:
            return [], 0
        query = query.where(_held_by(holder))
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(HumanTask.id).subquery()))
    items = session.scalars(query.options(
        joinedload(HumanTask.case).load_only(Case.reference, Case.household_name, Case.file_number),
        joinedload(HumanTask.assignee).load_only(User.username, User.display_name))
        .order_by(HumanTask.due_at, HumanTask.id).offset((page - 1) * page_size).limit(page_size)).all()
    return items, total


def holders(session, tasks):
    """{task id: name of the organisation holding it}: the one the row names, else the one organisation of
    the role's kind (the centre, the inspection group), or the kind's name when there are several."""
    ids = {t.organisation_id for t in tasks if t.organisation_id is not None}
    names = {row.id: row.name for row in session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))} if ids else {}
    by_kind = {}
    for kind, name in session.execute(select(Organisation.kind, Organisation.name)):
        by_kind.setdefault(kind, []).append(name)
    found = {}
    for task in tasks:
        if task.organisation_id is not None:
            found[task.id] = names.get(task.organisation_id, "—")
            continue
        try:
            kind = Role(task.role).org_kind
        except ValueError:
            found[task.id] = "—"
            continue
        same_kind = by_kind.get(str(kind), [])
        found[task.id] = same_kind[0] if len(same_kind) == 1 else kind.label
    return found
