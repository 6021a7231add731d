"""The `bangfu` command: set up the database, manage people, deploy models, serve."""
import functools
import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # `python -m bangfu.cli` (how `bangfu serve` starts its scheduler) runs the module proper: this copy, as
    # __main__, would reach main() before the command groups at the end that import it back were added.
    from bangfu.cli import main
    sys.exit(main())

import click

from . import config, create_app, db
from .cli_errors import ChineseErrors
from .errors import DomainError
from .people.roles import OrgKind, Role
from .unit_of_work import run_in


def _app():
    try:
        return create_app()
    except config.ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def friendly(func):
    """Turn domain errors into a one-line message without a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as exc:
            details = "; ".join(f"{k}: {'，'.join(v)}" for k, v in exc.fields.items())
            raise click.ClickException(exc.message + (f"（{details}）" if details else "")) from None
    return wrapper


@click.group(cls=ChineseErrors, epilog=config.help_text(), context_settings={"max_content_width": 120})
def main():
    """帮扶 Bangfu: hardship-household assistance case service."""


@main.command()
@friendly
def init():
    """Create or migrate the database and deploy the bundled models (safe to run twice)."""
    from . import db
    from .migrate import upgrade
    from .process_models.operations import deploy_folder
    from .services import services
    app = _app()
    upgrade(app)
    db.optimize(app)
    with app.app_context():
        deployed = run_in(app, deploy_folder, services())
    for name, version, created in deployed:
        click.echo(f"{name}：{'已部署为第' if created else '未改动，仍为第'} {version} 版")
    click.echo(f"数据库已就绪：{config.safe_url(app.config['DATABASE_URL'])}")


@main.command()
@click.option("--years", default=0, show_default=True, type=click.IntRange(0, 10),
              help="replay this many years of a centre's history up to this month (bangfu simulate) instead of "
                   "the few cases at each stage")
@click.option("--households", default=150, show_default=True, type=click.IntRange(1, 2000),
              help="with --years: households on the register when the history begins")
@friendly
def demo(years, households):
    """Load demo organisations, one user per role, and cases at different stages (or years of history)."""
    from .demo import load_demo
    if years:
        from .simulation.cli import demo_history
        os.environ.setdefault("BANGFU_ANNUAL_REVIEW_DATE", "01-05")
        users = demo_history(_app(), years, households, click.echo)
    else:
        users = run_in(_app(), load_demo)
    click.echo("演示用户（用户名 / 密码 / 角色）：")
    for username, password, role in users:
        click.echo(f"  {username:12} {password:18} {Role(role).label}（{role}）")


@main.group("annual-review")
def annual_review():
    """The annual review (年度复核) of filed households."""


@annual_review.command("start")
@click.argument("year", type=int)
@friendly
def annual_review_start(year):
    """Start YEAR's annual review for every filed household (none twice)."""
    from .households.review import start_annual_reviews
    from .services import services
    app = _app()
    with app.app_context():
        done = run_in(app, start_annual_reviews, services(), year, None)
    click.echo(f"{year} 年度复核：本次发起 {done.started} 户，此前已发起 {done.already} 户")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="server processes (several need PostgreSQL, or share one SQLite file)")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="threads per process")
@click.option("--no-scheduler", is_flag=True,
              help="do not run the scheduler here (run `bangfu scheduler` apart; see README: Scheduler)")
def serve(host, port, workers, threads, no_scheduler):
    """Serve the pages and the API with gunicorn, and the scheduler beside it (see README: production)."""
    from .server import serve as run_server
    app = _app()  # settings are checked here, once, before any worker starts
    click.echo(f"帮扶服务在 http://{host}:{port}/ 监听：{workers} 个进程 × 每进程 {threads} 个线程"
               f"（OpenAPI：/api/v1/openapi.json）" + ("；本进程不运行调度器" if no_scheduler else
                                                    f"；调度器每 {app.config['SCHEDULER_INTERVAL']:g} 秒运行一次"))
    run_server(app, host, port, workers, threads, scheduler=not no_scheduler)


@main.command()
@click.option("--once", is_flag=True, help="run one tick (fire what is due now) and exit")
def scheduler(once):
    """Fire due timers and recurring jobs every BANGFU_SCHEDULER_INTERVAL seconds until SIGTERM.

    Any number of these (and of `bangfu serve`) may run over one PostgreSQL: each due job fires once."""
    app = _app()
    if once:
        from .scheduler.tick import tick
        result = tick(app)
        click.echo(f"已触发定时器 {result.timers_fired} 个、定时作业 {result.jobs_fired} 个；"
                   f"失败 {len(result.failures)} 个")
        return
    from .scheduler.runner import run_forever
    run_forever(app)


