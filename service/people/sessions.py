"""How long a page session lasts: it ends after `idle` without a request and `absolute` after sign-in, whatever
its use (a cookie left on a shared computer, or copied, stops working). Each session's last use is written at
most once a minute (`TOUCH_EVERY`), in a small transaction of its own and outside the audit log (a session
being used is not a change anyone made), so busy pages neither queue behind nor fill it. Sessions past either
limit are deleted whenever someone signs in."""
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, has_app_context
from sqlalchemy import delete, select, update

from .. import clock, db
from .models import PageSession
from .operations import digest

TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=120)
    absolute: timedelta = timedelta(hours=12)

    @classmethod
    def from_config(cls, config):
        return cls(timedelta(minutes=config["SESSION_IDLE_MINUTES"]), timedelta(hours=config["SESSION_HOURS"]))

    def ended(self, now):
        """SQL condition: page sessions past either limit at `now` (has_ended: the same for one row)."""
        return (PageSession.last_seen_at <= now - self.idle) | (PageSession.created_at <= now - self.absolute)

    def has_ended(self, row, now):
        return row.last_seen_at <= now - self.idle or row.created_at <= now - self.absolute


@dataclass(frozen=True)
class Lookup:
    user: object = None  # the signed-in user, or None
    expired: bool = False  # the cookie named a session that ended by time (the page says so)


def look_up(session, raw, limits):
    """The active user of the open page session `raw` names; its last use noted when a minute has passed."""
    row = session.scalar(select(PageSession).where(PageSession.token_hash == digest(raw)))
    if row is None:
        return Lookup()
    now = clock.now()
    if limits.has_ended(row, now):
        return Lookup(expired=True)
    if not row.user.active:
        return Lookup()
    user = row.user
    if now - row.last_seen_at >= TOUCH_EVERY:
        _touch(row.id, now)
    return Lookup(user)


def _touch(session_id, now):
    """Note the session's use in a transaction of its own. The request's session is ended first: on SQLite it
    may hold the write lock this needs (its rows are read again when next used)."""
    if has_app_context() and "db_session" in g:
        g.db_session.rollback()
    with db.engine_of(current_app).begin() as connection:
        connection.execute(update(PageSession).where(
            PageSession.id == session_id, PageSession.last_seen_at <= now - TOUCH_EVERY).values(last_seen_at=now))


def purge_ended(session, limits):
    """Delete the page sessions past either limit (in the sign-in's transaction)."""
    session.execute(delete(PageSession).where(limits.ended(clock.now())))
