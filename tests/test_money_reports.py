"""帮扶资金报表: households filed, entered and exited; 户次 and yuan by programme, fund, category and union;
education grants; the register month by month. Checked to the fen on a history built here, through the domain
function, the API, the Excel workbook and the CLI."""
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bangfu import clock
from bangfu.households.models import Household, HouseholdStatusChange
from bangfu.households.register import exit_household
from bangfu.money import totals
from bangfu.money.awards import Grant, create_award, end_award
from bangfu.money.models import Instalment, InstalmentStatus, ProgrammeBudget
from bangfu.money.reports import Period, money_report
from bangfu.people.models import Organisation
from bangfu.unit_of_work import run_in
from test_migrations import own_database  # noqa: F401  (fixture)

D = Decimal
TODAY = date(2026, 11, 30)  # the tests' clock


def _household(session, code, name, category, filed_on):
    """A household filed (在档) on `filed_on`, with its status changes, as the register writes them."""
    org = session.scalar(select(Organisation.id).where(Organisation.code == code))
    household = Household(organisation_id=org, worker_name=name, worker_id_number=name, worker_id_digest=name,
                          file_number=f"DA-{name}", category=category, status="filed",
                          declared_on=filed_on, filed_on=filed_on)
    session.add(household)
    session.flush()
    session.add_all([HouseholdStatusChange(household_id=household.id, from_status=None, to_status="declared",
                                           changed_on=filed_on),
                     HouseholdStatusChange(household_id=household.id, from_status="declared", to_status="filed",
                                           changed_on=filed_on)])
    session.flush()
    return household


def _pay(session, award, through, on=None):
    """Mark the award's open instalments due on or before `through` paid (on their due day, or on `on`), and
    count them in the monthly totals as the bank's result does (bank.import_result)."""
    paid = []
    for instalment in session.scalars(select(Instalment).where(Instalment.award_id == award.id,
                                                               Instalment.status == InstalmentStatus.OPEN,
                                                               Instalment.due_on <= through)):
        instalment.status, instalment.paid_on = InstalmentStatus.PAID, on or instalment.due_on
        paid.append(instalment.id)
    session.flush()
    totals.add(session, totals.paid_changes(session, Instalment.id.in_(paid)))


def build_history(session):
    """Five households over 2024-2026, two unions, awards of every programme, some paid. The expected figures
    in the tests below are worked out by hand from this."""
    session.add(ProgrammeBudget(programme="sudden", year=2026, fund_source="charity", amount=D("100000.00")))
    a = _household(session, "U-STEEL", "甲", "deep", date(2025, 6, 10))
    b = _household(session, "U-STEEL", "乙", "deep", date(2026, 1, 20))
    c = _household(session, "U-YANGSHE", "丙", "relative", date(2026, 3, 5))
    d = _household(session, "U-YANGSHE", "丁", "sudden", date(2026, 3, 28))
    e = _household(session, "U-STEEL", "戊", "deep", date(2024, 12, 1))
    exit_household(session, a, "out_of_hardship", None, clock.now(), on=date(2026, 3, 15))
    exit_household(session, d, "moved_away", None, clock.now(), on=date(2026, 9, 30))

    living_a = create_award(session, a, Grant("living", D("500.00")), date(2025, 6, 10))
    _pay(session, living_a, date(2025, 11, 30))
    _pay(session, living_a, date(2025, 12, 31), on=date(2026, 1, 5))  # December's, paid late: in 2026
    living_b = create_award(session, b, Grant("living", D("600.50")), date(2026, 1, 20))
    _pay(session, living_b, date(2026, 3, 31))
    end_award(session, living_b, date(2026, 7, 1), "每半年调整")  # keeps January to June: 6 × 600.50
    create_award(session, b, Grant("living", D("650.00")), date(2026, 7, 1), supersedes=living_b)  # 6 × 650
    _pay(session, create_award(session, b, Grant("warmth", D("800.00")), date(2026, 1, 25)), TODAY, date(2026, 1, 28))
    _pay(session, create_award(session, c, Grant("medical", D("3333.33")), date(2026, 3, 10)), TODAY, date(2026, 3, 20))
    create_award(session, d, Grant("education", D("5000.00"), student_name="李小明", school_level="university"),
                 date(2026, 9, 1))
    _pay(session, create_award(session, e, Grant("education", D("3000.00"), student_name="王小红",
                                                 school_level="high_school"), date(2026, 9, 2)), TODAY, date(2026, 9, 10))
    create_award(session, e, Grant("sudden", D("2000.01")), date(2026, 5, 5))


