"""The household register (一户一档): one file per household, kept over the years, with its members and
every change of status. Cases (the application, each annual review, an exit) belong to a household
(cases.household_id); status changes happen only in households/register.py.

Resident ID numbers are stored normalised (18 characters, capital X), sealed (sealing.py: phones, bank
cards and free-text reasons too), and, for lookups, as a keyed digest (HMAC-SHA256 with the app's secret
key, see register.id_digest). Every lookup (one file per household, a member in another file, the
register's search by a whole ID) compares digests, never the numbers.
"""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow
from ..people.models import Organisation, User
from ..sealing import SealedText


class HouseholdStatus(StrEnum):
    DECLARED = "declared"  # 申报中: a submitted declaration not yet filed
    FILED = "filed"  # 在档: 建档 completed; in the register
    OUT_OF_HARDSHIP = "out_of_hardship"  # 已脱困: exited for reason out_of_hardship
    RELIEVED = "relieved"  # 已解困: exited for reason relieved
    EXITED = "exited"  # 已退出: exited for any other reason (exit_reason says which)
    NOT_FILED = "not_filed"  # 未建档: the declaration ended without a file (不予通过, 审批未通过, 撤回)

    @property
    def label(self):
        return STATUS_LABELS[self]


STATUS_LABELS = {
    HouseholdStatus.DECLARED: "申报中",
    HouseholdStatus.FILED: "在档",
    HouseholdStatus.OUT_OF_HARDSHIP: "已脱困",
    HouseholdStatus.RELIEVED: "已解困",
    HouseholdStatus.EXITED: "已退出",
    HouseholdStatus.NOT_FILED: "未建档",
}
# Statuses of a household still open: at most one per worker (the partial unique index below).
OPEN_STATUSES = (HouseholdStatus.DECLARED, HouseholdStatus.FILED)
# Statuses of a household that left the register after it was filed (退出: 已脱困, 已解困, 已退出).
EXITED_STATUSES = (HouseholdStatus.OUT_OF_HARDSHIP, HouseholdStatus.RELIEVED, HouseholdStatus.EXITED)
# Statuses of a closed file (撤档): kept 10 years after closed_on, then purged.
CLOSED_STATUSES = (*EXITED_STATUSES, HouseholdStatus.NOT_FILED)

# Why a filed household left the register (退出原因). 脱困 and 解困 give their own statuses.
EXIT_REASONS = {
    "out_of_hardship": "脱困",
    "relieved": "解困",
    "retired": "退休",
    "moved_away": "迁出",
    "died": "死亡",
    "gave_up": "主动放弃",
    "false_declaration": "核查不实",
    "other": "其他",  # needs a text
}
EXIT_STATUS = {"out_of_hardship": HouseholdStatus.OUT_OF_HARDSHIP, "relieved": HouseholdStatus.RELIEVED}
# Why a declaration ended without a file (未建档).
UNFILED_REASONS = {
    "not_eligible": "不予通过",
    "not_approved": "审批未通过",
    "withdrawn": "撤回",
    "ended": "申报终止",  # the application ended some other way (a model without these outcomes)
}
REASON_LABELS = {**EXIT_REASONS, **UNFILED_REASONS}

_OPEN_SQL = "status IN ('declared', 'filed')"


