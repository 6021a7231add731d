"""What gets recorded, and by whom: every command the unit of work commits, sign-ins, and views of unmasked
personal data.

A command's entry is appended in the command's own transaction, just before `unit_of_work.run` commits it,
so a command rolled back leaves nothing behind. Its subject is found from the rows the command flushed
(session events): a case, a household, a payment batch... Who did it is the request's user (API token or
page session), a user the command names itself (`note`), or `system` (the CLI and the scheduler).
Sign-ins, failed sign-ins and views of unmasked personal data commit no command: they are appended in a
transaction of their own.
"""
from collections import Counter

from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from .. import db
from . import chain

_TOUCHED = "bangfu.audit.touched"
_HINT = "bangfu.audit.hint"
_WATCHING = "bangfu.audit.watching"
_VIEWED = "bangfu_audit_viewed"  # on flask.g: personal fields shown whole in this request, and their subjects
SYSTEM = "system"
_MAX_IDS = 20

# table -> kind of subject its rows are; columns that point at a subject
OWN_KIND = {"cases": "case", "households": "household", "payment_batches": "batch", "users": "user",
            "fund_standards": "standard", "adjustment_lists": "adjustment_list", "awards": "award",
            "process_models": "process_model", "organisations": "organisation"}
REFERENCES = (("case_id", "case"), ("household_id", "household"), ("batch_id", "batch"),
              ("list_id", "adjustment_list"), ("standard_id", "standard"), ("award_id", "award"),
              ("process_model_id", "process_model"), ("user_id", "user"))
PRIORITY = ("case", "household", "batch", "adjustment_list", "standard", "award", "user", "organisation",
            "process_model")


class Touched:
    """What a command flushed: rows by table, subjects by kind (ids in first-seen order), task steps."""

    def __init__(self):
        self.rows = set()  # (table, identity) of each row written, however many flushes wrote it
        self.tables = Counter()  # bulk statements, by table
        self.subjects = {}
        self.steps = {}  # a task's step -> its title

    def add_subject(self, kind, subject_id):
        if subject_id is not None:
            self.subjects.setdefault(kind, {})[subject_id] = None

    def add_row(self, obj):
        state = inspect(obj)  # its loaded values only: reading an expired or deleted row must not load it
        values = state.dict
        table = state.mapper.local_table.name
        self.rows.add((table, state.identity or id(obj)))
        if table in OWN_KIND:
            self.add_subject(OWN_KIND[table], state.identity[0] if state.identity else values.get("id"))
        for column, kind in REFERENCES:
            self.add_subject(kind, values.get(column))
        if table == "human_tasks" and values.get("spec_name"):
            self.steps[values["spec_name"]] = values.get("title") or values["spec_name"]

    def primary(self):
        for kind in PRIORITY:
            if self.subjects.get(kind):
                return kind, next(iter(self.subjects[kind]))
        for kind, ids in self.subjects.items():
            return kind, next(iter(ids))
        return None, None

    def household_id(self, kind, subject_id):
        if kind == "household":
            return subject_id
        households = list(self.subjects.get("household", ()))
        return households[0] if len(households) == 1 else None

    def detail(self):
        detail = {"rows": dict(sorted((self.tables + Counter(table for table, _ in self.rows)).items()))}
        subjects = {kind: list(ids)[:_MAX_IDS] for kind, ids in self.subjects.items() if ids}
        if subjects:
            detail["subjects"] = subjects
        if self.steps:
            detail["steps"] = sorted(self.steps)
            detail["step_titles"] = [self.steps[step] for step in sorted(self.steps)]
        return detail


def begin(session):
    """A command's attempt starts: watch what it flushes."""
    session.info[_TOUCHED] = Touched()
    session.info[_WATCHING] = True
    session.info.pop(_HINT, None)


def end(session):
    session.info.pop(_WATCHING, None)
    session.info.pop(_TOUCHED, None)
    session.info.pop(_HINT, None)


def note(session, action=None, actor=None, subject=None, actor_name=None, **detail):
    """Let a command say what the log should call it, who does it (a user it resolved itself, say a CLI's
    --as; or only a name, as a failed sign-in's), its subject as (kind, id), and a little detail (never
    personal data)."""
    hint = session.info.setdefault(_HINT, {})
    if action:
        hint["action"] = action
    if actor is not None:
        hint["actor"] = (actor.id, actor.username)
    elif actor_name is not None:
        hint["actor"] = (None, actor_name)
    if subject is not None:
        hint["subject"] = subject
    hint.setdefault("detail", {}).update(detail)


def entry(session, action, subject=(None, None), **detail):
    """Append an entry of its own to the command's transaction, besides the command's: for a command that
    does one thing to each of several subjects (a job ending several delegations), by the system."""
    return chain.append(session.connection(), action, None, SYSTEM, None, subject[0], subject[1], None, detail)


