"""The register's recurring job: each year, on BANGFU_ANNUAL_REVIEW_DATE (China time), the scheduler starts
that year's annual review for every filed household (review.scheduled_annual_review; a year already started
starts nothing new). The job's next due time is kept in its `scheduled_jobs` row: a changed date takes effect
from the firing after the one already scheduled."""
import logging

from ..process_models.operations import latest_version
from ..scheduler import jobs
from ..services import services
from .review import ANNUAL_REVIEW, next_annual_review_at, scheduled_annual_review

log = logging.getLogger(__name__)


def _next_due(after):
    return next_annual_review_at(after, services().annual_review_date)


def _run(session, svc, due_at):
    """A deployment without the annual review model has nothing to start: the year is passed over with a
    warning (the centre can still start it from the page once the model is deployed), and the job stays
    scheduled for next year instead of failing until it stops."""
    if latest_version(session, ANNUAL_REVIEW, required=False) is None:
        log.warning("annual review not started: the %s model is not deployed", ANNUAL_REVIEW)
        return
    scheduled_annual_review(session, svc, due_at)


JOB = jobs.register(jobs.Job("annual_review", first_due=_next_due, next_due=_next_due, run=_run))
