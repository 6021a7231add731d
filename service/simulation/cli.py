"""`bangfu simulate`: replay a centre's years into the configured database and print what the service reports."""
import os
import time as wall
from datetime import date

import click

from ..unit_of_work import run_in
from .parameters import Parameters, with_settings

YEAR_WORDS = {1: "one year", 2: "two years", 3: "three years", 4: "four years", 5: "five years",
              6: "six years", 7: "seven years", 8: "eight years", 9: "nine years", 10: "ten years"}


@click.command("simulate")
@click.option("--years", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--households", default=923, show_default=True, type=click.IntRange(1, 20000),
              help="households on the register when the replay begins")
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--start", "start_text", default="2021-01-01", show_default=True, metavar="DATE",
              help="the first simulated day (the opening register is declared in the weeks before it)")
@click.option("--review-date", default="01-05", show_default=True, metavar="MM-DD",
              help="BANGFU_ANNUAL_REVIEW_DATE for the replay, unless the environment sets it")
@click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
              help="change a rate or amount of service/simulation/parameters.py, e.g. --set annual_exit_rate=0.4")
@click.option("--force", is_flag=True, help="run into a database that already holds cases")
def simulate(years, households, seed, start_text, review_date, settings, force):
    """Drive the service through YEARS of a centre's work: declarations, visits, notices, approvals, monthly bank
    batches, half-yearly adjustments, annual reviews, exits and returns, 金秋助学 and 送温暖; then check that the
    money reconciles to the fen, nothing happened twice or is stuck, and the register agrees with itself."""
    from ..cli import _app
    try:
        start = date.fromisoformat(start_text)
    except ValueError:
        raise click.BadParameter("应为 YYYY-MM-DD", param_hint="--start") from None
    os.environ.setdefault("BANGFU_ANNUAL_REVIEW_DATE", review_date)
    app = _app()
    try:
        params = with_settings(Parameters(years=years, households=households, seed=seed, start=start), settings)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--set") from None
    with app.app_context():
        existing = run_in(app, count_cases)
    if existing and not force:
        raise click.ClickException(f"数据库中已有 {existing} 个案件：模拟只在空库中运行（确需在此库运行请加 --force）")
    ok = run_and_report(app, params, click.echo)
    if not ok:
        raise SystemExit(1)


def count_cases(session):
    from sqlalchemy import func, select

    from ..cases.models import Case
    return session.scalar(select(func.count()).select_from(Case))


def run_and_report(app, params, echo):
    """Run the replay, print its months, the service's yearly figures and the checks; True when all hold."""
    from .. import clock
    from .. import db
    from .checks import audit, check_all
    from .driver import Simulation
    from .report import summary_lines
    began = wall.perf_counter()
    simulation = Simulation(app, params, echo)
    months = simulation.run()
    with app.app_context():
        verdict = run_in(app, check_all, simulation.kept, params.start, params.end, clock.today())
        verdict.problems["audit"] = audit(db.engine_of(app))
        lines = run_in(app, summary_lines, simulation, months, verdict,
                       YEAR_WORDS.get(params.years, f"{params.years} years"), wall.perf_counter() - began)
    for line in lines:
        echo(line)
    return verdict.ok


def demo_history(app, years, households, echo):
    """`bangfu demo --years N`: N years of history up to the start of this month, once (a database that holds
    cases already keeps them), then back to the real clock."""
    from .. import clock
    from .driver import Simulation
    with app.app_context():
        if run_in(app, count_cases):
            echo("数据库中已有案件，不再生成演示历史")
            return run_in(app, demo_users)
    today = clock.today()
    params = Parameters(years=years, households=households, seed=2026, start=date(today.year - years, today.month, 1),
                        declarations_per_month=max(3.0, households * 6 / 923))
    try:
        Simulation(app, params, echo).run()
    finally:
        clock.reset()
    with app.app_context():
        return run_in(app, demo_users)


def demo_users(session):
    """(username, password, role) of the demo's people: the demo's own and those the replay adds."""
    from sqlalchemy import select

    from ..demo import demo_password
    from ..people.models import User
    return [(u.username, demo_password(u.username), u.role)
            for u in session.scalars(select(User).where(User.active.is_(True)).order_by(User.id))]