@pytest.fixture
def history(app):
    run_in(app, build_history)
    return app


def report_of(app, year, month=None):
    return run_in(app, lambda session: money_report(session, Period(year, month), TODAY))


def lines(table):
    return {line.label: (line.times, line.awarded, line.paid) for line in table.lines}


def test_yuan_and_household_times_by_programme_to_the_fen(history):
    programme = report_of(history, 2026).money["programme"]
    assert lines(programme) == {
        "生活救助": (1, D("7503.00"), D("2301.50")),  # 3,603.00 kept + 3,900.00 after the adjustment: one 户次
        "金秋助学": (2, D("8000.00"), D("3000.00")),
        "医疗救助": (1, D("3333.33"), D("3333.33")),
        "送温暖": (1, D("800.00"), D("800.00")),
        "意外致困": (1, D("2000.01"), D("0.00")),
    }
    assert [line.label for line in programme.lines] == ["生活救助", "金秋助学", "医疗救助", "送温暖", "意外致困"]
    assert (programme.total.times, programme.total.awarded, programme.total.paid) == (6, D("21636.34"), D("9434.83"))


def test_yuan_by_fund_source_category_and_union(history):
    money = report_of(history, 2026).money
    assert lines(money["fund_source"]) == {"帮扶资金": (4, D("18836.33"), D("8634.83")),
                                           "工会经费": (1, D("800.00"), D("800.00")),
                                           "慈善": (1, D("2000.01"), D("0.00"))}
    assert lines(money["category"]) == {"深度困难": (4, D("13303.01"), D("6101.50")),
                                        "相对困难": (1, D("3333.33"), D("3333.33")),
                                        "意外致困": (1, D("5000.00"), D("0.00"))}
    assert lines(money["organisation"]) == {"江苏沙钢集团工会": (4, D("13303.01"), D("6101.50")),
                                            "杨舍镇总工会": (2, D("8333.33"), D("3333.33"))}


def test_every_table_total_is_the_sum_of_its_lines(history):
    report = report_of(history, 2026)
    for table in report.money.values():
        assert table.total.times == sum(line.times for line in table.lines) == 6
        assert table.total.awarded == sum(line.awarded for line in table.lines) == D("21636.34")
        assert table.total.paid == sum(line.paid for line in table.lines) == D("9434.83")
    register = report.register
    assert register.total.at_end == sum(line.at_end for line in register.lines)
    assert report.grants.total.amount == sum(line.amount for line in report.grants.lines) == D("8000.00")


def test_households_filed_entered_and_exited_per_union(history):
    register = report_of(history, 2026).register
    found = {line.label: (line.at_start, line.entered, line.exited, line.at_end) for line in register.lines}
    assert found == {"江苏沙钢集团工会": (2, 1, 1, 2), "杨舍镇总工会": (0, 2, 1, 1)}
    assert (register.total.at_start, register.total.entered, register.total.exited, register.total.at_end) == (2, 3, 2, 3)


def test_register_size_month_by_month_goes_down_with_exits(history):
    months = report_of(history, 2026).months.lines
    assert [line.at_end for line in months] == [3, 3, 4, 4, 4, 4, 4, 4, 3, 3, 3]  # through November (today)
    assert (months[2].entered, months[2].exited) == (2, 1)
    assert (months[8].entered, months[8].exited) == (0, 1)
    assert [line.at_end for line in report_of(history, 2025).months.lines] == [1] * 5 + [2] * 7


def test_the_register_per_union_agrees_with_the_status_changes_month_by_month(history):
    for year in (2025, 2026):
        report = report_of(history, year)
        assert report.register.total.at_end == report.months.lines[-1].at_end
        assert report.register.total.entered == sum(line.entered for line in report.months.lines)
        assert report.register.total.exited == sum(line.exited for line in report.months.lines)


