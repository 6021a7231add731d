"""The one place that commits.

Every command, whether it comes from the API, a page, the CLI or the scheduler, runs as
`run(command, *args)`: `command(session, *args)` does its work and flushes, never commits; `run`
commits it as one transaction, rolls everything back on any error, and runs it again on fresh state
when it lost an optimistic-lock race on a case (say, the visit and the oversight finishing at once).
A command that no longer makes sense on the second try (the task was completed meanwhile) fails then
with its own Conflict. Any other commit is refused (see `_only_here`), so a half-written change cannot
slip out of a helper. A command that changed anything is recorded in the audit log in the same transaction
(audit/recording.py), so the log holds exactly the commands that committed.
"""
import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from . import db
from .audit import recording
from .errors import Conflict

ATTEMPTS = 3
# PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back for another's
# sake, and runs again on fresh state like one that lost an optimistic-lock race.
RETRIED_SQLSTATES = ("40P01", "40001")
STALE_MESSAGE = "该案件刚被其他人更新，本次操作未生效，请刷新后重试"
_COMMITTING = "bangfu.unit_of_work.committing"
_RUNNING = "bangfu.unit_of_work.running"
log = logging.getLogger(__name__)


class StaleState(Conflict):
    """Another transaction changed the row first (the version column did not match)."""

    def __init__(self, message=STALE_MESSAGE):
        super().__init__(message)


def run(command, *args, **kwargs):
    """Run `command(session, *args, **kwargs)` in the current app context and commit it; return its result."""
    session = db.session()
    if session.info.get(_RUNNING):
        raise RuntimeError("a command runs inside another: it would commit the outer one's half-done work")
    session.info[_RUNNING] = True
    try:
        return _attempts(session, command, args, kwargs)
    finally:
        session.info.pop(_RUNNING, None)
        recording.end(session)


def _attempts(session, command, args, kwargs):
    for attempt in range(1, ATTEMPTS + 1):
        recording.begin(session)
        try:
            result = command(session, *args, **kwargs)
            recording.record_command(session, command, args)
            session.info[_COMMITTING] = True
            try:
                session.commit()
            finally:
                session.info.pop(_COMMITTING, None)
            return result
        except (StaleState, StaleDataError):
            session.rollback()
            log.info("lost an optimistic-lock race, attempt %d of %d", attempt, ATTEMPTS)
            if attempt == ATTEMPTS:
                raise StaleState() from None
        except DBAPIError as exc:
            session.rollback()
            if getattr(exc.orig, "sqlstate", None) not in RETRIED_SQLSTATES or attempt == ATTEMPTS:
                raise
            log.info("PostgreSQL chose this transaction to give way (%s), attempt %d of %d",
                     exc.orig.sqlstate, attempt, ATTEMPTS)
        except BaseException:
            session.rollback()
            raise


def run_in(app, command, *args, **kwargs):
    """`run` outside a request: the CLI, the scheduler, tests and benchmarks."""
    if has_app_context() and current_app._get_current_object() is app:
        return run(command, *args, **kwargs)
    with app.app_context():
        return run(command, *args, **kwargs)


@event.listens_for(Session, "before_commit")
def _only_here(session):
    # Releasing a savepoint (session.begin_nested, e.g. households.register catching a unique-index race)
    # commits nothing: the outer transaction still ends here.
    if session.info.get(db.GUARDED) and not session.info.get(_COMMITTING) and not session.in_nested_transaction():
        raise RuntimeError("commits happen only in unit_of_work.run")
