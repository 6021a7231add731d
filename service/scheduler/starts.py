"""Timer start events with cycles: a deployed model whose start event is a cycle timer (`R/P1Y`,
`R3/2027-01-01T09:00:00+08:00/P1D`) gets a recurring job `start:<process key>`; each firing starts one
case of the model's latest version (see casework.commands.start_scheduled_case).

Deploying a new version with the same cycle keeps the schedule; a changed cycle is scheduled afresh from
the deployment (due times already past are skipped, never started back-dated); a version without one
removes the job.
"""
from ..db import utcnow
from ..engine import Cycle
from .jobs import START_PREFIX
from .models import ScheduledJob


def job_name(process_key):
    return f"{START_PREFIX}{process_key}"


def process_key(name):
    return name[len(START_PREFIX):] if name.startswith(START_PREFIX) else None


def schedule_start(session, process_key_, cycle):
    """Keep the start job of a process in step with its newest version's cycle (a Cycle, or None)."""
    row = session.get(ScheduledJob, job_name(process_key_))
    if cycle is None:
        if row is not None:
            session.delete(row)
        return None
    if row is not None and row.cycle == cycle.text:
        return row
    now = utcnow()
    first = cycle.first(now)
    due, left = first if first else (None, 0)
    if row is None:
        row = ScheduledJob(name=job_name(process_key_), attempts=0)
        session.add(row)
    row.cycle, row.next_due_at, row.cycles_left, row.due_for = cycle.text, due, left, None
    row.attempts, row.last_error = 0, None
    row.updated_at = now
    session.flush()
    return row


def next_after(row, due_at):
    """(next due time, cycles left) of a start job after the firing due at `due_at`."""
    left = None if row.cycles_left is None else row.cycles_left - 1
    if left is not None and left <= 0:
        return None, 0
    return Cycle.parse(row.cycle).after(due_at), left
