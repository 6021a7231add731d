"""A case's timer row, kept in step with its workflow after every command that saves the case."""
from sqlalchemy import bindparam, delete
from sqlalchemy.orm.util import identity_key

from ..audit import recording
from ..cases.models import CaseStatus
from .models import Timer

# Built once: most commands on a case of a model with timers find it waiting on none, and drop its row unread.
_DROP = delete(Timer.__table__).where(Timer.__table__.c.case_id == bindparam("case_id"))


def sync_case_timer(session, case, instance):
    """Write the earliest due time of the timers the case's workflow waits on into its row; remove the row
    when it waits on none, or the case is no longer running (ended, an incident)."""
    if not instance.may_wait_on_timers():
        return None  # a model without timer events: no case of it ever has a row (no query needed)
    pending = instance.pending_timers() if case.status == CaseStatus.ACTIVE else []
    if not pending:
        drop_case_timer(session, case)
        return None
    row = session.get(Timer, case.id)
    first = pending[0]
    if row is None:
        row = Timer(case_id=case.id, due_at=first.due_at, name=first.title[:200], attempts=0)
        session.add(row)
    elif row.due_at != first.due_at or row.name != first.title[:200]:
        row.due_at, row.name, row.attempts, row.last_error = first.due_at, first.title[:200], 0, None
    return row


def drop_case_timer(session, case):
    """The case waits on nothing any more (set aside, withdrawn): its row goes. One DELETE, with no read
    before it, unless this session holds the row already (then the ORM deletes it at the flush)."""
    row = session.identity_map.get(identity_key(Timer, case.id))
    if row is None:
        row = next((obj for obj in session.new if isinstance(obj, Timer) and obj.case_id == case.id), None)
    if row in session.new:
        session.expunge(row)
    elif row is not None:
        session.delete(row)
    elif session.connection().execute(_DROP, {"case_id": case.id}).rowcount:
        recording.written(session, Timer.__tablename__, (case.id,), case=case.id)
