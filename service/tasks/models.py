"""The projection of human tasks that inboxes and case lists query without touching a workflow."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cases.models import Case
from ..db import Base, UTCDateTime, utcnow
from ..people.models import User


class TaskState(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # the process moved on without it (a parallel branch ended, the case ended)


class HumanTask(Base):
    __tablename__ = "human_tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "spiff_task_id"),
        # Serves the inbox: equality on state, role and organisation (NULL for the centre's roles), then
        # rows already in inbox order, with the assignee filter checked inside the index.
        Index("ix_human_tasks_inbox", "state", "role", "organisation_id", "created_at", "id", "assignee_id"),
        # Serves "mine": the user's claimed tasks, in inbox order, role and organisation checked in the index.
        Index("ix_human_tasks_assignee", "assignee_id", "state", "created_at", "id", "role", "organisation_id"),
        # The same two in due order (the inbox's default; ascending puts tasks without a due date last on
        # PostgreSQL, and SQLite reads NULLS LAST from the same index).
        Index("ix_human_tasks_inbox_due", "state", "role", "organisation_id", "due_at", "created_at", "id",
              "assignee_id"),
        Index("ix_human_tasks_assignee_due", "assignee_id", "state", "due_at", "created_at", "id", "role",
              "organisation_id"),
        Index("ix_human_tasks_case_state", "case_id", "state"),
        Index("ix_human_tasks_stage", "state", "spec_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    spec_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    form: Mapped[str | None] = mapped_column(String(200))
    ui_form: Mapped[str | None] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A due date in working days that waits for a year's holidays (see deadlines.py): the days and the year.
    due_working_days: Mapped[int | None] = mapped_column()
    due_pending_year: Mapped[int | None] = mapped_column(index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    case: Mapped[Case] = relationship(viewonly=True)
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[User | None] = relationship(foreign_keys=[completed_by_id], viewonly=True)
