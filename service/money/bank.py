"""What passes between finance and the bank: the approved batch's file out, the bank's result file in.

A result import is all or nothing: every row is checked first (its reference is a line of this batch, its
amount is the line's to the fen, its outcome is known); one problem and nothing is imported, and every
problem is listed with its row number. The same file twice (same bytes: its SHA-256) imports once.

A paid line pays its instalment (paid_on); the first instalment of a hardship case's award also completes
the case's payment task (case_payment.py), in the same transaction. A failed line holds its instalment for
the centre to verify the worker's account (verification.py). A batch whose every line has a result is settled.
"""
import hashlib
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import bindparam, select, update

from .. import audit, clock
from ..access import Action, ensure
from ..db import utcnow
from ..errors import Conflict, ValidationFailed
from . import bank_files, case_payment, result_files, totals
from .batches import get_batch
from .models import (Award, AwardStatus, BankResultImport, BatchStatus, Instalment, InstalmentStatus, LineState,
                     PaymentLine)

EXPORTABLE = (BatchStatus.APPROVED, BatchStatus.EXPORTED, BatchStatus.SETTLED)
ALREADY_IMPORTED = "此回盘文件已导入"


@dataclass
class ExportedFile:
    content: bytes
    filename: str
    mimetype: str


@dataclass
class ImportOutcome:
    batch: object
    paid: int = 0
    failed: int = 0
    unchanged: int = 0  # rows repeating a result an earlier file gave
    cases_paid: list = field(default_factory=list)  # hardship cases whose payment task this completed


def layouts():
    return bank_files.load_layouts(current_app.config.get("BANK_LAYOUTS"))


def export_batch(session, user, batch_id, file_format, layout_key):
    """The bank file of an approved batch, in the layout's columns; the batch is marked exported."""
    ensure(user, Action.MAKE_PAYMENTS)
    layout = bank_files.find_layout(layouts(), layout_key)
    if file_format not in ("xlsx", "csv"):
        raise ValidationFailed("文件格式应为 xlsx 或 csv", {"format": ["可选：xlsx、csv"]})
    batch = get_batch(session, batch_id)
    if batch.status not in EXPORTABLE:
        raise Conflict(f"批次{batch.status_label}：复核通过之前不能导出银行文件")
    lines = session.execute(select(*_FILE_COLUMNS).where(PaymentLine.batch_id == batch.id,
                                                         PaymentLine.state != LineState.RELEASED)
                            .order_by(PaymentLine.sequence)).all()
    if file_format == "csv":
        content, mimetype = bank_files.as_csv(layout, lines), "text/csv"
    else:
        content = bank_files.as_xlsx(layout, lines, batch.reference)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if batch.status == BatchStatus.APPROVED:
        batch.status, batch.exported_at = BatchStatus.EXPORTED, utcnow()
    batch.bank_layout = layout.key
    # The file carries whole account numbers: every export is logged, a repeated one too.
    audit.note(session, subject=("batch", batch.id), lines=len(lines), format=file_format)
    session.flush()
    return ExportedFile(content, f"{batch.reference}-{layout.key}.{file_format}", mimetype)


_FILE_COLUMNS = tuple(getattr(PaymentLine, name) for name in bank_files.FIELDS)


def import_results(session, services, user, batch_id, content, filename=None):
    ensure(user, Action.MAKE_PAYMENTS)
    batch = get_batch(session, batch_id, for_update=True)
    digest = hashlib.sha256(content).hexdigest()
    if session.scalar(select(BankResultImport.id).where(BankResultImport.batch_id == batch.id,
                                                        BankResultImport.digest == digest)):
        raise Conflict(ALREADY_IMPORTED + "，未做任何改动")
    if batch.status not in (BatchStatus.EXPORTED, BatchStatus.SETTLED):
        raise Conflict(f"批次{batch.status_label}：导出银行文件之后才能导入回盘")
    rows, problems = result_files.read(content)
    lines = {line.reference: line for line in session.execute(select(*_LINE_COLUMNS).where(
        PaymentLine.batch_id == batch.id))}
    problems = sorted(problems + _match_problems(rows, lines), key=lambda text: int(text.split(" ")[1]))
    if problems:
        raise ValidationFailed(f"回盘文件有 {len(problems)} 处错误，未导入任何记录", {"file": problems})
    record = BankResultImport(batch_id=batch.id, digest=digest, filename=(filename or "")[:200] or None,
                              imported_by_id=user.id, imported_at=utcnow())
    session.add(record)
    session.flush()
    fresh = [(row, lines[row.reference]) for row in rows if lines[row.reference].state == LineState.PENDING]
    paid = [(row, line) for row, line in fresh if row.paid]
    failed = [(row, line) for row, line in fresh if not row.paid]
    _settle_lines(session, record, paid, failed)
    record.paid_count, record.failed_count = len(paid), len(failed)
    _complete_awards(session, record.id)
    if not session.scalar(select(PaymentLine.id).where(PaymentLine.batch_id == batch.id,
                                                       PaymentLine.state == LineState.PENDING).limit(1)):
        batch.status, batch.settled_at = BatchStatus.SETTLED, utcnow()
    session.flush()
    return ImportOutcome(batch, len(paid), len(failed), len(rows) - len(fresh),
                         case_payment.complete_paid_cases(session, services, record.id))


