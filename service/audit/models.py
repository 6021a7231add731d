"""The audit log (审计日志): one row per recorded event, each chained to the one before it by a SHA-256 hash.

Rows are only ever appended (chain.append); on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE
(migration 0019), and `bangfu audit verify` finds a row changed, removed or moved behind the database's back.
"""
from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime

SEQUENCE = BigInteger().with_variant(Integer(), "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_subject", "subject_kind", "subject_id"),
    )

    seq: Mapped[int] = mapped_column(SEQUENCE, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the log outlives what it names
    actor_name: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(120), index=True)
    subject_kind: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(BigInteger)
    household_id: Mapped[int | None] = mapped_column(Integer, index=True)  # the household the subject belongs to
    detail: Mapped[str] = mapped_column(Text)  # canonical JSON: ids, step names, counts; never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
