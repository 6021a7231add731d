"""Annual review (年度复核), exit (撤档) and the 防返困 follow-up of filed households.

Cases: each annual review is a case of the `annual_review` model with `review_year` set; the database's
unique index on (household_id, review_year) keeps it to one per household and year, however many starts
run (the centre's button, the API, the yearly scheduled job, two at once). An exit started from the
household at any time (随时脱困随时撤档) is a case of `household_exit`. Both belong to the household
(cases.household_id) and to its union (cases.organisation_id), so a union sees only its own households'.

Bulk start. Starting a SpiffWorkflow instance per household costs a few milliseconds each; the year's
start instead runs the model once, dumps that state once and inserts every household's case row (with the
same state), first human-task row and history line in batches (executemany). That is exact when a fresh
instance of the version is the same for every household and every moment: the start puts no household data
into the workflow (the household's name, union, category are on the case row; rules read the household
when its tasks complete) and the run to the first wait touched only start events, gateways and user tasks
(engine Instance.start_replica_problem). A version whose start runs a script, reaches a timer, a service
task or a call activity is started one instance per household instead (same rows, its own state each):
slower, still one transaction. Task ids inside the copied state are the same in every case of one start;
they are unique within a case, which is all that task rows (unique per case and task id) and the engine need.

Exit approved (rules in review_rules.py): the household leaves the register through register.exit_household,
and every other case of the household still open (an application awaiting payment, this year's review, an
exit request) is ended where it stands: its workflow cancelled, its open tasks cancelled, status 撤档终止
(closed_on_exit) and a history line saying why. Aid already paid stays as it was.

Follow-up (防返困回访) after a 脱困 exit: a BPMN timer in the exit path of both bundled models, whose
timeDate reads `follow_up_at`, which the approval's rule sets (BANGFU_FOLLOW_UP_MONTHS months after the
exit, 09:00 China time); the household's follow_up_due says the same on the file. A timer rather than a
household-level due date read by a recurring job: the wait is visible in the model and the case (a designer
can move or remove it, the diagram shows where the case stands), the scheduler's timer rows fire it exactly
once like any other timer, and the follow-up's answer lands in the same case as the exit it follows.
"""
import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timezone

from sqlalchemy import exists, func, insert, select
from sqlalchemy.exc import IntegrityError

from .. import clock
from ..access import ORG_SCOPE, Action, case_filter, ensure
from ..cases import history
from ..cases.models import Case, CaseEvent, CaseStatus
from ..cases.operations import set_incident, settle_status
from ..config import LOCAL_TIMEZONE
from ..db import utcnow
from ..engine import EngineFailure
from ..errors import Conflict, NotFound, ValidationFailed
from ..people.roles import role_for_lane
from ..process_models.models import ProcessModel
from ..process_models.operations import latest_version
from ..scheduler.timers import drop_case_timer, sync_case_timer
from ..tasks import projection
from ..tasks.deadlines import due, overdue
from ..tasks.models import HumanTask, TaskState
from .models import CLOSED_STATUSES, EXIT_REASONS, Household, HouseholdStatus, HouseholdStatusChange

ANNUAL_REVIEW = "annual_review"
HOUSEHOLD_EXIT = "household_exit"
# The steps of the review itself (pending while one is open); the follow-up after an exit is not one.
REVIEW_STEPS = ("assign_review_visit", "review_visit_center", "review_visit_third_party", "review_conclusion",
                "exit_approval")
# The `outcome` of the bundled models' end events, in words (a case history's 流程结束 line).
OUTCOME_LABELS = {"stays_filed": "继续在档", "exited": "已撤档", "followed_up": "回访完成", "completed": "已办结"}
BATCH = 2000
FIRST_YEAR, LAST_YEAR = 2000, 2100
SCHEDULED_HOUR = time(9, 0)  # the yearly start and a follow-up fall due at 09:00 China time
OPEN = (CaseStatus.ACTIVE, CaseStatus.INCIDENT)


@dataclass
class ReviewStart:
    year: int
    started: int  # cases started by this call
    already: int  # households whose review of the year had been started before
    bulk: bool  # True: one engine run copied; False: one instance per household
    fallback_reason: str | None = None  # why the start could not be copied


# ---------------------------------------------------------------- starting the year's review