def test_a_month_counts_only_what_happened_in_it(history):
    march = report_of(history, 2026, 3)
    assert lines(march.money["programme"]) == {"生活救助": (0, D("0.00"), D("600.50")),
                                               "医疗救助": (1, D("3333.33"), D("3333.33"))}
    assert march.money["programme"].total.paid == D("3933.83")
    total = march.register.total
    assert (total.at_start, total.entered, total.exited, total.at_end) == (3, 2, 1, 4)
    assert march.grants.lines == []
    assert march.period.label == "2026年3月"


def test_education_grants_name_each_student_with_level_file_and_union(history):
    grants = report_of(history, 2026).grants.lines
    found = {(g.student_name, g.school_level_label, g.amount, g.file_number, g.union) for g in grants}
    assert found == {("李小明", "大学", D("5000.00"), "DA-丁", "杨舍镇总工会"),
                     ("王小红", "高中", D("3000.00"), "DA-戊", "江苏沙钢集团工会")}


def test_a_year_without_anything_is_empty_not_an_error(app):
    report = report_of(app, 2019)
    assert all(not table.lines for table in report.money.values())
    assert report.register.lines == [] and report.grants.lines == []
    assert [line.at_end for line in report.months.lines] == [0] * 12


# ---------------------------------------------------------------- API

def test_api_answers_the_report_with_amounts_as_decimal_text(history, api):
    response = api.get("/api/v1/reports/money?year=2026", "finance1")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    programme = body["money"]["programme"]
    assert programme["total"] == {"key": None, "label": "合计", "times": 6, "awarded": "21636.34", "paid": "9434.83"}
    assert {line["label"]: line["paid"] for line in programme["lines"]}["生活救助"] == "2301.50"
    assert body["register"]["total"]["at_end"] == 3
    assert body["grants"]["total"] == {"count": 2, "amount": "8000.00"}
    assert body["months"]["lines"][-1] == {"month": 11, "label": "2026年11月", "entered": 0, "exited": 0, "at_end": 3}
    assert body["period"]["label"] == "2026年" and body["centre"] == "张家港市职工援助服务中心"
    march = api.get("/api/v1/reports/money?year=2026&month=3", "supervisor1").get_json()
    assert march["money"]["programme"]["total"]["paid"] == "3933.83"


@pytest.mark.parametrize("query, field", [("", "year"), ("year=abc", "year"), ("year=1899", "year"),
                                          ("year=2026&month=13", "month"), ("year=2026&month=0", "month"),
                                          ("year=2026&month=x", "month")])
def test_bad_year_or_month_is_a_400_naming_the_field(app, api, query, field):
    for path in ("/api/v1/reports/money", "/api/v1/reports/money.xlsx"):
        response = api.get(f"{path}?{query}", "center1")
        assert response.status_code == 400, (path, query, response.get_json())
        assert list(response.get_json()["error"]["fields"]) == [field]


@pytest.mark.parametrize("user, status", [("center1", 200), ("supervisor1", 200), ("approver1", 200),
                                          ("finance1", 200), ("inspector1", 200), ("head1", 200),
                                          ("union1", 403), ("thirdparty1", 403), ("designer1", 403)])
def test_who_may_read_the_report(app, api, user, status):
    """A grassroots union is refused: the report is every union's figures, for the centre to report upward."""
    for path in ("/api/v1/reports/money?year=2026", "/api/v1/reports/money.xlsx?year=2026"):
        assert api.get(path, user).status_code == status


def test_without_a_token_the_report_is_401(app):
    assert app.test_client().get("/api/v1/reports/money?year=2026").status_code == 401


# ---------------------------------------------------------------- Excel

def _workbook(api, query="year=2026"):
    response = api.get(f"/api/v1/reports/money.xlsx?{query}", "center1")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.data))


def test_workbook_has_a_sheet_per_table_with_title_headers_and_frozen_header(history, api):
    book = _workbook(api)
    assert book.sheetnames == ["在档家庭", "按帮扶项目", "按资金来源", "按困难类别", "按基层工会", "金秋助学", "在档户数逐月"]
    sheet = book["按帮扶项目"]
    assert sheet["A1"].value == "张家港市职工援助服务中心 2026年帮扶资金报表：按帮扶项目"
    assert [c.value for c in sheet[2]] == ["帮扶项目", "户次", "审批金额（元）", "发放金额（元）"]
    assert sheet.freeze_panes == "A3"
    assert [c.value for c in book["金秋助学"][2]][:4] == ["序号", "学生姓名", "就读阶段", "资助金额（元）"]


