"""The half-yearly adjustment's job: at the start of each half-year (1 January and 1 July, 00:00 China time)
the scheduler makes the adjustment list of the standard whose period begins that day, if one was approved
in time and has no list yet (adjustments.scheduled). A standard approved after its first day gets its list
from the centre's 生成调整清单 instead."""
from datetime import datetime

from ..config import LOCAL_TIMEZONE
from ..scheduler import jobs
from .adjustments import scheduled
from .standards import in_force


def next_half_year_start(after):
    """The first 1 January or 1 July, 00:00 in China, strictly after the instant `after`."""
    local = after.astimezone(LOCAL_TIMEZONE)
    for year, month in ((local.year, 1), (local.year, 7), (local.year + 1, 1)):
        start = datetime(year, month, 1, tzinfo=LOCAL_TIMEZONE)
        if start > after:
            return start
    raise AssertionError("unreachable: 1 January of the next year is always later")


def _run(session, svc, due_at):
    day = due_at.astimezone(LOCAL_TIMEZONE).date()
    standard = in_force(session, day)
    if standard is not None and standard.effective_from == day:
        scheduled(session, standard)


JOB = jobs.register(jobs.Job("half_year_adjustment", first_due=next_half_year_start, next_due=next_half_year_start,
                             run=_run))
