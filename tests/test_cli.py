"""The `bangfu` command on a fresh database: init, organisations, users, tokens, deployment, help."""
import os
import re
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text

from bangfu import create_app, db
from bangfu.cli import main
from bangfu.config import SETTINGS
from bangfu.process_models.models import ProcessModelVersion
from bangfu.resources import bundled_models

ROOT = Path(__file__).resolve().parent.parent
BPMN = ROOT / "bpmn" / "hardship_assistance.bpmn"


@pytest.fixture
def database(tmp_path, monkeypatch):
    """A database nobody has touched: a new SQLite file, or a new schema on BANGFU_TEST_DATABASE_URL."""
    base = os.environ.get("BANGFU_TEST_DATABASE_URL")
    admin = schema = None
    if base:
        schema = f"bangfu_cli_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    else:
        url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("BANGFU_DATABASE_URL", url)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BANGFU_SECRET_KEY", "cli-tests-" + "k" * 40)
    monkeypatch.delenv("BANGFU_TOKEN", raising=False)  # the commands sign in only as each test says
    yield url
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def bangfu(*args, token=None, password=None):
    """Run `bangfu ARGS`; with `token` in BANGFU_TOKEN, `password` typed at its prompt."""
    env = {"BANGFU_TOKEN": token} if token else {}
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="bangfu", env=env,
                              input=None if password is None else f"{password}\n")


def ok(*args, **sign_in):
    """Run a command that must succeed (signing in with `token` or `password`, see `bangfu`); its stdout."""
    result = bangfu(*args, **sign_in)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def refused(*args, exit_code=1, **sign_in):
    """Run a command that must fail cleanly; return its one `错误：` line."""
    result = bangfu(*args, **sign_in)
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit), f"crashed with {result.exception!r}"
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("错误：")]
    assert len(errors) == 1, result.output
    return errors[0]


BUNDLED = len([f for f in bundled_models().iterdir() if f.name.endswith(".bpmn")])  # `bangfu init` deploys each


def versions(url):
    app = create_app({"DATABASE_URL": url})
    with app.app_context():
        count = db.session().scalar(select(func.count()).select_from(ProcessModelVersion))
    db.engine_of(app).dispose()
    return count


def sign_in(url, username, password):
    app = create_app({"DATABASE_URL": url})
    response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": password})
    db.engine_of(app).dispose()
    return response


@pytest.fixture
def ready(database):
    """An initialised database with a union, a centre, and a union user `alice`."""
    ok("init")
    ok("org", "add", "U-TEST", "--name", "测试工会", "--kind", "union")
    ok("org", "add", "C-TEST", "--name", "测试援助中心", "--kind", "center")
    ok("user", "add", "alice", "--role", "grassroots_union", "--org", "U-TEST", "--password", "alice-secret")
    return database


def test_init_creates_the_database_and_running_it_again_changes_nothing(database):
    first = ok("init")
    assert "hardship_assistance.bpmn：已部署为第 1 版" in first
    assert "annual_review.bpmn：已部署为第 1 版" in first
    assert "household_exit.bpmn：已部署为第 1 版" in first
    assert "数据库已就绪：" in first
    second = ok("init")
    assert "hardship_assistance.bpmn：未改动，仍为第 1 版" in second
    assert "已部署" not in second
    assert versions(database) == BUNDLED


def test_a_user_added_on_the_command_line_signs_in_with_their_password(ready):
    assert ok("user", "add", "bob", "--role", "approver", "--org", "C-TEST", "--password", "bob-secret-1",
              "--name", "审批人 鲍勃").strip() == "用户 bob 已添加"
    response = sign_in(ready, "bob", "bob-secret-1")
    assert response.status_code == 200, response.get_json()
    user = response.get_json()["user"]
    assert (user["role"], user["display_name"], user["organisation"]["code"]) == ("approver", "审批人 鲍勃", "C-TEST")
    assert sign_in(ready, "bob", "wrong-secret").status_code == 401


@pytest.mark.parametrize("args, exit_code, expected", [
    (["carol", "--role", "boss", "--org", "U-TEST"], 2, "--role 的值无效"),
    (["carol", "--role", "approver", "--org", "U-TEST"], 1,
     "错误：角色与机构类型不符（org: 审批人须属于职工援助服务中心类机构）"),
    (["carol", "--role", "grassroots_union", "--org", "C-TEST"], 1,
     "错误：角色与机构类型不符（org: 基层工会须属于基层工会类机构）"),
    (["carol", "--role", "grassroots_union", "--org", "NOPE"], 1, "错误：机构不存在（org: 没有代码为 NOPE 的机构）"),
    (["alice", "--role", "grassroots_union", "--org", "U-TEST"], 1, "错误：用户名 alice 已存在（username: 已存在）"),
])
def test_user_add_refuses_bad_input_in_one_line_without_a_traceback(ready, args, exit_code, expected):
    line = refused("user", "add", *args, "--password", "carol-secret", exit_code=exit_code)
    assert expected in line
    assert sign_in(ready, "carol", "carol-secret").status_code == 401
    assert sign_in(ready, "alice", "alice-secret").status_code == 200


