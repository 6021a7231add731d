"""Money: the yearly fund standards approvals are held to, the awards approvals create with their
instalments, programme budgets, and the payment batches that pay instalments through the bank.

How the pieces relate:
- A **fund standard** (资金标准) is set for a period (a year or a half-year) by a document (文号, date,
  issuer). It carries the 低保 line and category multipliers the assessment rests on, and one item per
  programme (and category or school level) with a fixed amount or a cap and its unit. The centre drafts
  one; it is in force only once an approver (not its drafter) approves it, and is never edited after:
  a later standard replaces it (`replaces_id`).
- An **award** (帮扶项目) is what an approval creates: a household, a programme, the standard it was held
  to, its fund source and its **instalments** (e.g. one per month for living aid). An instalment is due on
  its `due_on`; it is paid through a **payment line** of a batch.
- A **payment batch** (代发批次) is built by one finance user from due instalments and approved by another
  (maker ≠ checker, a CHECK constraint). Each line pays one instalment to the worker's own account. The
  bank's result marks lines paid or failed. "Never paid twice" and "never in two open batches" are one
  partial unique index: at most one line per instalment that is pending or paid.
- A failed line holds its instalment (`held`) until the centre verifies the worker's account again
  (account_verifications); then a later batch takes it.

Money columns are db.Money (exact on every backend); figures are Decimal to the fen.
"""
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, Money, UTCDateTime, utcnow
from ..people.models import User
from ..sealing import SealedText


class Programme(StrEnum):
    """Aid programmes (帮扶项目类别). Each has its own unit and, per year, a budget and fund source."""
    LIVING = "living"  # 生活救助: monthly, until the next adjustment or exit
    EDUCATION = "education"  # 金秋助学: per student per school year, by school level
    MEDICAL = "medical"  # 医疗救助: at most the self-paid part of the bills
    WARMTH = "warmth"  # 送温暖: a fixed festival amount per filed household
    SUDDEN = "sudden"  # 意外致困: one-off help

    @property
    def label(self):
        return PROGRAMME_LABELS[self]


PROGRAMME_LABELS = {
    Programme.LIVING: "生活救助",
    Programme.EDUCATION: "金秋助学",
    Programme.MEDICAL: "医疗救助",
    Programme.WARMTH: "送温暖",
    Programme.SUDDEN: "意外致困",
}


class FundSource(StrEnum):
    HARDSHIP_FUND = "hardship_fund"  # 帮扶资金 (from the finance ministry)
    UNION_FUNDS = "union_funds"  # 工会经费
    CHARITY = "charity"  # 慈善
    SPECIAL = "special"  # 专项

    @property
    def label(self):
        return FUND_SOURCE_LABELS[self]


FUND_SOURCE_LABELS = {
    FundSource.HARDSHIP_FUND: "帮扶资金",
    FundSource.UNION_FUNDS: "工会经费",
    FundSource.CHARITY: "慈善",
    FundSource.SPECIAL: "专项",
}
# Where a programme's money comes from when its year has no budget row saying otherwise.
DEFAULT_FUND_SOURCE = {
    Programme.LIVING: FundSource.HARDSHIP_FUND,
    Programme.EDUCATION: FundSource.HARDSHIP_FUND,
    Programme.MEDICAL: FundSource.HARDSHIP_FUND,
    Programme.WARMTH: FundSource.UNION_FUNDS,
    Programme.SUDDEN: FundSource.HARDSHIP_FUND,
}


class Unit(StrEnum):
    HOUSEHOLD_MONTH = "household_month"  # 元/户·月
    STUDENT_YEAR = "student_year"  # 元/生·学年
    CASE = "case"  # 元/次
    HOUSEHOLD = "household"  # 元/户 (a festival amount)

    @property
    def label(self):
        return UNIT_LABELS[self]


UNIT_LABELS = {
    Unit.HOUSEHOLD_MONTH: "元/户·月",
    Unit.STUDENT_YEAR: "元/生·学年",
    Unit.CASE: "元/次",
    Unit.HOUSEHOLD: "元/户",
}


class StandardStatus(StrEnum):
    DRAFT = "draft"  # 待审批
    APPROVED = "approved"  # 已生效 (from effective_from)
    REJECTED = "rejected"  # 未批准

    @property
    def label(self):
        return {"draft": "待审批", "approved": "已批准", "rejected": "未批准"}[self]