_LINE_COLUMNS = (PaymentLine.id, PaymentLine.reference, PaymentLine.instalment_id, PaymentLine.amount,
                 PaymentLine.state)
_LINES, _INSTALMENTS = PaymentLine.__table__, Instalment.__table__


def _settle_lines(session, record, paid, failed):
    """Each line's result and its instalment's status: executemany by key (a batch is thousands of lines)."""
    today = clock.today()
    if paid:
        session.execute(update(_LINES).where(_LINES.c.id == bindparam("line")).values(
            state=LineState.PAID, settled_on=today, result_import_id=record.id, bank_reference=bindparam("ref")),
            [{"line": line.id, "ref": row.bank_reference or line.reference} for row, line in paid])
        session.execute(update(_INSTALMENTS).where(_INSTALMENTS.c.id == bindparam("instalment")).values(
            status=InstalmentStatus.PAID, paid_on=today), [{"instalment": line.instalment_id} for _, line in paid])
        totals.add(session, totals.paid_changes(session, Instalment.id.in_(select(_LINES.c.instalment_id).where(
            _LINES.c.result_import_id == record.id, _LINES.c.state == LineState.PAID))))
    if failed:
        session.execute(update(_LINES).where(_LINES.c.id == bindparam("line")).values(
            state=LineState.FAILED, settled_on=today, result_import_id=record.id, failure_reason=bindparam("why")),
            [{"line": line.id, "why": row.reason[:200]} for row, line in failed])
        session.execute(update(_INSTALMENTS).where(_INSTALMENTS.c.id == bindparam("instalment")).values(
            status=InstalmentStatus.HELD), [{"instalment": line.instalment_id} for _, line in failed])
    session.expire_all()  # ORM objects loaded before (a line, an instalment) read the new states


def _match_problems(rows, lines):
    problems, seen = [], set()
    for row in rows:
        if not row.reference or row.amount is None or row.paid is None:
            continue  # already named by the reader
        line = lines.get(row.reference)
        if line is None or line.state == LineState.RELEASED:
            problems.append(f"第 {row.row} 行：明细编号 {row.reference} 不属于本批次")
        elif row.reference in seen:
            problems.append(f"第 {row.row} 行：明细编号 {row.reference} 重复出现")
        elif row.amount != line.amount:
            problems.append(f"第 {row.row} 行：明细编号 {row.reference} 金额 {row.amount} 与批次金额 {line.amount} 不符")
        elif line.state != LineState.PENDING and (line.state == LineState.PAID) != row.paid:
            problems.append(f"第 {row.row} 行：明细编号 {row.reference} 已有不同的回盘结果，不能更改")
        seen.add(row.reference)
    return problems


def _complete_awards(session, result_import_id):
    """Awards this import paid whose every instalment is now paid (or cancelled, after it ended) are completed."""
    paid_awards = select(Instalment.award_id).join(PaymentLine, PaymentLine.instalment_id == Instalment.id).where(
        PaymentLine.result_import_id == result_import_id, PaymentLine.state == LineState.PAID)
    unpaid = select(Instalment.id).where(Instalment.award_id == Award.id,
                                         Instalment.status.in_((InstalmentStatus.OPEN, InstalmentStatus.HELD)))
    session.execute(update(Award).where(Award.status == AwardStatus.ACTIVE, Award.id.in_(paid_awards),
                                        ~unpaid.exists()).values(status=AwardStatus.COMPLETED)
                    .execution_options(synchronize_session=False))