def test_user_add_refuses_a_short_password(ready):
    line = refused("user", "add", "carol", "--role", "grassroots_union", "--org", "U-TEST", "--password", "short")
    assert line == "错误：密码太短（password: 至少 8 个字符）"
    assert "short" not in line.replace("密码太短", "")


def test_org_add_refuses_a_duplicate_code_or_an_unknown_kind(ready):
    assert refused("org", "add", "U-TEST", "--name", "另一个", "--kind", "union") == \
        "错误：机构代码 U-TEST 已存在（code: 已存在）"
    assert "--kind 的值无效" in refused("org", "add", "X-1", "--name", "某机构", "--kind", "club",
                                                   exit_code=2)
    assert refused("user", "add", "dave", "--role", "grassroots_union", "--org", "X-1", "--password",
                   "dave-secret") == "错误：机构不存在（org: 没有代码为 X-1 的机构）"


def test_token_prints_a_bearer_token_the_api_accepts(ready):
    output = ok("token", "alice")
    assert len(output.splitlines()) == 1
    app = create_app({"DATABASE_URL": ready})
    me = app.test_client().get("/api/v1/auth/me", headers={"Authorization": f"Bearer {output.strip()}"})
    db.engine_of(app).dispose()
    assert me.status_code == 200
    assert me.get_json()["username"] == "alice"


def test_token_for_an_unknown_user_fails_cleanly(ready):
    assert refused("token", "ghost") == "错误：用户 ghost 不存在"


BROKEN = {
    "unsafe condition": (b'preliminary_review["decision"] == "approve"', b'__import__("os").system("true")',
                         "flow_preliminary_approve"),
    "missing form file": (b'value="approval.schema.json"', b'value="missing.schema.json"', "approval"),
    "service task": (b'<bpmn:sequenceFlow id="flow_payment_end"',
                     b'<bpmn:serviceTask id="call_bank" name="x" /><bpmn:sequenceFlow id="flow_payment_end"',
                     "call_bank"),
}


@pytest.mark.parametrize("old, new, element", BROKEN.values(), ids=BROKEN)
def test_deploying_a_broken_model_names_the_element_and_deploys_nothing(ready, tmp_path, old, new, element):
    source = BPMN.read_bytes()
    assert old in source
    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(source.replace(old, new))
    line = refused("deploy", broken)
    assert line.startswith("错误：流程模型无效，未部署")
    assert f"{element}:" in line
    assert versions(ready) == BUNDLED


def test_deploying_a_file_over_5_mb_is_refused_without_reading_it_whole(ready, tmp_path):
    """The CLI read the whole file (`bangfu deploy /dev/zero` never ended); it reads up to the API's limit."""
    large = tmp_path / "large.bpmn"
    large.write_bytes(BPMN.read_bytes().replace(b"</bpmn:definitions>", b"<!--" + b"x" * (5 * 1024 * 1024) + b"-->"
                                                 b"</bpmn:definitions>"))
    assert refused("deploy", large) == "错误：文件过大（file: BPMN 文件不能超过 5 MB）"
    assert versions(ready) == BUNDLED


def test_migrating_between_versions_no_model_can_have_is_refused_not_a_crash(ready):
    """--from 2**63 crashed with OverflowError (SQLite cannot bind it); a 5 000-character key was echoed whole."""
    assert refused("cases", "migrate", "hardship_assistance", "--from", str(2 ** 63), "--to", str(2 ** 64)) == \
        f"错误：流程模型 hardship_assistance 没有第 {2 ** 63} 版（version: 没有第 {2 ** 63} 版）"
    assert refused("cases", "migrate", "x" * 5000, "--from", "1", "--to", "2") == f"错误：流程模型 {'x' * 100} 不存在"


def test_deploying_a_changed_model_adds_a_version_once(ready, tmp_path):
    changed = tmp_path / "changed.bpmn"
    changed.write_bytes(BPMN.read_bytes().replace(b"</bpmn:definitions>", b"<!-- v2 --></bpmn:definitions>"))
    assert ok("deploy", changed, "--comment", "v2").strip() == "hardship_assistance：已部署第 2 版"
    assert ok("deploy", changed).strip() == "hardship_assistance：未改动，最新仍为第 2 版"
    assert versions(ready) == BUNDLED + 1


def test_the_annual_review_starts_from_the_command_line_once_a_year(ready):
    assert ok("annual-review", "start", "2027").strip() == "2027 年度复核：本次发起 0 户，此前已发起 0 户"
    assert "2027 年度复核：本次发起 0 户" in ok("annual-review", "start", "2027")
    assert refused("annual-review", "start", "1999") == "错误：复核年度无效（year: 应为 2000 到 2100 之间的年份）"


