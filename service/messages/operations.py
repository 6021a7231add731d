"""The user's messages (消息): read from the human-task rows, never written per user.

A message is (task, kind) for an open task in the user's inbox (their role and organisation's pool, or
claimed by them):
  - ARRIVED at the moment the task opened: a new task, a case returned to them (退回补正: a step came round
    again because the last step decided "return", as the inbox marks it), or a step come round again otherwise
    (再次办理: a second visit and its oversight after an upheld objection); not a draft's declaration (草稿),
    which nobody sent them;
  - OVERDUE at the task's due date, once it has passed: the clock alone makes it appear.
A task done, cancelled or claimed by someone else leaves the list: nothing is left to do about it.

Both kinds are read from the inbox's own indexes (state, role, organisation, then created_at or due_at, the
assignee inside the index) and tested for a read mark by primary key; counts stop at COUNT_LIMIT.
"""
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, literal_column, or_, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from ..access import task_filter
from ..casework.queries import returned_tasks, rounds as step_rounds
from ..cases.models import Case, draft
from ..errors import ValidationFailed
from ..people.roles import LANE_ROLES
from ..tasks.models import HumanTask, TaskState
from .models import MessageRead, MessagesReadBefore

ARRIVED, OVERDUE = "arrived", "overdue"
KIND_LABELS = {ARRIVED: "新任务", "returned": "退回补正", "again": "再次办理", OVERDUE: "逾期"}
COUNT_LIMIT = 1000
UNREAD_LIMIT = 99  # the navigation bar reads "99+" beyond this
MESSAGE_ID = re.compile(rf"^({ARRIVED}|{OVERDUE})-([1-9]\d{{0,17}})$")


@dataclass
class Message:
    id: str
    kind: str  # arrived, returned, again or overdue
    task: HumanTask
    at: datetime  # when it arrived, or when the task became overdue
    read: bool
    round: int = 1

    @property
    def kind_label(self):
        return KIND_LABELS[self.kind]

    @property
    def text(self):
        household = self.task.case.household_name or self.task.case.reference
        if self.kind == OVERDUE:
            return f"“{household}”的{self.task.title}已超过办理期限，请尽快办理"
        if self.kind == "returned":
            return f"“{household}”的{self.task.title}被退回，需重新办理（第 {self.round} 轮）"
        if self.kind == "again":
            return f"“{household}”的{self.task.title}再次到达，请办理（第 {self.round} 轮）"
        return f"“{household}”的{self.task.title}已到达，请办理"


def message_id(kind, task_id):
    return f"{kind}-{task_id}"


def _read_before(session, user):
    return session.scalar(select(MessagesReadBefore.read_before).where(MessagesReadBefore.user_id == user.id))


def _sources(user, now, read_before, unread_only):
    """(arrived, overdue) selects of (task_id, kind, at) for the user's messages."""
    mine = (HumanTask.state == TaskState.OPEN, task_filter(user),
            or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == user.id))

    def of(kind, moment, *extra):
        query = select(HumanTask.id.label("task_id"), literal_column(f"'{kind}'").label("kind"),
                       moment.label("at")).where(*mine, *extra)
        if unread_only:
            if read_before is not None:
                query = query.where(moment > read_before)
            query = query.where(~exists().where(MessageRead.user_id == user.id, MessageRead.task_id == HumanTask.id,
                                                MessageRead.kind == kind))
        return query
    # A draft's declaration did not arrive: its user just opened it (新建申报). It speaks up only once overdue.
    not_a_draft = ~exists().where(Case.id == HumanTask.case_id, draft())
    return of(ARRIVED, HumanTask.created_at, not_a_draft), of(OVERDUE, HumanTask.due_at, HumanTask.due_at < now)


def _count(session, query, limit):
    return session.scalar(select(func.count()).select_from(query.limit(limit + 1).subquery()))


def unread_count(session, user, now):
    """How many of the user's messages are unread, up to UNREAD_LIMIT + 1 (more reads "99+")."""
    if user.roles.isdisjoint(LANE_ROLES):
        return 0
    arrived, overdue = _sources(user, now, _read_before(session, user), unread_only=True)
    found = _count(session, arrived, UNREAD_LIMIT)
    if found <= UNREAD_LIMIT:
        found += _count(session, overdue, UNREAD_LIMIT - found)
    return min(found, UNREAD_LIMIT + 1)