def start_annual_reviews(session, services, year, actor=None):
    """Start the annual review of `year` for every filed (在档) household that has none yet; `actor` is the
    centre user, or None for the scheduled start. Returns ReviewStart."""
    if actor is not None:
        ensure(actor, Action.KEEP_REGISTER)
    if not isinstance(year, int) or isinstance(year, bool) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed("复核年度无效", {"year": [f"应为 {FIRST_YEAR} 到 {LAST_YEAR} 之间的年份"]})
    version = latest_version(session, ANNUAL_REVIEW)
    # One start at a time (PostgreSQL: the model's row; SQLite's BEGIN IMMEDIATE already serialises writers):
    # the second sees the first's cases once it gets the lock, and the unique index stays the last word.
    session.execute(select(ProcessModel.id).where(ProcessModel.key == ANNUAL_REVIEW).with_for_update())
    already = session.scalar(select(func.count()).select_from(Case).where(
        Case.review_year == year, Case.household_id.is_not(None)))
    households = session.execute(
        select(Household.id, Household.organisation_id, Household.worker_name, Household.employer,
               Household.category)
        .where(Household.status == HouseholdStatus.FILED,
               ~exists().where(Case.household_id == Household.id, Case.review_year == year))
        .order_by(Household.id)).all()
    now = utcnow()
    state, ready, problem = _template(services, version)
    if problem is None:
        for start in range(0, len(households), BATCH):
            _insert(session, version, year, actor, now, households[start:start + BATCH], state, ready)
    else:
        for household_id, *_ in households:
            _start_one(session, services, version, session.get(Household, household_id), actor, now,
                       "review_started", f"{year} 年度复核", review_year=year)
    return ReviewStart(year, len(households), already, problem is None, problem)


def _template(services, version, start_data=None):
    """(state, open tasks, why it cannot be copied or None) of a new instance of the version run to its first
    wait: the start every household's case gets when it can be copied. `start_data`: data every case starts
    with (the same for all, so the copy stays exact)."""
    instance = services.store.start(version)
    try:
        instance.seed(start_data or {})
        instance.advance()
        state = services.store.dump(instance)
    except EngineFailure as exc:
        return None, [], exc.text
    return state, instance.open_tasks(), instance.start_replica_problem()


def _insert(session, version, year, actor, now, households, state, ready, reference=None, review_year=True,
            action="review_started", opinion=None, taken=None):
    """One batch of households: their case rows (the same state each), first task rows and history lines.
    Other bulk starts (送温暖, money/programmes.py) give their own `reference(household_id)`, no review year
    (`review_year=False`), history `action` and `opinion`, and `taken`: the refusal when the unique index says
    another start got there first."""
    reference = reference or (lambda household_id: f"FH{year}{household_id:07d}")
    opinion = opinion or f"{year} 年度复核"
    cases_table = Case.__table__
    actor_id = actor.id if actor else None
    stage = "、".join(task.title for task in ready) or None
    rows = [dict(process_version_id=version.id, organisation_id=org_id, third_party_org_id=None,
                 household_id=household_id, household_name=name, employer=employer, suggested_category=None,
                 category=category, file_number=None, reference=reference(household_id),
                 status=CaseStatus.ACTIVE, incident=None, stage=stage, created_by_id=actor_id, created_at=now,
                 submitted_at=now, updated_at=now, workflow_state=state, version=1,
                 review_year=year if review_year else None)
            for household_id, org_id, name, employer, category in households]
    try:
        ids = session.execute(insert(cases_table).returning(cases_table.c.id, sort_by_parameter_order=True),
                              rows).scalars().all()
    except IntegrityError:
        raise Conflict(taken or f"{year} 年度复核正在由他人发起，请刷新后查看") from None
    # Per task: the row every case gets, its organisation filled per case for a union's lane.
    # Due dates as projection.sync gives them: one in working days past the known years waits (期限待定) for
    # that year's import, which dates it (deadlines.date_pending_tasks).
    shapes = []
    for task in ready:
        role = role_for_lane(task.lane)
        when = due(task, now)
        shapes.append((ORG_SCOPE.get(role) is Case.organisation_id, dict(
            spiff_task_id=task.id, spec_name=task.spec_name, title=task.title, role=role, organisation_id=None,
            form=task.form, ui_form=task.ui_form, state=TaskState.OPEN, assignee_id=None, created_at=now,
            due_at=when.at, due_working_days=when.working_days if when.pending_year else None,
            due_pending_year=when.pending_year, completed_at=None, completed_by_id=None)))
    tasks = [dict(shape, case_id=case_id, **({"organisation_id": household[1]} if by_union else {}))
             for case_id, household in zip(ids, households) for by_union, shape in shapes]
    events = [dict(case_id=case_id, actor_id=actor_id, action=action, task_name=None, task_title=None,
                   decision=None, opinion=opinion, occurred_at=now) for case_id in ids]
    if tasks:
        session.execute(insert(HumanTask.__table__), tasks)
    session.execute(insert(CaseEvent.__table__), events)


# ---------------------------------------------------------------- the scheduled start

def start_instant(year, month_day):
    """When the scheduled start of `year`'s review falls due: the configured day at 09:00 China time."""
    month, day = month_day
    return datetime.combine(date(year, month, day), SCHEDULED_HOUR, LOCAL_TIMEZONE).astimezone(timezone.utc)


def next_annual_review_at(after, month_day):
    """The first scheduled start strictly after the instant `after` (the recurring job's next due time)."""
    year = clock.local_date(after).year
    due = start_instant(year, month_day)
    return due if due > after else start_instant(year + 1, month_day)


def scheduled_annual_review(session, services, due=None):
    """The yearly job: start the review of the year its due time falls in (a late run, even in January,
    starts the year it was due for); nothing new when that year was started already. `due` defaults to the
    latest due time not after now."""
    if due is None:
        now = clock.now()
        due = start_instant(clock.local_date(now).year, services.annual_review_date)
        if due > now:
            due = start_instant(clock.local_date(now).year - 1, services.annual_review_date)
    return start_annual_reviews(session, services, clock.local_date(due).year, None)


# ---------------------------------------------------------------- the register's figures for a year

def review_summary(session, user, year, now=None):
    """How many of `year`'s reviews the user may see were started; how many are pending (a review step open,
    or the case set aside as an incident), reviewed (the others: concluded, or ended with the household's
    exit), overdue (a review step open past its due date) and ended in an exit approved through the review;
    and how many filed households have no review of the year yet (a union: its own; a third party: none)."""
    now = now or utcnow()
    mine = (Case.review_year == year) & case_filter(user)
    open_step = (HumanTask.case_id == Case.id) & (HumanTask.state == TaskState.OPEN) & \
        HumanTask.spec_name.in_(REVIEW_STEPS)
    pending_cond = exists().where(open_step) | (Case.status == CaseStatus.INCIDENT)
    started = session.scalar(select(func.count()).select_from(Case).where(mine))
    pending = session.scalar(select(func.count()).select_from(Case).where(mine, pending_cond))
    late = session.scalar(select(func.count()).select_from(Case).where(
        mine, exists().where(open_step & overdue(now))))
    exited = session.scalar(select(func.count()).select_from(Case).where(mine, exists().where(
        (HouseholdStatusChange.case_id == Case.id) & HouseholdStatusChange.to_status.in_(list(CLOSED_STATUSES)))))
    filed = select(func.count()).select_from(Household).where(
        Household.status == HouseholdStatus.FILED,
        ~exists().where(Case.household_id == Household.id, Case.review_year == year))
    if user.role in ORG_SCOPE:
        filed = filed.where(Household.organisation_id == user.organisation_id) \
            if ORG_SCOPE[user.role] is Case.organisation_id else None
    return {"year": year, "started": started, "reviewed": started - pending, "pending": pending,
            "overdue": late, "exited": exited, "not_started": session.scalar(filed) if filed is not None else 0}


# ---------------------------------------------------------------- exit at any time

def start_household_exit(session, services, user, household_id):
    """随时脱困随时撤档: the centre starts the exit of a filed household (a `household_exit` case, first task
    the exit request); refused while the household is not filed or has an exit under way."""
    ensure(user, Action.KEEP_REGISTER)
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("家庭档案不存在")
    if household.status != HouseholdStatus.FILED:
        raise Conflict(f"家庭档案{household.status_label}，不能发起退出", {"household": [household.status_label]})
    running = session.scalar(select(Case.reference).join(Case.process_version).join(ProcessModel).where(
        Case.household_id == household.id, ProcessModel.key == HOUSEHOLD_EXIT, Case.status.in_(OPEN)))
    if running:
        raise Conflict(f"该家庭已有办理中的退出申请（案件编号 {running}）", {"household": [running]})
    version = latest_version(session, HOUSEHOLD_EXIT)
    return _start_one(session, services, version, household, user, utcnow(), "exit_started")


