"""Settings are checked at start: a bad value is one line naming the variable, and no service runs with a
secret key anyone could know."""
import os
import stat

import pytest
from click.testing import CliRunner
from itsdangerous import URLSafeTimedSerializer
from flask.sessions import session_json_serializer

from bangfu import create_app
from bangfu.cli import main
from bangfu.config import ConfigError

KEY = "a-secret-key-for-these-tests-only-" + "x" * 16


@pytest.fixture
def environment(tmp_path, monkeypatch):
    for name in [n for n in os.environ if n.startswith("BANGFU_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BANGFU_DATABASE_URL", f"sqlite:///{tmp_path / 'config.sqlite3'}")
    monkeypatch.setenv("BANGFU_DATA_KEYS", DATA_KEYS)
    return monkeypatch


DATA_KEYS = f"cfg1:{'C' * 43}"


def bangfu(*args):
    return CliRunner().invoke(main, list(args), prog_name="bangfu")


@pytest.mark.parametrize("variable, value, reason", [
    ("BANGFU_TOKEN_DAYS", "thirty", "应为 1 到 3650 之间的整数"),
    ("BANGFU_TOKEN_DAYS", "0", "应为 1 到 3650 之间的整数"),
    ("BANGFU_SCRIPT_TIMEOUT", "nan", "之间的数"),
    ("BANGFU_DATABASE_URL", "postgres//nohost", "不是有效的数据库 URL"),
    ("BANGFU_DATABASE_URL", "mysql://root@localhost/db", "只支持 sqlite 与 postgresql"),
    ("BANGFU_LOG_LEVEL", "LOUD", "应为 DEBUG"),
    ("BANGFU_SECURE_COOKIES", "perhaps", "应为 1 或 0"),
    ("BANGFU_SESSION_IDLE_MINUTES", "0", "应为 1 到 1440 之间的整数"),
    ("BANGFU_SESSION_HOURS", "a day", "应为 1 到 168 之间的整数"),
    ("BANGFU_SECRET_KEY", "short", "至少 32 个字符"),
    ("BANGFU_NOTICE_MIN_DAYS", "0", "应为 1 到 60 之间的整数"),
    ("BANGFU_SCHEDULER_INTERVAL", "0", "应为 0.5 到 3600 之间的数"),
    ("BANGFU_ANNUAL_REVIEW_DATE", "02-30", "应为月-日，如 12-01"),
    ("BANGFU_ANNUAL_REVIEW_DATE", "02-29", "不能是 02-29"),
    ("BANGFU_FOLLOW_UP_MONTHS", "0", "应为 1 到 36 之间的整数"),
])
def test_a_bad_setting_stops_every_command_with_one_line_naming_it(environment, variable, value, reason):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    environment.setenv(variable, value)
    for command in (["init"], ["serve", "--port", "1"], ["scheduler", "--once"]):
        result = bangfu(*command)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), f"crashed with {result.exception!r}"
        [line] = result.output.strip().splitlines()
        assert line.startswith(f"错误：配置错误：{variable} ") and reason in line


def test_the_shortest_public_notice_is_read_from_the_environment(environment):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    assert create_app().extensions["bangfu.services"].notice_min_days == 5
    environment.setenv("BANGFU_NOTICE_MIN_DAYS", "7")
    assert create_app().extensions["bangfu.services"].notice_min_days == 7


def test_the_annual_review_day_and_the_follow_up_months_are_read_from_the_environment(environment):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    services = create_app().extensions["bangfu.services"]
    assert (services.annual_review_date, services.follow_up_months) == ((12, 1), 6)
    environment.setenv("BANGFU_ANNUAL_REVIEW_DATE", "11-15")
    environment.setenv("BANGFU_FOLLOW_UP_MONTHS", "3")
    services = create_app().extensions["bangfu.services"]
    assert (services.annual_review_date, services.follow_up_months) == ((11, 15), 3)


def test_without_a_secret_key_the_service_refuses_to_start(environment):
    result = bangfu("init")
    assert result.exit_code == 1
    assert "未设置 BANGFU_SECRET_KEY" in result.output and "BANGFU_ENV=development" in result.output
    with pytest.raises(ConfigError):
        create_app()


def test_development_mode_keeps_one_private_key_in_the_instance_folder(environment, tmp_path):
    environment.setenv("BANGFU_ENV", "development")
    environment.delenv("BANGFU_DATA_KEYS")
    first, second = create_app(), create_app()
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["DATA_KEYRING"].keys == second.config["DATA_KEYRING"].keys
    for name in ("development-secret-key", "development-data-keys"):
        key_file = tmp_path / "instance" / name
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_without_a_data_key_the_service_refuses_to_start(environment):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    environment.delenv("BANGFU_DATA_KEYS")
    result = bangfu("init")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    [line] = result.output.strip().splitlines()
    assert "未设置 BANGFU_DATA_KEYS" in line and "bangfu keys new" in line and "BANGFU_ENV=development" in line


@pytest.mark.parametrize("keys, reason", [
    ("k1", "应为 32 字节的 base64"),
    ("k1:c2hvcnQ", "应为 32 字节的 base64"),
    ("bad.id:" + "A" * 43, "密钥编号只能含字母、数字"),
    (f"k1:{'A' * 43},k1:{'B' * 43}", "密钥编号 k1 重复"),
])
def test_a_malformed_data_key_stops_the_service_naming_the_variable(environment, keys, reason):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    environment.setenv("BANGFU_DATA_KEYS", keys)
    result = bangfu("init")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    [line] = result.output.strip().splitlines()
    assert line.startswith("错误：配置错误：BANGFU_DATA_KEYS ") and reason in line
    assert "AAAA" not in line and "BBBB" not in line  # a key is never echoed


def test_the_data_keys_may_come_from_a_file_the_first_one_current(environment, tmp_path):
    environment.setenv("BANGFU_SECRET_KEY", KEY)
    environment.delenv("BANGFU_DATA_KEYS")
    key_file = tmp_path / "data-keys"
    key_file.write_text(f"# current first\nnew:{'B' * 43}\nold:{'A' * 43}\n")
    environment.setenv("BANGFU_DATA_KEY_FILE", str(key_file))
    keyring = create_app().config["DATA_KEYRING"]
    assert keyring.current == "new" and set(keyring.keys) == {"new", "old"}
    environment.setenv("BANGFU_DATA_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="BANGFU_DATA_KEY_FILE 无法读取"):
        create_app()


def test_a_cookie_signed_with_the_old_public_default_key_opens_no_inbox(app):
    """Until now every installation without BANGFU_SECRET_KEY signed sessions with 'dev-only-change-me'."""
    signer = URLSafeTimedSerializer("dev-only-change-me", salt="cookie-session", serializer=session_json_serializer,
                                    signer_kwargs={"key_derivation": "hmac", "digest_method": "sha1"})
    client = app.test_client()
    client.set_cookie("session", signer.dumps({"user_id": 1}))
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