def message_page(session, user, now, unread=False, page=1, page_size=50):
    """The user's messages, newest first: (messages, total up to COUNT_LIMIT, whether total is exact)."""
    if user.roles.isdisjoint(LANE_ROLES):
        return [], 0, True
    read_before = _read_before(session, user)
    both = union_all(*_sources(user, now, read_before, unread)).subquery()
    total = session.scalar(select(func.count()).select_from(select(both.c.task_id).limit(COUNT_LIMIT + 1).subquery()))
    rows = session.execute(select(both.c.task_id, both.c.kind, both.c.at)
                           .order_by(both.c.at.desc(), both.c.task_id.desc(), both.c.kind)
                           .offset((page - 1) * page_size).limit(page_size)).all()
    ids = {row.task_id for row in rows}
    tasks = {task.id: task for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(ids)).options(
        joinedload(HumanTask.case).load_only(Case.reference, Case.household_name, Case.file_number)))} if ids else {}
    marks = {tuple(mark) for mark in session.execute(select(MessageRead.task_id, MessageRead.kind).where(
        MessageRead.user_id == user.id, MessageRead.task_id.in_(ids)))} if ids else set()
    rounds = step_rounds(session, tasks.values())
    returned = returned_tasks(session, tasks.values(), rounds)
    messages = []
    for row in rows:
        task = tasks[row.task_id]
        at = row.at
        read = (row.task_id, row.kind) in marks or (read_before is not None and at <= read_before)
        kind = row.kind
        if kind == ARRIVED and rounds.get(task.id, 1) > 1:
            kind = "returned" if task.id in returned else "again"
        messages.append(Message(message_id(row.kind, task.id), kind, task, at, read, rounds.get(task.id, 1)))
    return messages, min(total, COUNT_LIMIT), total <= COUNT_LIMIT


def parse_ids(ids):
    """[(kind, task id)] of message ids such as "arrived-12"; ValidationFailed naming `ids` for others."""
    parsed, bad = [], []
    for value in ids:
        match = MESSAGE_ID.match(value) if isinstance(value, str) else None
        if match:
            parsed.append((match.group(1), int(match.group(2))))
        else:
            bad.append(value)
    if bad:
        raise ValidationFailed("消息编号有误", {"ids": [f"无效的消息编号：{', '.join(map(str, bad[:5]))}"]})
    return parsed


def mark_read(session, user, now, ids=None, everything=False):
    """Mark the user's messages read: the ones named (those that are not theirs, or no longer there, are
    left alone), or all of them. Returns how many messages were marked now."""
    if user.roles.isdisjoint(LANE_ROLES):
        return 0
    if everything:
        return _mark_all(session, user, now)
    wanted = parse_ids(ids or [])
    if not wanted:
        return 0
    read_before = _read_before(session, user)
    arrived, overdue = _sources(user, now, read_before, unread_only=True)
    by_kind = {ARRIVED: arrived, OVERDUE: overdue}
    found = []
    for kind in (ARRIVED, OVERDUE):
        task_ids = [task_id for k, task_id in wanted if k == kind]
        if task_ids:
            found += [(kind, task_id) for task_id in session.scalars(
                by_kind[kind].with_only_columns(HumanTask.id).where(HumanTask.id.in_(task_ids)))]
    if found:
        rows = [{"user_id": user.id, "task_id": task_id, "kind": kind, "read_at": now} for kind, task_id in found]
        session.execute(_insert_ignoring_duplicates(session, rows))
    return len(found)


def _insert_ignoring_duplicates(session, rows):
    """INSERT ... ON CONFLICT DO NOTHING: two tabs opening the same message at once both succeed."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(MessageRead).values(rows).on_conflict_do_nothing()


def _mark_all(session, user, now):
    marked = unread_count(session, user, now)
    state = session.get(MessagesReadBefore, user.id)
    if state is None:
        session.add(MessagesReadBefore(user_id=user.id, read_before=now))
    else:
        state.read_before = now
    # Every mark is of a message that had arrived or fallen due by now: the instant covers them all.
    session.execute(delete(MessageRead).where(MessageRead.user_id == user.id))
    session.flush()
    return marked


def messages(session, user, now, args):
    """A page of messages (MessageQuerySchema's arguments) with the unread count, as the API and the page show it."""
    items, total, exact = message_page(session, user, now, args.get("unread", False), args["page"],
                                       args["page_size"])
    return {"items": items, "total": total, "total_exact": exact, "page": args["page"],
            "page_size": args["page_size"], "unread": unread_count(session, user, now)}


def mark(session, user, now, ids, everything):
    """Command: mark messages read; how many were marked and how many are left unread."""
    marked = mark_read(session, user, now, ids=ids, everything=everything)
    session.flush()
    return {"marked": marked, "unread": unread_count(session, user, now)}
