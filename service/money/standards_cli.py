"""`bangfu standards`: list, show, import (draft) and approve fund standards from scripts.

An imported file is JSON in the API's shape (POST /api/v1/fund-standards), or an xlsx workbook whose first
sheet holds the standard as field / value rows (period_kind, effective_from, document_number, ...) and whose
second sheet the items, one a row under the header programme, category, school_level, rule, amount, unit.
"""
import json
from datetime import date, datetime
from pathlib import Path

import click
from marshmallow import ValidationError
from openpyxl import load_workbook

from .. import db
from ..access import Action, ensure
from ..cli import _app, friendly
from ..errors import ValidationFailed, flatten
from ..people.cli_auth import as_option, signed_in
from ..people.models import User
from ..unit_of_work import run_in
from ..wording import long_date, yuan
from . import standards
from .models import StandardStatus

ITEM_COLUMNS = ("programme", "category", "school_level", "rule", "amount", "unit")


def _cell(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value) if isinstance(value, (int, float)) else value


def _from_workbook(path):
    book = load_workbook(path, read_only=True, data_only=True)
    if len(book.worksheets) < 2:
        raise ValidationFailed("资金标准文件有误", {"file": ["工作簿应有两张工作表：标准信息和项目"]})
    body = {str(row[0]).strip(): _cell(row[1]) for row in book.worksheets[0].iter_rows(values_only=True)
            if row and row[0] is not None and len(row) > 1 and row[1] is not None}
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    missing = [c for c in ("programme", "rule", "amount") if c not in header]
    if missing:
        raise ValidationFailed("资金标准文件有误", {"file": [f"项目工作表缺少列：{', '.join(missing)}"]})
    body["items"] = [{name: _cell(value) for name, value in zip(header, row) if name in ITEM_COLUMNS and value
                      not in (None, "")} for row in rows[1:] if any(v not in (None, "") for v in row)]
    return body


def read_draft(path):
    """The Draft a JSON or xlsx file holds; ValidationFailed naming each bad field."""
    path = Path(path)
    try:
        body = _from_workbook(path) if path.suffix.lower() == ".xlsx" else json.loads(path.read_text("utf-8"))
    except (ValueError, OSError, KeyError) as exc:
        raise ValidationFailed("资金标准文件无法读取", {"file": [f"应为 UTF-8 JSON 或 xlsx 文件（{type(exc).__name__}）"]}) \
            from None
    from .schemas import StandardInSchema  # after create_app: its fields then take the Chinese messages
    try:
        return StandardInSchema().load(body)
    except ValidationError as exc:
        raise ValidationFailed("资金标准有误", flatten(exc.messages)) from None


def _acting(session, user_id, action):
    """The signed-in user (people.cli_auth), allowed the action (access decides, as for the API)."""
    return ensure(session.get(User, user_id), action)


def _line(standard):
    return (f"{standard.id:>4}  {standard.effective_from} ~ {standard.effective_to}  "
            f"{StandardStatus(standard.status).label:4}  {standard.document_number}  {standard.title}")


@click.group("standards")
def standards_group():
    """Fund standards (资金标准): list, show, import a draft, approve."""


@standards_group.command("list")
@friendly
def standards_list():
    """Every standard, latest period first."""
    app = _app()
    with app.app_context():
        for standard in standards.list_standards(db.session()):
            click.echo(_line(standard))


@standards_group.command("show")
@click.argument("standard_id", type=int)
@friendly
def standards_show(standard_id):
    """One standard: its document, 低保 line and items."""
    app = _app()
    with app.app_context():
        standard = standards.get_standard(db.session(), standard_id)
        click.echo(_line(standard))
        click.echo(f"  文号 {standard.document_number}，{long_date(standard.document_date)} {standard.issuer}")
        click.echo(f"  低保标准 {yuan(standard.dibao_line)} 元/人·月；相对困难 {standard.relative_multiplier} 倍，"
                   f"意外致困 {standard.sudden_multiplier} 倍")
        for item in standard.items:
            click.echo(f"  {standards.item_label(item)}：{standards.limit_text(item)}")


@standards_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@as_option("the centre user drafting it")
@friendly
def standards_import(file, username):
    """Draft a standard from FILE (JSON in the API's shape, or xlsx); an approver approves it after."""
    app = _app()
    draft = read_draft(file)
    with app.app_context():
        user_id = signed_in(username)
        standard_id = run_in(app, lambda session: standards.draft_standard(
            session, _acting(session, user_id, Action.DRAFT_STANDARD), draft).id)
    click.echo(f"已起草资金标准 {standard_id}，待审批人审批")


@standards_group.command("approve")
@click.argument("standard_id", type=int)
@as_option("the approver (not the drafter)")
@click.option("--note", default=None)
@friendly
def standards_approve(standard_id, username, note):
    """Approve a drafted standard as the signed-in approver (who did not draft it)."""
    app = _app()
    with app.app_context():
        user_id = signed_in(username)
        run_in(app, lambda session: standards.approve_standard(
            session, _acting(session, user_id, Action.APPROVE_STANDARD), standard_id, note))
    click.echo(f"资金标准 {standard_id} 已批准")
