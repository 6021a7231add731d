"""The tick: fire every job and case timer that is due, each in its own transaction.

Each firing is one `unit_of_work.run`: it claims the earliest due row still ahead of the tick's cursor
with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL: another process's firing holds its row's lock until it
commits, and the others skip that row; SQLite: every write transaction holds the database's one write
lock), fires it through the same command path as a task completion (casework.commands.fire_timers, or the
job's command), rewrites or removes the row, and commits. The claim is the row lock inside the firing
transaction: a process that dies mid-way rolls back, its lock goes with its connection, and the row is
still due for the next tick of any process. Exactly once rests on that lock plus the row being rewritten
in the same transaction (and, for jobs, a unique (job, due time) firing row; for cases, the case's version
check).

A firing that raises is rolled back; the row is then pushed back (30 s, doubling per failure) and after
MAX_ATTEMPTS failures a case is set aside as an incident and a job stops (no next due time) with the error
kept on its row — it is never retried every tick. A case whose engine run fails inside the firing becomes an
incident within the firing itself (fire_timers), which removes its row.
"""
import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..cases.models import Case, CaseStatus
from ..cases.operations import set_incident
from ..casework.commands import fire_timers, start_scheduled_case
from ..process_models.operations import latest_version
from ..services import services
from ..tasks.models import HumanTask, TaskState
from ..unit_of_work import StaleState, run_in
from . import jobs, starts
from .models import ScheduledFiring, ScheduledJob, Timer

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
FIRST_BACKOFF = timedelta(seconds=30)

# Called inside a firing's transaction after its work, before the commit: a test hook (kill a process there).
before_commit = None


@dataclass
class TickResult:
    timers_fired: int = 0  # case timer rows fired (a row found early is only rewritten with its real due time)
    jobs_fired: int = 0
    failures: list = field(default_factory=list)  # (row, error type)


def tick(app, stop=None):
    """Fire what is due now; stops between firings once `stop` (a threading.Event) is set."""
    stop = stop or threading.Event()
    result = TickResult()
    with app.app_context():
        svc = services()
        now = clock.now()
        _ensure_jobs(app, now)
        _fire_all(app, result, stop, now, _claim_job, _fire_job, _job_failed, svc, "jobs_fired")
        _fire_all(app, result, stop, now, _claim_timer, _fire_timer, _timer_failed, svc, "timers_fired")
    return result


def _fire_all(app, result, stop, now, claim, fire, failed, svc, counter):
    cursor = None  # (due, key) of the last row tried: a row still due after its firing waits for the next tick
    while not stop.is_set():
        claimed = {}
        try:
            outcome = run_in(app, _firing, claim, fire, svc, now, cursor, claimed)
        except CaseBusy:  # a command holds the case: this row waits for the next tick, no failure
            cursor = claimed["key"]
            continue
        except Exception as exc:  # the firing was rolled back whole (after the unit of work's retries of a race)
            key = claimed.get("key")
            if key is None:
                raise
            error = exc.__cause__ if isinstance(exc, _FiringFailed) else exc
            log.warning("scheduled firing of %s failed: %s", key[1], type(error).__name__)
            result.failures.append((key[1], type(error).__name__))
            run_in(app, failed, key, error)
            cursor = key
            continue
        if outcome is None:
            return
        cursor = outcome
        setattr(result, counter, getattr(result, counter) + 1)


class _FiringFailed(Exception):
    """The firing's own work failed (not a lost race, which the unit of work runs again)."""


class CaseBusy(Exception):
    """Another transaction holds the case row (a command on the case, about to write its timer row)."""


def _firing(session, claim, fire, svc, now, cursor, claimed):
    row = claim(session, now, cursor)
    if row is None:
        return None
    key = claimed["key"] = _key(row)
    try:
        fire(session, svc, row)
        if before_commit is not None:
            before_commit()
    except (StaleState, StaleDataError, CaseBusy):
        raise
    except Exception as exc:
        raise _FiringFailed() from exc
    return key


def _key(row):
    return (row.due_at, row.case_id) if isinstance(row, Timer) else (row.next_due_at, row.name)


def _after(due_column, key_column, cursor):
    if cursor is None:
        return True
    return or_(due_column > cursor[0], and_(due_column == cursor[0], key_column > cursor[1]))


# Case timers


def _claim_timer(session, now, cursor):
    return session.scalar(
        select(Timer).where(Timer.due_at <= now, _after(Timer.due_at, Timer.case_id, cursor))
        .order_by(Timer.due_at, Timer.case_id).limit(1).with_for_update(skip_locked=True))


def _fire_timer(session, svc, row):
    _lock_case(session, row.case_id)
    fire_timers(session, svc, row.case_id)