def test_workbook_number_formats_and_totals_equal_the_lines(history, api):
    for name in ("按帮扶项目", "按资金来源", "按困难类别", "按基层工会"):
        sheet = _workbook(api)[name]
        rows = list(sheet.iter_rows(min_row=3))
        body, total = rows[:-1], rows[-1]
        assert total[0].value == "合计" and total[0].font.b
        assert all(row[1].number_format == "#,##0" and isinstance(row[1].value, int) for row in rows)
        assert all(row[2].number_format == "#,##0.00" and row[3].number_format == "#,##0.00" for row in rows)
        assert total[1].value == sum(row[1].value for row in body) == 6
        for column, expected in ((2, D("21636.34")), (3, D("9434.83"))):
            assert D(str(total[column].value)) == expected
            assert sum(D(str(row[column].value)) for row in body) == expected
    living = [r for r in _workbook(api)["按帮扶项目"].iter_rows(min_row=3, values_only=True) if r[0] == "生活救助"]
    assert living == [("生活救助", 1, 7503.0, 2301.5)]


def test_workbook_register_and_grant_sheets(history, api):
    book = _workbook(api)
    register = list(book["在档家庭"].iter_rows(min_row=2, values_only=True))
    assert register[0] == ("基层工会", "期初在档（户）", "新建档（户）", "退出（户）", "期末在档（户）")
    assert register[-1] == ("合计", 2, 3, 2, 3)
    grants = list(book["金秋助学"].iter_rows(min_row=3, values_only=True))
    assert grants[-1][:4] == ("合计", "2人", None, 8000.0)
    assert book["金秋助学"].cell(row=3, column=4).number_format == "#,##0.00"
    months = list(book["在档户数逐月"].iter_rows(min_row=3, values_only=True))
    assert [row[3] for row in months[:-1]] == [3, 3, 4, 4, 4, 4, 4, 4, 3, 3, 3]
    assert months[-1] == ("合计（在档取期末）", 3, 2, 3)


def test_workbook_of_a_month_names_it(history, api):
    sheet = _workbook(api, "year=2026&month=3")["按帮扶项目"]
    assert sheet["A1"].value.endswith("2026年3月帮扶资金报表：按帮扶项目")


# ---------------------------------------------------------------- CLI

