"""Starting cases, reading them, and keeping the case row and task projection in step with the engine."""
from sqlalchemy import exists, func, or_, select

from ..db import utcnow
from ..errors import NotFound, ValidationFailed
from ..forms import load_form, validate
from ..people.models import Organisation, role_for_lane
from ..process_models.operations import latest_version
from ..tasks.models import HumanTask
from . import history
from .access import case_scope, ensure_can_read, ensure_can_start, task_organisation
from .models import Case, CaseEvent

OUTCOME_STATUS = {"paid": "paid", "not_eligible": "not_eligible", "not_approved": "not_approved"}



def _new_task_row(case, task, now):
    role = role_for_lane(task.lane)
    return HumanTask(case_id=case.id, spiff_task_id=task.id, spec_name=task.spec_name, title=task.title, role=role,
                     organisation_id=task_organisation(case, role), form=task.form, ui_form=task.ui_form,
                     created_at=now)


def sync_tasks(session, case, instance, now, open_rows=None):
    """Make the open rows of the projection match the instance's ready user tasks; return the open rows.

    `open_rows`: the case's open rows when the caller has them already (not counting a task it completes).
    """
    if open_rows is None:
        open_rows = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id,
                                                            HumanTask.state == "open")).all()
    open_rows = {row.spiff_task_id: row for row in open_rows}
    current = instance.open_tasks()
    added = [_new_task_row(case, task, now) for task in current if task.id not in open_rows]
    session.add_all(added)
    current_ids = {t.id for t in current}
    for spiff_id, row in open_rows.items():
        if spiff_id not in current_ids:
            row.state = "cancelled"
            row.completed_at = now
    case.stage = "、".join(t.title for t in current) or None
    case.updated_at = now
    return [row for row in open_rows.values() if row.state == "open"] + added


def settle_status(session, case, instance, user, now):
    if instance.incident:
        case.status = "incident"
        case.incident = instance.incident
        history.record(session, case, user, "incident", opinion=instance.incident, when=now)
    elif instance.is_completed:
        case.status = OUTCOME_STATUS.get(instance.outcome, "completed")
        case.closed_at = now
        history.record(session, case, user, "ended", decision=instance.outcome, when=now)


def _draft_problems(form, data):
    return {k: v for k, v in validate(form.schema, data, form.key).items() if v != ["必填"]}


def start_case(session, services, user, process_key, draft=None):
    """Declare a new household: start the process; `draft` prefills the first task's form."""
    ensure_can_start(user)
    version = latest_version(session, process_key)
    if draft is not None and not isinstance(draft, dict):
        raise ValidationFailed("初始数据应为对象", {"data": ["应为对象"]})
    instance = services.store.start(version)
    now = utcnow()
    first = instance.open_tasks()
    if draft:
        if not first or not first[0].form:
            raise ValidationFailed("此流程的第一步没有表单，不能预填数据", {"data": ["不能预填"]})
        form = load_form(session, version, first[0].form)
        problems = _draft_problems(form, draft)
        if problems:
            raise ValidationFailed("初始数据有误", {f"data.{k}": v for k, v in problems.items()})
        instance.task_data(first[0].id)[first[0].spec_name] = draft
    case = Case(process_version_id=version.id, organisation_id=user.organisation_id, created_by_id=user.id,
                status="active", created_at=now, updated_at=now)
    session.add(case)
    session.flush()
    case.reference = f"BF{now:%Y}{case.id:06d}"
    if draft and draft.get("name"):
        case.household_name = draft["name"]
    history.record(session, case, user, "started", when=now)
    sync_tasks(session, case, instance, now)
    settle_status(session, case, instance, user, now)
    services.store.save(session, case, instance)
    return case


def get_case(session, user, case_id):
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound("案件不存在")
    ensure_can_read(user, case)
    return case


def case_detail(session, services, case):
    """The case's instance (its data is raw: the caller masks it), open tasks and history."""
    instance = services.store.load(case)
    tasks = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
                            .order_by(HumanTask.id)).all()
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
    return instance, tasks, events


def case_query(user, filters):
    """The cases the user may read, narrowed by the filters (status, category, organisation code,
    stage = BPMN id of an open task, overdue, text), newest first."""
    query = select(Case).where(case_scope(user))
    if filters.get("status"):
        query = query.where(Case.status == filters["status"])
    if filters.get("category"):
        query = query.where(Case.category == filters["category"])
    if filters.get("organisation"):
        query = query.where(Case.organisation_id == select(Organisation.id).where(
            Organisation.code == filters["organisation"]).scalar_subquery())
    if filters.get("stage"):
        query = query.where(exists().where(HumanTask.case_id == Case.id, HumanTask.state == "open",
                                           HumanTask.spec_name == filters["stage"]))
    if filters.get("overdue"):
        query = query.where(exists().where(HumanTask.case_id == Case.id, HumanTask.state == "open",
                                           HumanTask.due_at < utcnow()))
    if filters.get("text"):
        like = f"%{filters['text']}%"
        query = query.where(or_(Case.household_name.ilike(like), Case.reference.ilike(like),
                                Case.file_number.ilike(like), Case.employer.ilike(like)))
    return query.order_by(Case.created_at.desc(), Case.id.desc())


def list_cases(session, user, filters, page, page_size):
    query = case_query(user, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all()
    return items, total


def open_tasks_by_case(session, case_ids):
    rows = session.scalars(select(HumanTask).where(HumanTask.case_id.in_(case_ids), HumanTask.state == "open")
                           .order_by(HumanTask.id)).all() if case_ids else []
    grouped = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped
