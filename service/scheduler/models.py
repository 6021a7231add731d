"""Due work as rows: a case's next timer, recurring jobs, and the record of each job's firings.

`timers` holds one row per case that waits on a timer event, with the earliest due time of its waiting
timers (not one row per timer): the case is the unit that fires (`fire_timers` runs every due timer of
the case in one transaction, under the case's version check), so one row per case is one claim per
firing, and a case with two timers due at once is fired once, not raced by two claims. The row is
rewritten after every command that saves the case and removed when the case waits on no timer, ends,
is withdrawn or set aside as an incident.

`scheduled_jobs` holds recurring jobs: those registered in code (jobs.register) and one per process
model whose start event is a timer (`start:<process key>`, with its value). `scheduled_firings`
records every firing with its due time, unique per job and due time: the database refuses to fire a
job twice for the same due time, whatever the processes do.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due_at", "due_at", "case_id"),)

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    name: Mapped[str] = mapped_column(String(200))  # the earliest timer's event name, for people reading the row
    attempts: Mapped[int] = mapped_column(default=0)  # failed firings since the row was last written
    last_error: Mapped[str | None] = mapped_column(Text)


class ScheduledJob(Base):
    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_next_due_at", "next_due_at", "name"),)

    name: Mapped[str] = mapped_column(String(150), primary_key=True)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: no firing left
    last_fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the due time last fired
    due_for: Mapped[datetime | None] = mapped_column(UTCDateTime)  # while retrying a failed firing: its due time
    cycle: Mapped[str | None] = mapped_column(String(200))  # a timer start event's ISO 8601 value
    anchor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when that timer's schedule was set
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ScheduledFiring(Base):
    __tablename__ = "scheduled_firings"
    __table_args__ = (UniqueConstraint("job_name", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_name: Mapped[str] = mapped_column(String(150))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))  # a case it started