class Household(Base):
    __tablename__ = "households"
    __table_args__ = (
        # One open file per worker, enforced by the database (SQLite and PostgreSQL both have partial indexes).
        Index("uq_households_open_worker", "worker_id_digest", unique=True,
              sqlite_where=text(_OPEN_SQL), postgresql_where=text(_OPEN_SQL)),
        Index("ix_households_status_filed", "status", "filed_on"),
        Index("ix_households_org_status", "organisation_id", "status"),
        Index("ix_households_next_review", "next_review_due"),
        Index("ix_households_register_report", "organisation_id", "filed_on", "closed_on"),  # money/reports.py
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_number: Mapped[str | None] = mapped_column(String(32), unique=True)  # given at 建档
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the union keeping it
    worker_name: Mapped[str] = mapped_column(String(100))
    worker_id_number: Mapped[str] = mapped_column(SealedText("households.worker_id_number"))  # normalised; masked per role on display
    worker_id_digest: Mapped[str] = mapped_column(String(64), index=True)
    phone: Mapped[str | None] = mapped_column(SealedText("households.phone"))
    employer: Mapped[str | None] = mapped_column(String(200))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bank_account_name: Mapped[str | None] = mapped_column(String(100))
    bank_card_number: Mapped[str | None] = mapped_column(SealedText("households.bank_card_number"))
    category: Mapped[str | None] = mapped_column(String(32), index=True)  # assessment.CATEGORY_LABELS keys
    status: Mapped[str] = mapped_column(String(32), default=HouseholdStatus.DECLARED)
    exit_reason: Mapped[str | None] = mapped_column(String(32))  # REASON_LABELS keys, once closed
    exit_reason_text: Mapped[str | None] = mapped_column(SealedText("households.exit_reason_text"))  # required for "other"
    declared_on: Mapped[date]
    filed_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    next_review_due: Mapped[date | None]  # one year after filing; the annual review moves it on
    # 防返困: after a 脱困 exit a follow-up visit falls due (households/review.py); its date and what it found.
    follow_up_due: Mapped[date | None]
    follow_up_done_on: Mapped[date | None]
    follow_up_result: Mapped[str | None] = mapped_column(String(32))  # "stable" or "returned" (返困)
    # The case whose declaration opened this file (no foreign key: cases.household_id points the other way).
    application_case_id: Mapped[int | None] = mapped_column(index=True)
    previous_household_id: Mapped[int | None] = mapped_column(ForeignKey("households.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(viewonly=True)
    members: Mapped[list["HouseholdMember"]] = relationship(
        viewonly=True, order_by="HouseholdMember.position")
    status_changes: Mapped[list["HouseholdStatusChange"]] = relationship(
        viewonly=True, order_by="HouseholdStatusChange.id")

    @property
    def status_label(self):
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def exit_reason_label(self):
        if not self.exit_reason:
            return None
        label = REASON_LABELS.get(self.exit_reason, self.exit_reason)
        return f"{label}：{self.exit_reason_text}" if self.exit_reason_text else label


class HouseholdMember(Base):
    """A family member as last declared (家庭成员), the worker included (relation "self")."""

    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str | None] = mapped_column(String(32))
    id_number: Mapped[str | None] = mapped_column(SealedText("household_members.id_number"))
    id_digest: Mapped[str | None] = mapped_column(String(64), index=True)


class HouseholdStatusChange(Base):
    """One change of a household's status: from, to, on which day, why, by whom, through which case."""

    __tablename__ = "household_status_changes"
    __table_args__ = (  # the register's size at a date (money/reports.py): entries into 在档 and exits from it
        Index("ix_household_status_changes_into", "to_status", "changed_on", "from_status"),
        Index("ix_household_status_changes_out", "from_status", "changed_on", "to_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(32))  # None: the household was created
    to_status: Mapped[str] = mapped_column(String(32))
    changed_on: Mapped[date]
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(String(32))
    reason_text: Mapped[str | None] = mapped_column(SealedText("household_status_changes.reason_text"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"))

    actor: Mapped[User | None] = relationship(viewonly=True)

    @property
    def to_label(self):
        return STATUS_LABELS.get(self.to_status, self.to_status)

    @property
    def from_label(self):
        return STATUS_LABELS.get(self.from_status, self.from_status) if self.from_status else None

    @property
    def reason_label(self):
        if not self.reason:
            return None
        label = REASON_LABELS.get(self.reason, self.reason)
        return f"{label}：{self.reason_text}" if self.reason_text else label