def _start_one(session, services, version, household, actor, now, action, opinion=None, review_year=None,
               start_data=None):
    """One case of the household, started through the engine and saved the way every start is (task rows
    synced, status settled, state saved by the instance store): the exit, the year's review of a model whose
    start cannot be copied, an aid programme's application (money/programmes.py, with its `start_data`). A start
    the engine cannot finish is kept as an incident, as start_case does."""
    instance = services.store.start(version)
    try:
        instance.seed(start_data or {})
        instance.advance()
        state, failure = services.store.dump(instance), None
    except EngineFailure as exc:
        instance, failure = services.store.start(version), exc.text
        state = services.store.dump(instance)
    case = Case(process_version_id=version.id, organisation_id=household.organisation_id,
                created_by_id=actor.id if actor else None, status=CaseStatus.ACTIVE, created_at=now,
                submitted_at=now, updated_at=now, household_id=household.id, household_name=household.worker_name,
                employer=household.employer, category=household.category, review_year=review_year)
    session.add(case)
    session.flush()
    case.reference = f"FH{review_year}{household.id:07d}" if review_year else f"BF{now:%Y}{case.id:06d}"
    history.record(session, case, actor, action, opinion=opinion, when=now)
    if failure:
        set_incident(session, case, actor, failure, now)
    ready = [] if failure else instance.open_tasks()
    projection.sync(session, case, ready, now)
    if not failure:
        settle_status(session, case, instance, actor, now, "、".join(t.title for t in ready))
    sync_case_timer(session, case, instance)  # a start that reached a timer: the scheduler's row for it
    services.store.save(session, case, instance, state)
    return case


def end_open_cases(session, services, household, exiting_case, actor, now):
    """The household left the register: every other case of it still open ends where it stands (撤档终止),
    its workflow and open tasks cancelled, with a history line. Returns the cases ended."""
    ended = []
    reason = EXIT_REASONS.get(household.exit_reason, household.exit_reason)
    for case in session.scalars(select(Case).where(Case.household_id == household.id, Case.id != exiting_case.id,
                                                   Case.status.in_(OPEN)).order_by(Case.id)):
        instance = services.store.load(case, for_command=True)
        try:
            instance.cancel()
            state = services.store.dump(instance)
        except EngineFailure:
            state = case.workflow_state  # a workflow that cannot even be cancelled stays as it was, closed
        projection.sync(session, case, [], now)
        case.status, case.stage, case.closed_at, case.updated_at = CaseStatus.CLOSED_ON_EXIT, None, now, now
        drop_case_timer(session, case)  # it waits on nothing any more
        history.record(session, case, actor, "closed_on_exit", opinion=f"家庭已撤档（{reason}），未完成的办理随之终止",
                       when=now)
        services.store.save(session, case, instance, state)
        ended.append(case)
    return ended


# ---------------------------------------------------------------- the file

def keep_filed(household, category, now):
    """The review's conclusion 继续在档: the category kept or changed, the next review a year on. Not a
    change of status (register.py owns those), so it lives here."""
    household.category = category
    household.next_review_due = add_months(clock.local_date(now), 12)
    household.updated_at = now


def schedule_follow_up(household, months, now):
    """A 脱困 exit: the follow-up falls due `months` later; returns the instant the timer waits for."""
    due = add_months(clock.local_date(now), months)
    household.follow_up_due, household.follow_up_done_on, household.follow_up_result = due, None, None
    return datetime.combine(due, SCHEDULED_HOUR, LOCAL_TIMEZONE)


def record_follow_up(household, returned, visit_date, now):
    household.follow_up_done_on = visit_date
    household.follow_up_result = "returned" if returned else "stable"
    household.updated_at = now


def add_months(day, months):
    """The same day `months` later (the month's last day when it has no such day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


__all__ = ["ANNUAL_REVIEW", "HOUSEHOLD_EXIT", "ReviewStart", "end_open_cases", "next_annual_review_at",
           "review_summary", "scheduled_annual_review", "start_annual_reviews", "start_household_exit"]