def test_cli_writes_the_workbook_and_says_the_totals(history, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from bangfu.cli import main
    monkeypatch.setenv("BANGFU_DATABASE_URL", history.config["DATABASE_URL"])
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", history.instance_path)
    monkeypatch.setenv("BANGFU_SECRET_KEY", "cli-tests-" + "k" * 40)
    out = tmp_path / "report.xlsx"
    result = CliRunner().invoke(main, ["report", "money", "--year", "2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "户次 6，审批 ¥21,636.34，发放 ¥9,434.83" in result.output
    assert load_workbook(out).sheetnames[0] == "在档家庭"
    bad = CliRunner().invoke(main, ["report", "money", "--year", "2026", "--month", "13", "--out", str(out)])
    assert bad.exit_code == 2 and "--month" in bad.output and "Traceback" not in bad.output
    nowhere = CliRunner().invoke(main, ["report", "money", "--year", "2026", "--out", str(tmp_path / "no" / "x.xlsx")])
    assert nowhere.exit_code == 1 and nowhere.output.startswith("错误：无法写入") and "Traceback" not in nowhere.output


# ---------------------------------------------------------------- the monthly totals

def test_the_monthly_totals_agree_with_the_awards_and_instalments_to_the_fen(history):
    """Approving (a new 户次 or a continuation), ending early and paying each kept the totals the report reads."""
    assert run_in(history, totals.differences) == {}
    stored = run_in(history, totals.stored)
    assert sum(times for times, _, _ in stored.values()) == 7  # eight awards, one a continuation


def test_a_total_changed_behind_the_commands_back_is_found_and_rebuilt(history):
    """An auditor's check: a totals row edited by hand shows as a difference naming its month and keys, and
    `rebuild` puts the figures back from the awards and instalments."""
    from sqlalchemy import update

    from bangfu.money.models import MoneyTotal
    run_in(history, lambda s: s.execute(update(MoneyTotal).where(MoneyTotal.programme == "medical")
                                        .values(paid=D("1.00"))))
    found = run_in(history, totals.differences)
    assert [(k[0], k[1]) for k in found] == [(date(2026, 3, 1), "medical")]
    assert found[next(iter(found))][1][2] == D("3333.33")
    run_in(history, totals.rebuild)
    assert run_in(history, totals.differences) == {}
    assert lines(report_of(history, 2026).money["programme"])["医疗救助"][2] == D("3333.33")


# ---------------------------------------------------------------- upgrading

def test_upgrading_copies_each_awards_keys_onto_its_instalments(own_database):
    """Instalments written before 0015_reports get their award's fund source, category and union."""
    from alembic import command
    from sqlalchemy import text

    from bangfu import testing
    from bangfu.migrate import upgrade
    from conftest import INSTANCE_DIR, make_app
    from test_migrations import _alembic

    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    run_in(app, build_history)
    _alembic(own_database, command.downgrade, "0011_money")
    _alembic(own_database, command.upgrade, "0015_reports")
    from bangfu import db
    with db.engine_of(app).connect() as conn:
        rows = conn.execute(text("SELECT i.fund_source, a.fund_source, i.category, a.category, i.organisation_id, "
                                 "a.organisation_id FROM instalments i JOIN awards a ON a.id = i.award_id")).all()
    db.engine_of(app).dispose()
    assert len(rows) > 20
    assert all(row[0] == row[1] and row[2] == row[3] and row[4] == row[5] for row in rows)
    assert {row[0] for row in rows} == {"hardship_fund", "union_funds", "charity"}


def test_upgrading_fills_the_monthly_totals_from_the_awards_and_paid_instalments(own_database):
    """A database with awards and payments from before 0016_money_totals gets the totals they give."""
    from alembic import command

    from bangfu import db, testing
    from bangfu.migrate import upgrade
    from conftest import INSTANCE_DIR, make_app
    from test_migrations import _alembic

    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    run_in(app, build_history)
    before = report_of(app, 2026)
    _alembic(own_database, command.downgrade, "0015_reports")
    _alembic(own_database, command.upgrade, "0016_money_totals")
    db.engine_of(app).dispose()
    assert run_in(app, totals.differences) == {}
    after = report_of(app, 2026)
    for dimension in ("programme", "fund_source", "category", "organisation"):
        assert lines(after.money[dimension]) == lines(before.money[dimension])


def test_upgrading_gives_approved_programme_cases_their_awards_amount(own_database):
    """0018: a programme case approved before carries its award's amount (whole fen on SQLite) in yuan."""
    from alembic import command
    from sqlalchemy import text, update

    from bangfu import db, testing
    from bangfu.cases.models import Case
    from bangfu.migrate import upgrade
    from conftest import INSTANCE_DIR, Api, make_app
    from money_helpers import deploy_programmes
    from test_migrations import _alembic

    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    deploy_programmes(app)
    api = Api(app)
    household = run_in(app, lambda s: _household(s, "U-STEEL", "甲", "deep", date(2026, 1, 5)).id)
    case = api.post(f"/api/v1/households/{household}/programme-applications", "center1",
                    json={"process": "sudden_aid"}).get_json()
    assert "id" in case, case
    api.complete(case["id"], "application_centre", {"accident_date": "2026-11-20", "requested_amount": 1234.56,
                                                    "accident_description": "家中失火"}, user="center1")
    api.complete(case["id"], "programme_review", {"decision": "pass", "opinion": "齐全"}, user="center1")
    api.complete(case["id"], "programme_approval", {"decision": "approve", "opinion": "同意"}, user="approver1")
    run_in(app, lambda s: s.execute(update(Case).where(Case.id == case["id"]).values(approved_amount=None)))
    _alembic(own_database, command.downgrade, "0017_adjustment_decision_note")
    _alembic(own_database, command.upgrade, "0018_programme_case_amounts")
    with db.engine_of(app).connect() as conn:
        amount = conn.execute(text("SELECT approved_amount FROM cases WHERE id = :id"), {"id": case["id"]}).scalar()
    db.engine_of(app).dispose()
    assert Decimal(str(amount)).quantize(D("0.01")) == D("1234.56")