def written(session, table, identity, step=None, **subjects):
    """A row the command wrote with a statement of its own, not through the flush: logged as if flushed.
    `step`: (spec name, title) of a task row; `subjects`: kind=id of the subjects the row points at."""
    touched = session.info.get(_TOUCHED)
    if touched is None or not session.info.get(_WATCHING):
        return
    touched.rows.add((table, identity))
    if step is not None:
        touched.steps[step[0]] = step[1] or step[0]
    for kind, subject_id in subjects.items():
        touched.add_subject(kind, subject_id)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    touched = session.info.get(_TOUCHED)
    if touched is None or not session.info.get(_WATCHING):
        return
    for obj in session.new:
        touched.add_row(obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=False):
            touched.add_row(obj)
    for obj in session.deleted:
        touched.add_row(obj)


@event.listens_for(Session, "do_orm_execute")
def _bulk_statement(state):
    touched = state.session.info.get(_TOUCHED)
    if touched is None or not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    touched.tables[getattr(table, "name", "?")] += 1


def command_action(command):
    """A command's name for the log: module and function, e.g. casework.commands.complete_task (a lambda or a
    local function is named by the function it is written in)."""
    func = getattr(command, "func", command)  # functools.partial
    module = (getattr(func, "__module__", None) or "").removeprefix("bangfu.")
    qualname = getattr(func, "__qualname__", type(func).__qualname__).split(".<locals>")[0]
    return f"{module}.{qualname}" if module else qualname


def record_command(session, command, args):
    """Append the command's entry to its transaction, if it changed anything."""
    session.flush()
    touched = session.info.get(_TOUCHED) or Touched()
    hint = session.info.get(_HINT) or {}
    if not touched.rows and not touched.tables and not hint:
        return None
    kind, subject_id = hint.get("subject") or touched.primary()
    actor_id, actor_name = hint.get("actor") or _actor(args)
    detail = {**touched.detail(), **hint.get("detail", {})}
    session.info[_WATCHING] = False  # the entry itself is not a row the command touched
    try:
        return chain.append(session.connection(), hint.get("action") or command_action(command), actor_id,
                            actor_name, _address(), kind, subject_id, _household_of(session, touched, kind,
                                                                                    subject_id), detail)
    finally:
        session.info[_WATCHING] = True


def _household_of(session, touched, kind, subject_id):
    if kind == "case":
        from ..cases.models import Case
        case = session.get(Case, subject_id)
        return case.household_id if case is not None else None
    return touched.household_id(kind, subject_id)


def _actor(args=()):
    from ..people.models import User
    user = None
    if has_request_context():
        user = g.get("user") or g.get("page_user")
    if user is None:
        user = next((arg for arg in args if isinstance(arg, User)), None)
    return (user.id, user.username) if user is not None else (None, SYSTEM)


def _address():
    return request.remote_addr if has_request_context() else None


def record_alone(action, actor=None, actor_name=None, subject=(None, None), household_id=None, **detail):
    """Append an entry in a transaction of its own (a sign-in, a failed sign-in, a view), committed at once.

    The request's own session is ended first: on SQLite it may hold the write lock this needs. Who acted is read
    before, as the rollback expires the user's row (reading it again would take the lock back)."""
    if actor is not None:
        actor_id, actor_name = actor.id, actor.username
    elif actor_name is None:
        actor_id, actor_name = _actor()
    else:
        actor_id = None
    if has_app_context() and "db_session" in g:
        g.db_session.rollback()
    with db.engine_of(current_app).begin() as connection:
        return chain.append(connection, action, actor_id, actor_name, _address(), subject[0], subject[1],
                            household_id, detail)


# ---------------------------------------------------------------- views of unmasked personal data

def note_unmasked(field):
    """privacy shows `field` whole to the caller: the request will be recorded as a view of personal data."""
    if has_request_context():
        g.setdefault(_VIEWED, {"fields": set(), "subjects": []})["fields"].add(field)


def viewing(kind, subject_id, household_id=None):
    """A page or an answer shows this case or household: the subject of a view entry, if it unmasks anything."""
    if has_request_context():
        g.setdefault(_VIEWED, {"fields": set(), "subjects": []})["subjects"].append((kind, subject_id, household_id))


def _record_view(response):
    viewed = g.pop(_VIEWED, None)
    if not viewed or not viewed["fields"] or response.status_code >= 400:
        return response
    subjects = viewed["subjects"]
    kind, subject_id, household_id = subjects[0] if subjects else (None, None, None)
    record_alone(VIEW_ACTION, subject=(kind, subject_id), household_id=household_id,
                 fields=sorted(viewed["fields"]), page=request.endpoint)
    return response


VIEW_ACTION = "privacy.viewed_unmasked"
SIGN_IN = "people.sign_in"
SIGN_IN_FAILED = "people.sign_in_failed"
SIGN_IN_LOCKED = "people.sign_in_locked"  # the failure that locked the name or address
SIGN_IN_THROTTLED = "people.sign_in_throttled"  # refused unchecked while locked


def init_app(app):
    app.after_request(_record_view)
