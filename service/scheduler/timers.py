"""A case's timer row, kept in step with its workflow after every command that saves the case."""
from ..cases.models import CaseStatus
from .models import Timer


def sync_case_timer(session, case, instance):
    """Write the earliest due time of the timers the case's workflow waits on into its row; remove the row
    when it waits on none, or the case is no longer running (ended, an incident)."""
    if not instance.may_wait_on_timers():
        return None  # a model without timer events: no case of it ever has a row (no query needed)
    pending = instance.pending_timers() if case.status == CaseStatus.ACTIVE else []
    row = session.get(Timer, case.id)
    if not pending:
        if row is not None:
            session.delete(row)
        return None
    first = pending[0]
    if row is None:
        row = Timer(case_id=case.id, due_at=first.due_at, name=first.title[:200], attempts=0)
        session.add(row)
    elif row.due_at != first.due_at or row.name != first.title[:200]:
        row.due_at, row.name, row.attempts, row.last_error = first.due_at, first.title[:200], 0, None
    return row


def drop_case_timer(session, case):
    """The case waits on nothing any more (set aside, withdrawn): its row goes."""
    row = session.get(Timer, case.id)
    if row is not None:
        session.delete(row)
