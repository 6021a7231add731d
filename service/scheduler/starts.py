"""Timer start events: a deployed model whose start event has a timer (a cycle `R/P1Y`,
`R3/2027-01-01T09:00:00+08:00/P1D`, a date, a duration) gets a recurring job `start:<process key>`; each
firing starts one case of the model's latest version (see casework.commands.start_scheduled_case).

When starts fall is the engine's StartTimer; the job row keeps the timer's text and the instant its
schedule was set (`anchor_at`: a cycle without a start instant, or a duration, counts from there).
Deploying a new version with the same timer keeps the schedule; a changed timer is scheduled afresh from
the deployment (starts already past are skipped, never started back-dated); a version without one
removes the job.
"""
from ..db import utcnow
from .jobs import START_PREFIX
from .models import ScheduledJob


def job_name(process_key):
    return f"{START_PREFIX}{process_key}"


def process_key(name):
    return name[len(START_PREFIX):] if name.startswith(START_PREFIX) else None


def schedule_start(session, process_key_, start_timer):
    """Keep the start job of a process in step with its newest version's StartTimer (or None)."""
    row = session.get(ScheduledJob, job_name(process_key_))
    if start_timer is None:
        if row is not None:
            session.delete(row)
        return None
    if row is not None and row.cycle == start_timer.value:
        return row
    now = utcnow()
    if row is None:
        row = ScheduledJob(name=job_name(process_key_), attempts=0)
        session.add(row)
    row.cycle, row.anchor_at, row.due_for = start_timer.value, now, None
    row.next_due_at = start_timer.next_due(now, now)
    row.attempts, row.last_error = 0, None
    row.updated_at = now
    session.flush()
    return row


def next_after(row, start_timer, due_at):
    """The start after the one due at `due_at`, or None when the timer starts no more cases."""
    return start_timer.next_due(due_at, row.anchor_at)
