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
from sqlalchemy import select

from .. import clock
from ..access import Action, ensure
from ..db import utcnow
from ..errors import Conflict, ValidationFailed
from . import bank_files, case_payment, result_files
from .batches import batch_lines, get_batch
from .models import (Award, AwardStatus, BankResultImport, BatchStatus, Instalment, InstalmentStatus, LineState)

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
    cases_paid: list = field(default_factory=list)


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
    lines = [line for line in batch_lines(session, batch.id) if line.state != LineState.RELEASED]
    if file_format == "csv":
        content, mimetype = bank_files.as_csv(layout, lines), "text/csv"
    else:
        content = bank_files.as_xlsx(layout, lines, batch.reference)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    if batch.status == BatchStatus.APPROVED:
        batch.status, batch.exported_at = BatchStatus.EXPORTED, utcnow()
    batch.bank_layout = layout.key
    session.flush()
    return ExportedFile(content, f"{batch.reference}-{layout.key}.{file_format}", mimetype)


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
    lines = {line.reference: line for line in batch_lines(session, batch.id)}
    problems = sorted(problems + _match_problems(rows, lines), key=lambda text: int(text.split(" ")[1]))
    if problems:
        raise ValidationFailed(f"回盘文件有 {len(problems)} 处错误，未导入任何记录", {"file": problems})
    record = BankResultImport(batch_id=batch.id, digest=digest, filename=(filename or "")[:200] or None,
                              imported_by_id=user.id, imported_at=utcnow())
    session.add(record)
    session.flush()
    outcome = ImportOutcome(batch)
    today = clock.today()
    instalments = _instalments(session, [lines[row.reference].instalment_id for row in rows])
    for row in rows:
        line = lines[row.reference]
        if line.state != LineState.PENDING:
            outcome.unchanged += 1
            continue
        instalment = instalments[line.instalment_id]
        line.settled_on, line.result_import_id = today, record.id
        if row.paid:
            line.state, line.bank_reference = LineState.PAID, row.bank_reference or line.reference
            instalment.status, instalment.paid_on = InstalmentStatus.PAID, today
            outcome.paid += 1
        else:
            line.state, line.failure_reason = LineState.FAILED, row.reason[:200]
            instalment.status = InstalmentStatus.HELD
            outcome.failed += 1
    record.paid_count, record.failed_count = outcome.paid, outcome.failed
    session.flush()
    _complete_awards(session, {i.award_id for i in instalments.values() if i.status == InstalmentStatus.PAID})
    if all(line.state in (LineState.PAID, LineState.FAILED) for line in lines.values()
           if line.state != LineState.RELEASED):
        batch.status, batch.settled_at = BatchStatus.SETTLED, utcnow()
    session.flush()
    outcome.cases_paid = case_payment.complete_paid_cases(session, services, [
        (lines[row.reference], instalments[lines[row.reference].instalment_id]) for row in rows if row.paid])
    return outcome


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


def _instalments(session, ids):
    found = session.scalars(select(Instalment).where(Instalment.id.in_(set(ids))).with_for_update()).all()
    return {instalment.id: instalment for instalment in found}


def _complete_awards(session, award_ids):
    """An award whose every instalment is paid (or cancelled, after it ended) is completed."""
    if not award_ids:
        return
    unpaid = set(session.scalars(select(Instalment.award_id).where(
        Instalment.award_id.in_(award_ids),
        Instalment.status.in_((InstalmentStatus.OPEN, InstalmentStatus.HELD)))).all())
    for award in session.scalars(select(Award).where(Award.id.in_(award_ids - unpaid),
                                                     Award.status == AwardStatus.ACTIVE)):
        award.status = AwardStatus.COMPLETED