@main.group()
def org():
    """Organisations."""


@org.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrgKind]))
@friendly
def org_add(code, name, kind):
    """Add an organisation."""
    from .people.operations import create_organisation
    run_in(_app(), create_organisation, code, name, kind)
    click.echo(f"机构 {code} 已添加")


@main.group()
def user():
    """Users."""


@user.command("deactivate")
@click.argument("username")
@friendly
def user_deactivate(username):
    """Deactivate a user: tokens and page sessions revoked, claimed tasks back to the pool."""
    from .people.operations import deactivate_user
    _, released = run_in(_app(), deactivate_user, username)
    click.echo(f"用户 {username} 已停用；其已认领的 {released} 个任务已退回任务池")


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--org", "org_code", required=True)
@click.option("--password", required=True)
@click.option("--name", "display_name", default=None)
@click.option("--also", "more_roles", multiple=True, type=click.Choice([r.value for r in Role]),
              help="a further role the user holds (repeatable); --role is the primary one")
@friendly
def user_add(username, role, org_code, password, display_name, more_roles):
    """Add a user with a role (and any further roles) in an organisation."""
    from .people.operations import create_user
    run_in(_app(), create_user, username, role, org_code, password, display_name, more_roles=more_roles)
    click.echo(f"用户 {username} 已添加")


@user.command("roles")
@click.argument("username")
@click.option("--grant", "granted", multiple=True, type=click.Choice([r.value for r in Role]))
@click.option("--revoke", "revoked", multiple=True, type=click.Choice([r.value for r in Role]))
@friendly
def user_roles(username, granted, revoked):
    """Show a user's roles; grant or revoke roles (the tasks of a revoked role they claimed go back to the pool)."""
    from .people.operations import find_user, grant_role, revoke_role

    def change(session):
        released = 0
        for role in granted:
            grant_role(session, username, role)
        for role in revoked:
            released += revoke_role(session, username, role)[1]
        user = find_user(session, username)
        return user.role, sorted(user.roles), released
    primary, roles, released = run_in(_app(), change)
    click.echo(f"用户 {username} 的角色：{'、'.join(roles)}（主要角色 {primary}）"
               + (f"；其已认领的 {released} 个任务已退回任务池" if released else ""))


@main.command()
@click.argument("username")
@friendly
def token(username):
    """Print a new bearer token for USERNAME."""
    from .people.operations import token_for_username
    from .services import services
    app = _app()
    with app.app_context():
        click.echo(run_in(app, token_for_username, username, services().token_days))


@main.command("deploy")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--comment", default=None)
@friendly
def deploy_command(file, comment):
    """Deploy a BPMN file as a new version of its process model."""
    from .process_models.operations import deploy, read_document
    from .services import services
    app = _app()
    with file.open("rb") as stream:
        xml = read_document(stream)
    with app.app_context():
        version, created = run_in(app, deploy, services(), xml, comment=comment)
        key, number = version.process_model.key, version.version
    click.echo(f"{key}：{'已部署第' if created else '未改动，最新仍为第'} {number} 版")


@main.group("calendar")
def calendar_group():
    """China's working-day calendar: holidays and make-up working days (调休) by year."""


@calendar_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@friendly
def calendar_import(file):
    """Import one year's holidays and make-up working days from FILE, replacing that year.

    \b
    CSV, UTF-8, one day a line: date,休 or 班,name[,note]   (# comments and blank lines skipped)
      2027-01-01,休,元旦
      2027-02-07,班,春节调休
    or JSON: [{"date": "2027-01-01", "type": "休", "name": "元旦"}, ...]
    Days not listed follow the week (Monday to Friday worked). Open tasks whose due date waited for the
    year get it in the same transaction.
    """
    from . import calendar
    app = _app()
    with app.app_context():
        try:
            result = run_in(app, calendar.import_days, file.read_bytes(), file.name, "bangfu calendar import")
        except calendar.CalendarFileInvalid as exc:
            lines = [f"  {'文件' if where == 'file' else where}：{'；'.join(reasons)}" for where, reasons in exc.fields.items()]
            raise click.ClickException("\n".join([f"{file.name}：{exc.message}", *lines])) from None
    click.echo(f"{result.year}年：{'已替换' if result.replaced else '已导入'} {result.rows} 天"
               f"（工作日放假 {result.holidays} 天，调休上班 {result.workdays} 天）；"
               f"其余日期按周一至周五上班计算")
    if result.tasks_dated:
        click.echo(f"{result.tasks_dated} 个待办任务已按新日历算出办理期限")


