"""China's working days: the package's years, the years the centre imports (`bangfu calendar import`), a clear
refusal for a year nobody has data for, tasks that wait for it, and the helpers model expressions call in the
service process and in a script worker."""
from datetime import date, datetime

import pytest
from click.testing import CliRunner

from bangfu import calendar
from bangfu.cli import main
from bangfu.config import LOCAL_TIMEZONE
from bangfu.engine.sandbox import SandboxEnvironment, is_cheap
from bangfu.engine.workdays import Workdays, YearNotKnown
from bangfu.unit_of_work import run_in
from conftest import INSTANCE_DIR

NO_2027 = "2027年的节假日安排尚未导入，无法按工作日计算；请中心管理员导入"
YEAR_2027 = """# 2027 年部分节假日安排（测试用）
日期,类型,名称,备注
2027-01-01,休,元旦
2027-02-06,班,春节调休,周六上班
2027-02-08,休,春节
2027-02-09,休,春节
"""


@pytest.fixture
def bangfu(migrated, monkeypatch):
    """The `bangfu` command on the tests' database."""
    monkeypatch.setenv("BANGFU_DATABASE_URL", migrated)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(INSTANCE_DIR))
    monkeypatch.setenv("BANGFU_SECRET_KEY", "calendar-tests-" + "k" * 40)

    def run(*args, exit_code=0):
        result = CliRunner().invoke(main, [str(a) for a in args], prog_name="bangfu")
        assert result.exit_code == exit_code, (result.output, result.exception)
        assert "Traceback" not in result.output
        return result.output
    return run


def known(app, day):
    with app.app_context():
        return run_in(app, lambda session: calendar.is_working_day(day, calendar.current(session)))


def test_the_package_knows_national_day_and_its_make_up_saturday(app):
    assert known(app, date(2026, 10, 1)) is False
    assert known(app, date(2026, 10, 8)) is True
    assert known(app, date(2026, 10, 10)) is True, "Saturday 10 October 2026 is worked (调休)"
    assert known(app, date(2026, 10, 11)) is False
    assert calendar.working_period_end(date(2026, 9, 28), 5) == date(2026, 10, 9)


def test_a_year_without_data_is_refused_in_chinese_and_never_guessed(app, bangfu):
    with pytest.raises(YearNotKnown) as raised:
        known(app, date(2027, 3, 1))
    assert str(raised.value) == NO_2027
    assert NO_2027 in bangfu("calendar", "show", 2027, exit_code=1)


def test_import_stores_the_year_says_what_it_stored_and_replaces_it_whole(app, bangfu, tmp_path, clock):
    file = tmp_path / "2027.csv"
    file.write_text(YEAR_2027, encoding="utf-8")
    said = bangfu("calendar", "import", file)
    assert "2027年：已导入 4 天（工作日放假 3 天，调休上班 1 天）" in said
    assert known(app, date(2027, 1, 1)) is False
    assert known(app, date(2027, 2, 6)) is True, "the make-up Saturday"
    assert known(app, date(2027, 3, 1)) is True, "the rest of the year follows the week"
    assert known(app, date(2027, 3, 6)) is False
    shown = bangfu("calendar", "show", 2027)
    assert "2027-02-06 周六  班  春节调休（周六上班）" in shown and "来源：中心导入" in shown

    file.write_text("2027-01-01,休,元旦\n", encoding="utf-8")
    clock.advance(minutes=5)  # the administrator imports again later (the cache's stamp is the import's instant)
    assert "已替换 1 天" in bangfu("calendar", "import", file)
    assert known(app, date(2027, 2, 8)) is True, "the second import replaced the year: 8 February is a Monday again"


def test_an_imported_year_overrides_the_package(app, bangfu, tmp_path):
    file = tmp_path / "2026.json"
    file.write_text('[{"date": "2026-12-31", "type": "休", "name": "测试假日"}]', encoding="utf-8")
    bangfu("calendar", "import", file)
    assert known(app, date(2026, 12, 31)) is False
    assert known(app, date(2026, 10, 1)) is True, "the table replaces the package's year whole"


def test_a_bad_file_is_refused_line_by_line_and_nothing_is_stored(app, bangfu, tmp_path):
    file = tmp_path / "bad.csv"
    file.write_text("2027-01-01,休,元旦\n2027-01-01,休,元旦\n2027-02-30,休,春节\n2027-02-09,班,春节调休\n"
                    "2028-01-03,休,元旦\n2027-05-01,放,劳动节\n", encoding="utf-8")
    said = bangfu("calendar", "import", file, exit_code=1)
    assert "bad.csv：导入文件有误，未导入任何内容" in said
    assert "第 2 行：2027-01-01 与第 1 行重复" in said
    assert "第 3 行：日期“2027-02-30”无效" in said
    assert "第 4 行：2027-02-09 是周二，本来就上班，无需标为“班”" in said
    assert "第 5 行：一个文件只能导入一年：本文件从 2027 年开始，此行为 2028 年" in said
    assert "第 6 行：第二列“放”应为“休”（放假）或“班”（调休上班）" in said
    assert NO_2027 in bangfu("calendar", "show", 2027, exit_code=1), "nothing was imported"
    empty = tmp_path / "empty.csv"
    empty.write_text("# nothing\n", encoding="utf-8")
    assert "文件中没有任何日期" in bangfu("calendar", "import", empty, exit_code=1)


def test_a_task_due_in_a_year_without_data_opens_undated_and_the_import_dates_it(app, api, clock, bangfu, tmp_path,
                                                                                 household):
    """初审 opened on Monday 28 December 2026 has 5 working days: 29, 30, 31 December, then 2027."""
    clock.set_to(datetime(2026, 12, 28, 9, tzinfo=LOCAL_TIMEZONE))
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    task = api.open_task(case_id, "preliminary_review")
    assert task["due_at"] is None and task["due_pending"] == "期限待定：2027年节假日安排尚未导入"
    from test_pages import Browser
    assert "期限待定：2027年节假日安排尚未导入" in Browser(app, "union1").get("/inbox").get_data(as_text=True)

    file = tmp_path / "2027.csv"
    file.write_text(YEAR_2027, encoding="utf-8")
    assert "1 个待办任务已按新日历算出办理期限" in bangfu("calendar", "import", file)
    task = api.open_task(case_id, "preliminary_review")
    assert task["due_pending"] is None
    due = datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TIMEZONE)
    assert due.date() == date(2027, 1, 5), "1 January is off: 29, 30, 31 December, 4 and 5 January"


WORKDAYS = Workdays({2026: ({date(2026, 10, d) for d in (1, 2, 5, 6, 7)}, {date(2026, 9, 20), date(2026, 10, 10)})})


@pytest.mark.parametrize("expression, in_process", [
    ('add_working_days("2026-09-30", 3)', True),
    ('add_working_days(notice["start"], days)', True),
    ('add_working_days(notice["start"], days + 0)', False),  # an operator: a worker runs it
])
def test_add_working_days_gives_the_same_answer_in_the_service_and_in_a_worker(expression, in_process):
    sandbox = SandboxEnvironment(calendar=lambda: WORKDAYS)
    assert is_cheap(expression) is in_process
    context = {"notice": {"start": "2026-09-30"}, "days": 3}
    assert sandbox.evaluate(expression, context) == "2026-10-10", "8 and 9 October, then the make-up Saturday"


@pytest.mark.parametrize("expression", ['is_working_day(day)', 'is_working_day(day) and True or False',
                                        '[is_working_day(d) for d in [day]][0]'])
def test_is_working_day_in_both_paths(expression):
    sandbox = SandboxEnvironment(calendar=lambda: WORKDAYS)
    assert sandbox.evaluate(expression, {"day": "2026-10-10"}) is True
    assert sandbox.evaluate(expression, {"day": "2026-10-05"}) is False


@pytest.mark.parametrize("expression", ['add_working_days("2027-01-04", 1)', '[add_working_days("2027-01-04", 1)][0]'])
def test_a_helper_on_a_year_without_data_fails_with_the_same_error_in_both_paths(expression):
    sandbox = SandboxEnvironment(calendar=lambda: WORKDAYS)
    with pytest.raises(YearNotKnown, match=NO_2027):
        sandbox.evaluate(expression, {})


def test_a_script_in_a_worker_sees_the_years_the_centre_imported(app, bangfu, tmp_path):
    file = tmp_path / "2027.csv"
    file.write_text(YEAR_2027, encoding="utf-8")
    bangfu("calendar", "import", file)
    from bangfu.services import services
    with app.app_context():
        sandbox = services().engine.script_engine.environment

        def run(session):
            context = {"start": "2027-02-05"}
            sandbox.execute("due = add_working_days(start, 1)\nok = is_working_day('2027-02-08')", context)
            return context
        context = run_in(app, run)
    assert context["due"] == "2027-02-06" and context["ok"] is False
