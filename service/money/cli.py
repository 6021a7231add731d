"""`bangfu payments`: the monthly run from a script (build, approve, export, results, reconcile), each command
one transaction acting as a finance user who proved who they are (people.cli_auth: an API token in
BANGFU_TOKEN, or `--as` and the password), errors one line."""
import functools
from datetime import date
from pathlib import Path

import click
from ..errors import ValidationFailed
from ..people.cli_auth import as_option, signed_in
from ..people.models import User
from ..wording import long_date, yuan


def _app():
    from ..cli import _app as app  # at call time: cli.py imports this module (also when run as __main__)
    return app()


def friendly(func):
    """cli.friendly (one-line errors), looked up when the command runs."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from ..cli import friendly as one_line
        return one_line(func)(*args, **kwargs)
    return wrapper


def _day(text, name):
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed("日期格式应为 YYYY-MM-DD", {name: [f"“{text}”不是日期"]}) from None


def _run(command, username, *args):
    from ..unit_of_work import run_in
    app = _app()
    with app.app_context():
        user_id = signed_in(username)
        return run_in(app, lambda session: command(session, session.get(User, user_id), *args))


@click.group()
def payments():
    """Payment batches to the bank (代发批次) and reconciliation (对账)."""


@payments.command("build")
@click.option("--through", "through", default=None, metavar="DATE",
              help="instalments due on or before it (default: today in China)")
@click.option("--programme", default=None, help="living, education, medical, warmth or sudden (default: all)")
@as_option("the finance user building it (制单)")
@friendly
def build(through, programme, username):
    """Build a draft batch of what is due."""
    from .batches import build_batch
    result = _run(lambda s, u: _described(build_batch(s, u, through and _day(through, "through"), programme)), username)
    click.echo(result)


def _described(result):
    lines = [f"{e.worker_name}（{e.purpose} {yuan(e.amount)}）未纳入：{e.reason}" for e in result.excluded]
    if result.batch is None:
        return "\n".join(lines + ["没有可发放的到期明细，未生成批次"])
    batch = result.batch
    return "\n".join(lines + [f"已生成批次 {batch.id}（{batch.reference}）：{batch.line_count} 笔，"
                              f"合计 {yuan(batch.total_amount)}，待复核"])


@payments.command("approve")
@click.argument("batch_id", type=int)
@as_option("a finance user other than the maker (复核)")
@friendly
def approve(batch_id, username):
    """Approve a draft batch (the maker may not)."""
    from .batches import approve_batch
    reference = _run(lambda s, u: approve_batch(s, u, batch_id).reference, username)
    click.echo(f"批次 {reference} 已复核，可以导出银行文件")


@payments.command("export")
@click.argument("batch_id", type=int)
@click.option("--format", "file_format", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("--layout", default="generic", show_default=True, help="generic, icbc, boc or an operator's layout")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path))
@as_option("the finance user")
@friendly
def export(batch_id, file_format, layout, out, username):
    """Write an approved batch's bank file."""
    from .bank import export_batch
    exported = _run(lambda s, u: export_batch(s, u, batch_id, file_format, layout), username)
    out.write_bytes(exported.content)
    click.echo(f"已写入 {out}（{len(exported.content)} 字节）")


@payments.command("results")
@click.argument("batch_id", type=int)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@as_option("the finance user")
@friendly
def results(batch_id, file, username):
    """Import the bank's result file: all of it, or nothing with every problem listed."""
    from ..services import services
    from .bank import import_results
    done = _run(lambda s, u: import_results(s, services(), u, batch_id, file.read_bytes(), file.name), username)
    click.echo(f"回盘已导入：成功 {done.paid} 笔，失败 {done.failed} 笔（失败的交援助中心核实账户）")


@payments.command("reconcile")
@click.option("--from", "date_from", required=True, metavar="DATE")
@click.option("--to", "date_to", required=True, metavar="DATE")
@click.option("--programme", default=None)
@as_option("the finance user")
@friendly
def reconcile(date_from, date_to, programme, username):
    """Awarded = paid + pending + not yet due for the awards approved in the period; differences listed."""
    from .reconciliation import reconcile as figures
    found = _run(lambda s, u: figures(s, u, _day(date_from, "from"), _day(date_to, "to"), programme), username)
    click.echo(f"{long_date(found.date_from)}至{long_date(found.date_to)}核定 {yuan(found.awarded)} = 已发放 "
               f"{yuan(found.paid)} + 待发放 {yuan(found.pending)} + 未到期 {yuan(found.not_yet_due)}："
               + ("相符" if found.balanced else "不符"))
    for d in found.differences:
        click.echo(f"差异：项目 {d.award_id} 分期 {d.instalment_id or '-'} {d.purpose} {yuan(d.amount)}：{d.reason}")
