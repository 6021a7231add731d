"""A case: one household's journey through a process, with its history (办理记录)."""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import Organisation, User
from ..process_models.models import ProcessModelVersion
from ..sealing import SealedBytes, SealedText



class CaseStatus(StrEnum):
    ACTIVE = "active"
    INCIDENT = "incident"  # the engine could not go on: set aside until someone repairs it
    PAID = "paid"
    NOT_ELIGIBLE = "not_eligible"
    NOT_APPROVED = "not_approved"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"  # a declaration withdrawn by its union before it was ever submitted
    CLOSED_ON_EXIT = "closed_on_exit"  # open when its household left the register (households/review.py)
    TERMINATED = "terminated"  # an incident the centre head ended (casework/incidents.py), with a reason

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    CaseStatus.ACTIVE: "办理中",
    CaseStatus.INCIDENT: "流程异常",
    CaseStatus.PAID: "已发放",
    CaseStatus.NOT_ELIGIBLE: "不予通过",
    CaseStatus.NOT_APPROVED: "审批未通过",
    CaseStatus.COMPLETED: "已办结",
    CaseStatus.WITHDRAWN: "已撤回",
    CaseStatus.CLOSED_ON_EXIT: "撤档终止",
    CaseStatus.TERMINATED: "异常终止",
}
DRAFT = "draft"  # not a status: an active case whose declaration was never submitted
# What a case list filters by: drafts first, then the statuses.
LIST_STATUS_LABELS = {DRAFT: "草稿（未提交）", **STATUS_LABELS}


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_status_created", "status", "created_at"),
        Index("ix_cases_org_created", "organisation_id", "created_at"),
        # One annual review per household and year, whoever starts it and however often (households/review.py).
        Index("uq_cases_household_review_year", "household_id", "review_year", unique=True),
        Index("ix_cases_review_year_status", "review_year", "status"),
        # A client's retry of a declaration it may have sent already finds the first (Idempotency-Key).
        Index("uq_cases_creator_request_key", "created_by_id", "request_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_model_versions.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    third_party_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    # The household (一户一档) the case belongs to: set when its declaration is submitted (households/register.py).
    household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    review_year: Mapped[int | None]  # the year of an annual review case (年度复核); None for other cases
    household_name: Mapped[str | None] = mapped_column(String(100))
    employer: Mapped[str | None] = mapped_column(String(200))
    suggested_category: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    file_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    approved_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    paid_on: Mapped[date | None]
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    # The public notice (公示) as published, for the notice list: its days and the ID number as posted (masked).
    notice_start: Mapped[date | None] = mapped_column(index=True)
    notice_end: Mapped[date | None]
    notice_id_number: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), default=CaseStatus.ACTIVE)
    stage: Mapped[str | None] = mapped_column(String(200))
    incident: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: started by the scheduler
    request_key: Mapped[str | None] = mapped_column(String(64))  # the API client's Idempotency-Key, if it sent one
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its first step completed: no longer a draft
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    workflow_state: Mapped[bytes] = deferred(mapped_column(SealedBytes("cases.workflow_state")))  # instances.store
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    # Read-only: code sets the id columns, and the unit of work has fewer dependencies to plan per flush.
    process_version: Mapped[ProcessModelVersion] = relationship(viewonly=True)
    organisation: Mapped[Organisation] = relationship(foreign_keys=[organisation_id], viewonly=True)
    third_party_org: Mapped[Organisation | None] = relationship(foreign_keys=[third_party_org_id], viewonly=True)
    household = relationship("Household", viewonly=True)  # households.models.Household (一户一档)

    @property
    def shown_file_number(self):
        """The household's file number (档案号) as lists show it: the application's own, or, for its annual
        reviews and exit (which carry none: the number is unique to the application), the household's."""
        if self.file_number or self.household_id is None:
            return self.file_number
        return self.household.file_number if self.household is not None else None

    @property
    def is_draft(self):
        """Declared and never submitted (草稿): not yet a case in 申报."""
        return self.submitted_at is None and self.status == CaseStatus.ACTIVE


def submitted():
    """SQL condition: cases whose declaration was submitted, and cases set aside as incidents (a start that
    failed included: someone must repair them). Drafts and withdrawn declarations are not cases in 申报:
    lists, counts and reports leave them out unless asked for them."""
    return Case.submitted_at.is_not(None) | (Case.status == CaseStatus.INCIDENT)


def draft():
    """SQL condition: declarations started and never submitted (草稿), still open to finish or withdraw."""
    return Case.submitted_at.is_(None) & (Case.status == CaseStatus.ACTIVE)


class CaseEvent(Base):
    """One line of a case's history: who did what, when, with which decision and opinion."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    task_name: Mapped[str | None] = mapped_column(String(100))
    task_title: Mapped[str | None] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(String(32))
    opinion: Mapped[str | None] = mapped_column(SealedText("case_events.opinion"))

    case: Mapped[Case] = relationship(viewonly=True)
    actor: Mapped[User | None] = relationship(viewonly=True)