@calendar_group.command("show")
@click.argument("year", type=click.IntRange(1900, 2200))
@friendly
def calendar_show(year):
    """List YEAR's holidays and make-up working days, and where they come from."""
    from . import calendar
    app = _app()
    with app.app_context():
        try:
            summary = run_in(app, calendar.year_summary, year)
        except calendar.YearNotKnown as exc:
            raise click.ClickException(str(exc)) from None
    source = "中心导入" if summary.source == "table" else "chinese-calendar 软件包"
    click.echo(f"{year}年（来源：{source}）")
    for day, working, name, note in summary.days:
        weekday = "一二三四五六日"[day.weekday()]
        click.echo(f"  {day.isoformat()} 周{weekday}  {'班' if working else '休'}  {name}"
                   + (f"（{note}）" if note else ""))


@main.group()
def register():
    """The household register (一户一档)."""


@register.command("purge")
@click.option("--before", "before_text", required=True, metavar="DATE",
              help="YYYY-MM-DD, not after today: remove files closed more than 10 years before it")
@click.option("--dry-run", is_flag=True, help="only say how many would be removed")
@friendly
def register_purge(before_text, dry_run):
    """Remove closed household files past their 10-year retention, with their cases and personal data."""
    from .households import purge
    from .wording import long_date
    app = _app()
    with app.app_context():
        before = purge.parse_date(before_text)
        if dry_run:
            found = run_in(app, lambda session: purge.count_purgeable(session, before))
            click.echo(f"将删除 {found.households} 户档案（撤档日期早于{long_date(found.cutoff)}）及其 {found.cases} "
                       "件案件；未执行删除（--dry-run）")
            return
        done = run_in(app, purge.purge, before)
    click.echo(f"已删除 {done.households} 户档案（撤档日期早于{long_date(done.cutoff)}）及其 {done.cases} 件案件")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def backup(file):
    """Copy a SQLite database to FILE while the service runs (sqlite3's online backup API).

    PostgreSQL is backed up with its own tools (pg_dump -Fc / pg_restore), as the README shows."""
    import sqlite3
    app = _app()
    engine = db.engine_of(app)
    if engine.dialect.name != "sqlite":
        raise click.ClickException("PostgreSQL 数据库请用 pg_dump -Fc 备份、pg_restore 恢复（见 README「备份与恢复」）")
    if file.exists():
        raise click.ClickException(f"备份文件已存在：{file}")
    raw = engine.raw_connection()
    try:
        target = sqlite3.connect(file)
        try:
            raw.driver_connection.backup(target)
        finally:
            target.close()
    finally:
        raw.close()
    click.echo(f"已备份到 {file}")


@main.group()
def report():
    """Reports upward (上报报表)."""


@report.command("money")
@click.option("--year", required=True, type=click.IntRange(2000, 2100), help="the report's calendar year")
@click.option("--month", type=click.IntRange(1, 12), default=None, help="one month of it (default: the whole year)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="the .xlsx file to write")
@friendly
def report_money(year, month, out):
    """Write the money report (帮扶资金报表) of a year or month as an Excel workbook, one sheet per table."""
    from . import clock
    from .money.report_export import report_workbook
    from .money.reports import Period, money_report
    from .wording import yuan
    app = _app()
    with app.app_context():
        made = run_in(app, lambda session: money_report(session, Period(year, month), clock.today()))
    try:
        out.write_bytes(report_workbook(made))
    except OSError as exc:
        raise click.ClickException(f"无法写入 {out}：{exc.strerror}") from None
    money = made.money["programme"].total
    register = made.register.total
    click.echo(f"{made.period.label}帮扶资金报表已写入 {out}：期末在档 {register.at_end if register else 0} 户，"
               f"户次 {money.times if money else 0}，审批 {yuan(money.awarded if money else 0)}，"
               f"发放 {yuan(money.paid if money else 0)}")


from .money.cli import payments  # noqa: E402

main.add_command(payments)

from .money.standards_cli import standards_group  # noqa: E402  (it builds on this module's helpers)

main.add_command(standards_group)

from .audit.cli import audit_group  # noqa: E402

main.add_command(audit_group)

from .keys_cli import keys_group  # noqa: E402

main.add_command(keys_group)

from .process_models.cli import cases_group  # noqa: E402

main.add_command(cases_group)

from .simulation.cli import simulate  # noqa: E402

main.add_command(simulate)
