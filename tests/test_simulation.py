"""A year of a centre with 50 households replayed through the service's own commands and scheduler ticks
(`bangfu simulate`), and every point the issue lists under "What must hold" asserted on the result."""
import re
from datetime import date
from decimal import Decimal

import pytest
from conftest import _empty_tables, make_app
from test_cli import database, ok, refused  # noqa: F401  (database: the CLI tests' untouched database)
from test_pages import widget

from bangfu import clock, db
from bangfu.demo import demo_password
from bangfu.households.models import EXIT_REASONS
from bangfu.simulation.checks import audit, check_all
from bangfu.simulation.driver import Simulation
from bangfu.simulation.parameters import Parameters, with_settings
from bangfu.simulation.report import problem_lines, summary_lines
from bangfu.unit_of_work import run_in


@pytest.fixture
def empty_app(migrated):
    app = make_app(migrated, ANNUAL_REVIEW_DATE="01-05")
    _empty_tables(app)
    yield app
    db.engine_of(app).dispose()


def test_a_year_of_fifty_households_reconciles_and_leaves_nothing_twice_or_stuck(empty_app):
    params = Parameters(years=1, households=50, seed=7, start=date(2021, 1, 1), declarations_per_month=3,
                        failed_transfers=0.05, return_to_hardship=0.5)
    printed = []
    simulation = Simulation(empty_app, params, printed.append)
    months = simulation.run()
    kept = simulation.kept
    assert [(m.year, m.month) for m in months] == [(2021, n) for n in range(1, 13)]
    assert len(printed) == 12 and all("在档" in line and "转账失败" in line for line in printed)
    assert kept.refusals == [] and kept.incidents == []
    assert kept.opening == 50
    # The year happened: exits at the January review, failed transfers paid again, workers returning.
    assert sum(kept.exits.values()) > 5
    assert sum(m.failed for m in months) > 0
    assert sum(m.paid for m in months) > 0
    assert kept.returns  # workers found in need again at the 脱困 follow-up declared again (their links are checked)

    with empty_app.app_context():
        verdict = run_in(empty_app, check_all, kept, params.start, params.end, clock.today())
        problems = {**verdict.problems, "audit": audit(db.engine_of(empty_app))}
    # Reconciled to the fen, nothing twice, nothing stuck, the register agrees with itself, the audit chain holds.
    assert problems == {"money": [], "twice": [], "stuck": [], "register": [], "audit": []}
    figures = verdict.figures
    assert figures["paid"] == sum(m.paid for m in months) + _paid_before(empty_app, params.start)
    assert figures["awarded"] == figures["paid"] + figures["pending"] + figures["not_yet_due"]
    assert figures["times"] > 25  # 送温暖 alone reaches every household filed at the Spring Festival
    with empty_app.app_context():
        summary = run_in(empty_app, summary_lines, simulation, months, verdict, "one year", 1.0)
    _pages_show_the_year(empty_app, kept, figures)
    [reasons] = [line for line in summary if "退出原因" in line]
    assert "脱困" in reasons and "out_of_hardship" not in reasons  # what an operator reads is Chinese
    assert summary[-1].startswith("one year: households 50 -> ") and summary[-1].endswith("reconciled: yes")


def _pages_show_the_year(app, kept, figures):
    """What a supervisor sees after the year: the dashboard's register chart is the register at each month's end
    (the count the simulation kept, falling with the January exits), as the money report's; the report shows the
    year's yuan and the exits by reason, the same figures the replay printed."""
    supervisor = _signed_in(app, "supervisor1")
    register = widget(supervisor.get("/dashboard").get_data(as_text=True), "chart-register")
    sizes = dict(zip(register["labels"], register["datasets"][0]["data"]))
    kept_sizes = {f"2021年{month}月": kept.month_ends[(2021, month)] for month in range(1, 13)}
    assert {label: sizes[label] for label in kept_sizes} == kept_sizes
    assert sizes["2020年12月"] == kept.opening and kept_sizes["2021年1月"] < kept.opening  # the January review
    page = supervisor.get("/reports/money?year=2021").get_data(as_text=True)
    assert widget(page, "chart-register")["datasets"][0]["data"] == [kept.opening, *kept_sizes.values()]
    by_year = widget(page, "chart-by-year")
    paid = dict(zip(by_year["labels"], by_year["datasets"][1]["data"]))
    assert Decimal(paid["2021年"]) == figures["period_paid"]
    exits = widget(page, "chart-exits")
    assert dict(zip(exits["labels"], exits["datasets"][0]["data"])) == {
        EXIT_REASONS[reason]: count for reason, count in kept.exits.items()}


def _signed_in(app, username):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": demo_password(username),
                                           "csrf_token": token})
    assert response.status_code == 302
    return client


def _paid_before(app, start):
    from sqlalchemy import func, select

    from bangfu.money.models import LineState, PaymentLine

    def paid(session):
        return session.scalar(select(func.coalesce(func.sum(PaymentLine.amount), 0)).where(
            PaymentLine.state == LineState.PAID, PaymentLine.settled_on < start))
    with app.app_context():
        return run_in(app, paid)


def test_simulate_refuses_a_database_that_holds_cases_unless_forced(database):  # noqa: F811
    ok("init")
    ok("demo")
    error = refused("simulate", "--years", "1", "--households", "5")
    assert "已有" in error and "--force" in error


def test_a_centre_replays_its_own_rates_and_a_wrong_setting_is_named(database):  # noqa: F811
    tuned = with_settings(Parameters(), ["annual_exit_rate=0.4", "warmth_amount = 600"])
    assert (tuned.annual_exit_rate, tuned.warmth_amount) == (0.4, Decimal("600"))
    for setting, reason in (("exit_rate=0.4", "没有名为 exit_rate 的参数"), ("annual_exit_rate=1.5", "应在 0 到 1 之间"),
                            ("warmth_amount=-1", "不小于 0"), ("living_aid_share=nan", "不小于 0"),
                            ("objections=many", "应为数字")):
        error = refused("simulate", "--years", "1", "--set", setting, exit_code=2)
        assert reason in error and "--set" in error, error


def test_a_failed_check_is_named_in_chinese():
    """The printout named a failed check by its key ("✗ money: 对账不平…"); the operator reads its Chinese name."""
    assert problem_lines({"money": ["对账不平"], "twice": [], "audit": ["审计日志第 3 条被改动"]}) == \
        ["  ✗ 资金核对：对账不平", "  ✗ 审计日志：审计日志第 3 条被改动"]