def test_help_lists_every_setting_on_its_own_line(database):
    output = ok("--help")
    lines = [line.strip() for line in output.splitlines()]
    for setting in SETTINGS:
        assert any(line.startswith(setting.env) and line.endswith(setting.help) for line in lines), (setting.env, output)
    assert "BANGFU_DATABASE_URL" in output


def test_python_dash_m_bangfu_cli_has_every_command_bangfu_has():
    """`bangfu serve` starts its scheduler as `python -m bangfu.cli`, and so may an operator's unit file."""
    import subprocess
    import sys
    listed = subprocess.run([sys.executable, "-m", "bangfu.cli", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert listed.returncode == 0, listed.stderr
    commands = listed.stdout.split("Commands:")[1].split()
    assert {name for name in main.commands} <= set(commands)


def test_what_the_operator_reads_is_in_chinese(ready, tmp_path, monkeypatch):
    """`bangfu deploy` printed "deployed version 2", `init` "database ready", `serve` "listening on", `scheduler
    --once` "fired 0 timer(s)", `user roles` "(primary ...)": every line is Chinese now; only the names the operator
    typed or the service keys things by (model and role keys, user names, the address) stay as they are."""
    import re

    import bangfu.server
    monkeypatch.setattr(bangfu.server, "serve", lambda *args, **kwargs: None)
    changed = tmp_path / "changed.bpmn"
    changed.write_bytes(BPMN.read_bytes().replace(b"</bpmn:definitions>", b"<!-- v2 --></bpmn:definitions>"))
    outputs = [ok("init"), ok("deploy", changed), ok("deploy", changed),
               ok("org", "add", "U-TWO", "--name", "第二工会", "--kind", "union"),
               ok("user", "add", "bob", "--role", "assistance_center", "--also", "approver", "--org", "C-TEST",
                  "--password", "bob-secret"),
               ok("user", "roles", "bob", "--revoke", "approver"), ok("user", "roles", "bob"),
               ok("user", "deactivate", "bob"), ok("scheduler", "--once"),
               ok("serve", "--port", "5999"), ok("serve", "--port", "5999", "--no-scheduler")]
    keys = {"hardship_assistance", "approver", "assistance_center", "bob", "U", "TWO", "OpenAPI"}
    for output in outputs:
        assert output.strip()
        for line in output.splitlines():
            words = set(re.findall(r"[A-Za-z][A-Za-z_]+", re.sub(r"(\S+\.bpmn|[\w+.-]+://\S+|/\S+)", "", line)))
            assert words <= keys, (line, words - keys)
            assert re.search(r"[\u4e00-\u9fff]", line), line
    assert outputs[1].strip() == "hardship_assistance：已部署第 2 版"
    assert outputs[2].strip() == "hardship_assistance：未改动，最新仍为第 2 版"
    assert outputs[-2].startswith("帮扶服务在 http://127.0.0.1:5999/ 监听：1 个进程 × 每进程 8 个线程")


@pytest.mark.parametrize("args, line", [
    (["user", "add", "carol", "--org", "U-TEST", "--password", "carol-secret"], "错误：缺少选项 --role"),
    (["user", "add"], "错误：缺少参数 USERNAME"),
    (["org", "add", "X-1", "--name", "某机构", "--kind", "club"],
     "错误：--kind 的值无效：'club' 不是可选的值，可选：union、center、third_party、inspection"),
    (["serve", "--port", "99999"], "错误：--port 的值无效：99999 超出范围（1<=x<=65535）"),
    (["annual-review", "start", "next"], "错误：YEAR 的值无效：'next' 不是数字"),
    (["deploy", "/nowhere/model.bpmn"], "错误：FILE 的值无效：'/nowhere/model.bpmn' 不存在"),
    (["usr", "add"], "错误：没有命令 usr"),
    (["user", "add", "carol", "--rol", "approver"], "错误：没有选项 --rol（是否想用 --org、--role？）"),
    (["user", "add", "carol", "--org"], "错误：选项 --org 需要一个值"),
    (["org", "add", "X-1", "extra", "--name", "某机构", "--kind", "union"], "错误：多余的参数：extra"),
])
def test_a_command_typed_wrong_is_told_in_chinese(ready, args, line):
    """click's own refusals were English (Error: Missing option '--role'., Usage: …, Try '… --help' for help.)."""
    result = bangfu(*args)
    assert result.exit_code == 2, result.output
    assert refused(*args, exit_code=2) == line
    assert not re.search(r"\b(Error|Usage|Try|Missing|Invalid|not)\b", result.output), result.output
    if "用法：" in result.output:
        assert "查看帮助：bangfu" in result.output and " --help" in result.output


def test_an_interrupted_command_says_so_in_chinese(ready, monkeypatch):
    from bangfu.people import operations

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(operations, "create_organisation", interrupted)
    result = bangfu("org", "add", "X-2", "--name", "某机构", "--kind", "union")
    assert (result.exit_code, result.output.strip()) == (1, "已中止")