class FundStandard(Base):
    """A period's fund standard and the document that sets it. Approved rows are never updated."""

    __tablename__ = "fund_standards"
    __table_args__ = (
        CheckConstraint("effective_to IS NULL OR effective_to >= effective_from", name="period"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> drafted_by_id", name="four_eyes"),
        Index("ix_fund_standards_status_from", "status", "effective_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))  # e.g. 2027年上半年困难职工帮扶资金标准
    period_kind: Mapped[str] = mapped_column(String(16))  # "year" or "half_year"
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]  # the period's last day
    document_number: Mapped[str] = mapped_column(String(100))  # 文号
    document_date: Mapped[date]
    issuer: Mapped[str] = mapped_column(String(200))  # e.g. 市总工会党组
    dibao_line: Mapped[Decimal] = mapped_column(Money)  # 低保 line, yuan per person per month
    relative_multiplier: Mapped[Decimal] = mapped_column(Money)  # 相对困难 below this × 低保
    sudden_multiplier: Mapped[Decimal] = mapped_column(Money)  # 意外致困 below this × 低保
    status: Mapped[str] = mapped_column(String(16), default=StandardStatus.DRAFT)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("fund_standards.id"))
    note: Mapped[str | None] = mapped_column(Text)
    drafted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    items: Mapped[list["FundStandardItem"]] = relationship(viewonly=True, order_by="FundStandardItem.id")
    drafted_by: Mapped[User] = relationship(viewonly=True, foreign_keys=[drafted_by_id])
    approved_by: Mapped[User | None] = relationship(viewonly=True, foreign_keys=[approved_by_id])


class FundStandardItem(Base):
    """One programme's amount or cap within a standard; category and school level narrow it (NULL: any)."""

    __tablename__ = "fund_standard_items"
    __table_args__ = (
        CheckConstraint("rule IN ('fixed', 'cap')", name="rule"),
        CheckConstraint("amount >= 0", name="amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("fund_standards.id", ondelete="CASCADE"), index=True)
    programme: Mapped[str] = mapped_column(String(32))  # Programme
    category: Mapped[str | None] = mapped_column(String(32))  # deep / relative / sudden (assessment keys)
    school_level: Mapped[str | None] = mapped_column(String(32))  # education: university, high_school, ...
    rule: Mapped[str] = mapped_column(String(8))  # "fixed": exactly this amount; "cap": at most
    amount: Mapped[Decimal] = mapped_column(Money)
    unit: Mapped[str] = mapped_column(String(32))  # Unit


class ProgrammeBudget(Base):
    """A programme's budget for one calendar year, and the fund it is paid from."""

    __tablename__ = "programme_budgets"
    __table_args__ = (UniqueConstraint("programme", "year", name="uq_programme_budgets_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(32))
    year: Mapped[int]
    fund_source: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AwardStatus(StrEnum):
    ACTIVE = "active"  # instalments still to pay
    ENDED = "ended"  # ended early (exit, adjustment): its later instalments cancelled
    COMPLETED = "completed"  # every instalment paid


class Award(Base):
    """What one approval granted a household under one programme."""

    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount"),
        Index("ix_awards_programme_approved", "programme", "approved_on"),
        Index("ix_awards_household", "household_id", "approved_on"),
        # Reports (money/reports.py): a period's awards by programme, fund, category and union, read from the index
        # alone: SQLite skip-scans the few leading groups; PostgreSQL ranges over approved_on.
        Index("ix_awards_report", "programme", "fund_source", "category", "organisation_id", "approved_on",
              "supersedes_id", "amount"),
        Index("ix_awards_approved_on", "approved_on", postgresql_include=[
            "programme", "fund_source", "category", "organisation_id", "supersedes_id", "amount"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="SET NULL"), index=True)
    programme: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))  # the household's category when approved
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # the union (for reports)
    amount: Mapped[Decimal] = mapped_column(Money)  # total awarded = sum of its instalments
    monthly_amount: Mapped[Decimal | None] = mapped_column(Money)  # living aid: per month
    period_start: Mapped[date]
    period_end: Mapped[date]
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("fund_standards.id"))
    standard_item_id: Mapped[int | None] = mapped_column(ForeignKey("fund_standard_items.id"))
    fund_source: Mapped[str] = mapped_column(String(32))
    budget_year: Mapped[int]
    # Education: the student, a member listed in the household (name; ID kept as the household's keyed digest).
    student_name: Mapped[str | None] = mapped_column(String(100))
    student_id_digest: Mapped[str | None] = mapped_column(String(64))
    school_level: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(100))  # 用途 on the bank file, e.g. 2026年12月生活救助
    status: Mapped[str] = mapped_column(String(16), default=AwardStatus.ACTIVE)
    ended_on: Mapped[date | None]
    end_reason: Mapped[str | None] = mapped_column(String(200))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))  # the half-yearly adjustment
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    instalments: Mapped[list["Instalment"]] = relationship(viewonly=True, order_by="Instalment.sequence")


