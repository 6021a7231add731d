"""`bangfu register purge --before DATE`: files closed more than 10 years before DATE go, with their cases and
personal data; files closed later and open files stay; a bad date is refused in one line."""
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bangfu import db
from bangfu.cases.models import Case, CaseEvent
from bangfu.demo import answers, declaration
from bangfu.households.models import Household, HouseholdMember, HouseholdStatusChange
from bangfu.tasks.models import HumanTask
from bangfu.testing import approved_standard
from test_cli import bangfu, refused
from test_households import drive, exit_as_center


@pytest.fixture
def cli_env(app, monkeypatch, tmp_path):
    monkeypatch.setenv("BANGFU_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BANGFU_SECRET_KEY", "purge-tests-" + "k" * 40)


def at(clock, text, api=None):
    clock.set_to(datetime.fromisoformat(text).replace(tzinfo=timezone.utc))
    if api is not None:
        api._tokens.clear()  # tokens issued a year earlier have expired


def counts(app):
    with app.app_context():
        session = db.session()
        return {model.__name__: session.scalar(select(func.count()).select_from(model)) for model in
                (Household, HouseholdMember, HouseholdStatusChange, Case, CaseEvent, HumanTask)}


def test_purge_removes_only_files_closed_more_than_ten_years_before_the_date(app, api, rng, cli_env, clock):
    for year in (2015, 2016):  # 建档 in those years is held to their fund standards
        approved_standard(app, start=date(year, 1, 1), kind="year", number=f"苏工党〔{year - 1}〕9号")
    at(clock, "2015-03-02T02:00:00")
    refused_old = api.start()["id"]
    api.complete(refused_old, "declaration", declaration(rng))
    api.complete(refused_old, "preliminary_review", {"decision": "reject", "opinion": "不符合条件"})  # 2015-03-02
    replies_then = answers(rng)
    exited_old = drive(api, replies_then, declaration(rng))
    exit_as_center(app, api.case(exited_old)["household_id"], "died")  # closed 2015-03-02
    kept_open = drive(api, replies_then, declaration(rng))  # filed in 2015, still 在档
    at(clock, "2016-03-03T02:00:00", api)
    exited_later = drive(api, answers(rng), declaration(rng))
    exit_as_center(app, api.case(exited_later)["household_id"], "moved_away")  # closed 2016-03-03
    at(clock, "2026-03-02T02:00:00", api)
    before = counts(app)
    gone = {api.case(c, "center1")["household_id"] for c in (refused_old, exited_old)}

    result = bangfu("register", "purge", "--before", "2026-03-02", "--dry-run")
    assert result.exit_code == 0 and "将删除 2 户档案" in result.output and "未执行删除" in result.output
    assert counts(app) == before

    result = bangfu("register", "purge", "--before", "2026-03-02")

    assert result.exit_code == 0, result.output
    assert "已删除 2 户档案（撤档日期早于2016年3月2日）及其 2 件案件" in result.output
    for case_id in (refused_old, exited_old):
        assert api.get(f"/api/v1/cases/{case_id}", "center1").status_code == 404
    for household_id in gone:
        assert api.get(f"/api/v1/households/{household_id}", "center1").status_code == 404
    for case_id in (kept_open, exited_later):
        assert api.get(f"/api/v1/households/{api.case(case_id)['household_id']}", "center1").status_code == 200
    after = counts(app)
    assert after["Household"] == before["Household"] - 2 and after["Case"] == before["Case"] - 2
    assert after["HouseholdMember"] == before["HouseholdMember"] - 6
    assert after["CaseEvent"] < before["CaseEvent"] and after["HumanTask"] < before["HumanTask"]

    again = bangfu("register", "purge", "--before", "2026-03-02")
    assert "已删除 0 户档案" in again.output


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-13-01", "日期“2026-13-01”无效，应为 YYYY-MM-DD"), ("明年", "日期“明年”无效"),
    ("2026-03-03", "日期不能晚于今天（2026年3月2日）：档案在撤档后须保存 10 年")])
def test_purge_refuses_a_bad_or_future_date_in_one_line(app, cli_env, clock, value, expected):
    at(clock, "2026-03-02T02:00:00")
    assert expected in refused("register", "purge", "--before", value)