def _lock_case(session, case_id):
    """Take the case row and its open task rows, or raise CaseBusy when another transaction holds one.

    Lock order: a firing holds the timer row first; a completion holds its task row, then the case row (its
    versioned UPDATE) and the timer row, in either order (a case left waiting on no timer drops its row
    before the case is flushed). A firing that waited for either row could deadlock with it, so
    it takes them without waiting (SKIP LOCKED) and leaves a busy case to the next tick; whichever commits
    first, the other's version check on the case settles the rest. SQLite has one writer: nothing to take."""
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.scalar(select(Case.id).where(Case.id == case_id).with_for_update(skip_locked=True)) is None:
        raise CaseBusy()
    open_tasks = (HumanTask.case_id == case_id) & (HumanTask.state == TaskState.OPEN)
    held = session.scalars(select(HumanTask.id).where(open_tasks).with_for_update(skip_locked=True)).all()
    if len(held) != session.scalar(select(func.count()).select_from(HumanTask).where(open_tasks)):
        raise CaseBusy()


def _timer_failed(session, key, error):
    due_at, case_id = key
    row = session.scalar(select(Timer).where(Timer.case_id == case_id).with_for_update())
    if row is None or row.due_at != due_at:
        return  # the row changed meanwhile (another command on the case): its new due time stands
    row.attempts += 1
    row.last_error = type(error).__name__
    now = clock.now()
    if row.attempts >= MAX_ATTEMPTS:
        case = session.get(Case, case_id)
        if case is not None and case.status == CaseStatus.ACTIVE:
            set_incident(session, case, None, f"定时器触发连续 {row.attempts} 次失败（{type(error).__name__}），已暂停", now)
        session.delete(row)
    else:
        row.due_at = now + FIRST_BACKOFF * 2 ** (row.attempts - 1)
    session.flush()


# Recurring jobs and timer start events


def _ensure_jobs(app, now):
    """A row for every registered job that has none yet, first due by the job's own rule."""
    registered = jobs.registered()
    if not registered:
        return

    def missing(session):
        have = set(session.scalars(select(ScheduledJob.name).where(ScheduledJob.name.in_(registered))))
        for name, job in registered.items():
            if name not in have:
                session.add(ScheduledJob(name=name, next_due_at=job.first_due(now), attempts=0, updated_at=now))
        session.flush()
    try:
        run_in(app, missing)
    except IntegrityError:  # another process created them at the same moment: theirs stand
        pass


def _claim_job(session, now, cursor):
    return session.scalar(
        select(ScheduledJob).where(ScheduledJob.next_due_at <= now,
                                   _after(ScheduledJob.next_due_at, ScheduledJob.name, cursor))
        .order_by(ScheduledJob.next_due_at, ScheduledJob.name).limit(1).with_for_update(skip_locked=True))


def _fire_job(session, svc, row):
    due_at = row.due_for or row.next_due_at  # a retried firing keeps the due time it is for
    key = starts.process_key(row.name)
    job = None if key is not None else jobs.registered().get(row.name)
    if key is None and job is None:
        return  # a job this code no longer registers: left as it is
    already = session.scalar(select(ScheduledFiring.id).where(ScheduledFiring.job_name == row.name,
                                                                ScheduledFiring.due_at == due_at))
    if already is None:
        if key is not None:
            case = start_scheduled_case(session, svc, key, f"周期 {row.cycle}")
        else:
            case = job.run(session, svc, due_at)
        session.add(ScheduledFiring(job_name=row.name, due_at=due_at, fired_at=clock.now(),
                                    case_id=getattr(case, "id", None)))
    if key is not None:
        start_timer = svc.store.start_timer(latest_version(session, key))
        row.next_due_at = starts.next_after(row, start_timer, due_at) if start_timer else None
    else:
        row.next_due_at = job.next_due(due_at)
    row.last_fired_at, row.due_for, row.attempts, row.last_error, row.updated_at = due_at, None, 0, None, clock.now()
    session.flush()  # the unique (job, due time) firing row is checked here, inside the firing


def _job_failed(session, key, error):
    next_due_at, name = key
    row = session.scalar(select(ScheduledJob).where(ScheduledJob.name == name).with_for_update())
    if row is None or row.next_due_at != next_due_at:
        return
    row.due_for = row.due_for or row.next_due_at
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {getattr(error, 'message', '')}"[:500]
    now = clock.now()
    # After MAX_ATTEMPTS the job stops (no next due time); its row keeps the error for an administrator.
    row.next_due_at = None if row.attempts >= MAX_ATTEMPTS else now + FIRST_BACKOFF * 2 ** (row.attempts - 1)
    row.updated_at = now
    session.flush()