class InstalmentStatus(StrEnum):
    OPEN = "open"  # unpaid; payable once due_on is reached and no open batch holds it
    HELD = "held"  # its last payment failed: waits for the centre to verify the account again
    PAID = "paid"
    CANCELLED = "cancelled"  # its award ended before it fell due


class Instalment(Base):
    """One payment an award owes on a date. Denormalised household and programme for batch building, and the
    award's fund source, category and union for reports."""

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("award_id", "sequence", name="uq_instalments_award_sequence"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_instalments_status_due", "status", "due_on"),
        Index("ix_instalments_household", "household_id"),
        # Reports: a period's paid instalments by programme, fund, category and union without reading the awards
        # (see ix_awards_report).
        Index("ix_instalments_report", "programme", "fund_source", "category", "organisation_id", "paid_on",
              "status", "amount"),
        Index("ix_instalments_paid_on", "paid_on", postgresql_include=[
            "status", "programme", "fund_source", "category", "organisation_id", "amount"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("awards.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    programme: Mapped[str] = mapped_column(String(32))
    # The award's fund source, category and union, copied by create_award: reports group paid instalments by them.
    fund_source: Mapped[str] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    sequence: Mapped[int]  # 1, 2, ... within the award
    due_on: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money)
    purpose: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(16), default=InstalmentStatus.OPEN)
    paid_on: Mapped[date | None]

    award: Mapped[Award] = relationship(viewonly=True)


class MoneyTotal(Base):
    """A month's 户次, awarded and paid yuan per programme, fund source, category and union, kept up to date in
    the transactions that approve, end and pay awards (money/totals.py), so a year's report sums at most a few
    thousand of these rows instead of every award and paid instalment. `category` is '' where the award has none
    (a primary key column cannot be NULL)."""
    __tablename__ = "money_totals"

    month: Mapped[date] = mapped_column(primary_key=True)  # the month's first day
    programme: Mapped[str] = mapped_column(String(32), primary_key=True)
    fund_source: Mapped[str] = mapped_column(String(32), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    times: Mapped[int] = mapped_column(default=0)  # 户次: awards approved that month continuing none
    awarded: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # by approved_on
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))  # by paid_on


class BatchStatus(StrEnum):
    DRAFT = "draft"  # 待复核: built, not yet approved; nothing may be exported
    APPROVED = "approved"  # 已复核: a second finance user approved it; the bank file may be exported
    EXPORTED = "exported"  # 已导出: the bank file was taken (may be taken again)
    SETTLED = "settled"  # 已回盘: every line has the bank's result
    CANCELLED = "cancelled"  # 已作废 before approval: its lines released

    @property
    def label(self):
        return BATCH_STATUS_LABELS[self]


BATCH_STATUS_LABELS = {
    BatchStatus.DRAFT: "待复核",
    BatchStatus.APPROVED: "已复核",
    BatchStatus.EXPORTED: "已导出",
    BatchStatus.SETTLED: "已回盘",
    BatchStatus.CANCELLED: "已作废",
}


class PaymentBatch(Base):
    __tablename__ = "payment_batches"
    __table_args__ = (
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> built_by_id", name="maker_checker"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)  # e.g. PB202612-001
    due_through: Mapped[date]  # instalments due on or before this day were taken
    programme: Mapped[str | None] = mapped_column(String(32))  # None: every programme
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.DRAFT)
    line_count: Mapped[int] = mapped_column(default=0)
    total_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    bank_layout: Mapped[str | None] = mapped_column(String(32))  # the layout last exported
    note: Mapped[str | None] = mapped_column(Text)
    built_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    built_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    exported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    built_by: Mapped[User] = relationship(viewonly=True, foreign_keys=[built_by_id])
    approved_by: Mapped[User | None] = relationship(viewonly=True, foreign_keys=[approved_by_id])

    @property
    def status_label(self):
        return BATCH_STATUS_LABELS.get(self.status, self.status)


class LineState(StrEnum):
    PENDING = "pending"  # in an open batch, no result yet
    PAID = "paid"
    FAILED = "failed"
    RELEASED = "released"  # its batch was cancelled before approval


# One line per instalment that is pending or paid: an instalment is never in two open batches and never paid
# twice, whatever the code does (SQLite and PostgreSQL both have partial unique indexes).
_LIVE_LINE_SQL = "state IN ('pending', 'paid')"


class PaymentLine(Base):
    """One transfer of a batch: one instalment to the worker's own account, as it was when the batch was built."""

    __tablename__ = "payment_lines"
    __table_args__ = (
        Index("uq_payment_lines_live_instalment", "instalment_id", unique=True,
              sqlite_where=text(_LIVE_LINE_SQL), postgresql_where=text(_LIVE_LINE_SQL)),
        UniqueConstraint("batch_id", "sequence", name="uq_payment_lines_batch_sequence"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_payment_lines_household", "household_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id", ondelete="CASCADE"))
    sequence: Mapped[int]  # 序号 on the bank file
    reference: Mapped[str] = mapped_column(String(48), unique=True)  # matched on the bank's result, never the name
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id"))
    payee_name: Mapped[str] = mapped_column(String(100))  # the worker: never anyone else
    account_number: Mapped[str] = mapped_column(SealedText("payment_lines.account_number"))
    bank_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(SealedText("payment_lines.phone"))
    amount: Mapped[Decimal] = mapped_column(Money)
    purpose: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default=LineState.PENDING)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    settled_on: Mapped[date | None]
    result_import_id: Mapped[int | None] = mapped_column(ForeignKey("bank_result_imports.id"))

    batch: Mapped[PaymentBatch] = relationship(viewonly=True)
    instalment: Mapped[Instalment] = relationship(viewonly=True)


class BankResultImport(Base):
    """One result file the bank sent for a batch; the same file (by digest) imports once."""

    __tablename__ = "bank_result_imports"
    __table_args__ = (UniqueConstraint("batch_id", "digest", name="uq_bank_result_imports_digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file's bytes
    filename: Mapped[str | None] = mapped_column(String(200))
    paid_count: Mapped[int] = mapped_column(default=0)
    failed_count: Mapped[int] = mapped_column(default=0)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AccountVerification(Base):
    """The centre checked a worker's account with the worker after a failed transfer (who, when, how)."""

    __tablename__ = "account_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("payment_lines.id", ondelete="SET NULL"), index=True)
    bank_name: Mapped[str] = mapped_column(String(200))
    account_number: Mapped[str] = mapped_column(SealedText("account_verifications.account_number"))
    account_holder: Mapped[str] = mapped_column(String(100))  # must be the worker
    verified_with: Mapped[str] = mapped_column(String(32))  # phone / visit / counter (电话核实, 入户核实, 窗口核实)
    note: Mapped[str | None] = mapped_column(SealedText("account_verifications.note"))
    verified_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdjustmentStatus(StrEnum):
    DRAFT = "draft"  # the centre edits proposed amounts
    SUBMITTED = "submitted"  # with the approver
    APPROVED = "approved"  # decided as a whole or line by line; awards changed from the new period on

    @property
    def label(self):
        return {"draft": "编辑中", "submitted": "待审批", "approved": "已审批"}[self]


class AdjustmentList(Base):
    """每半年调整: when a new standard takes effect, one list of every filed household's living aid."""

    __tablename__ = "adjustment_lists"
    __table_args__ = (
        UniqueConstraint("standard_id", name="uq_adjustment_lists_standard"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> created_by_id", name="four_eyes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    standard_id: Mapped[int] = mapped_column(ForeignKey("fund_standards.id"))
    effective_from: Mapped[date]  # awards change from this day (the standard's period start)
    status: Mapped[str] = mapped_column(String(16), default=AdjustmentStatus.DRAFT)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    lines: Mapped[list["AdjustmentLine"]] = relationship(viewonly=True, order_by="AdjustmentLine.id")


class AdjustmentLine(Base):
    __tablename__ = "adjustment_lines"
    __table_args__ = (UniqueConstraint("list_id", "household_id", name="uq_adjustment_lines_household"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("adjustment_lists.id", ondelete="CASCADE"))
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    current_award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
    current_amount: Mapped[Decimal | None] = mapped_column(Money)  # monthly, under the old standard
    proposed_amount: Mapped[Decimal] = mapped_column(Money)  # monthly, the service's proposal or the centre's edit
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(SealedText("adjustment_lines.note"))  # the centre's; the approver does not change it
    decision: Mapped[str | None] = mapped_column(String(16))  # approved / rejected (line by line)
    decision_note: Mapped[str | None] = mapped_column(SealedText("adjustment_lines.decision_note"))  # the approver's, on the line they decided
    new_award_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id"))
