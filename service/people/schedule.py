"""The delegations' nightly job: at 00:00 China time the scheduler ends, with an audit entry each, the
delegations whose last day was the day before (or earlier, after a pause of the service): see
delegations.end_lapsed."""
from datetime import datetime, time, timedelta

from ..config import LOCAL_TIMEZONE
from ..scheduler import jobs
from .delegations import end_lapsed


def next_midnight(after):
    """00:00 in China of the day after the one the instant `after` falls on there."""
    day = after.astimezone(LOCAL_TIMEZONE).date() + timedelta(days=1)
    return datetime.combine(day, time(0), LOCAL_TIMEZONE)


def _run(session, svc, due_at):
    end_lapsed(session, due_at.astimezone(LOCAL_TIMEZONE).date())


JOB = jobs.register(jobs.Job("delegations_lapsed", first_due=next_midnight, next_due=next_midnight, run=_run))
