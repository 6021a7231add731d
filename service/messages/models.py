"""What a user has read of their messages.

Messages are not stored: they are derived from the human-task rows (a task that arrived in the user's pool or
was claimed by them, and the same task once past its due date), so a pool of many users costs no row per user
and an overdue message needs no scheduler. Only reading is stored: a mark per message read one by one, and a
per-user instant before which everything counts as read ("全部标为已读"), which replaces the marks it covers.
"""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, utcnow


class MessageRead(Base):
    """One message the user opened or marked read: a task's arrival or its being overdue."""

    __tablename__ = "message_reads"

    # The primary key serves the unread test: one lookup per (user, task, kind).
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("human_tasks.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessagesReadBefore(Base):
    """Every message of the user whose moment is at or before `read_before` is read."""

    __tablename__ = "messages_read_before"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    read_before: Mapped[datetime] = mapped_column(UTCDateTime)
