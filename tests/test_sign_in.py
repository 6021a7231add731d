"""Sign-in throttling, through the API and the sign-in page: failures are counted per account name and per
client address in the database, a lock refuses even the right password (429, Retry-After) until it ends, and
a success clears only its own account's count."""
import re

import pytest

from bangfu import db
from conftest import make_app, prepare

ADDRESS = {"REMOTE_ADDR": "198.51.100.7"}


def token(client, username, password, address=ADDRESS):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base=address)


def page_sign_in(client, username, password, address=ADDRESS):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": csrf},
                       environ_base=address)


@pytest.fixture
def strict_app(migrated):
    """Small limits, so a test reaches them in a few attempts: 3 per account, 5 per address."""
    app = make_app(migrated, SIGN_IN_ACCOUNT_LIMIT=3, SIGN_IN_ADDRESS_LIMIT=5)
    prepare(app)
    yield app
    db.engine_of(app).dispose()


def test_the_default_limits_lock_an_account_after_five_failures_and_the_right_password_then_fails(app, clock):
    client = app.test_client()
    answers = [token(client, "union1", f"guess-{n}") for n in range(5)]
    assert [a.status_code for a in answers] == [401, 401, 401, 401, 429]
    refused = token(client, "union1", "union1-secret")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert "登录失败次数过多" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    clock.advance(minutes=14)
    assert token(client, "union1", "union1-secret").status_code == 429
    clock.advance(minutes=1, seconds=1)
    assert token(client, "union1", "union1-secret").status_code == 200


def test_the_lock_holds_whatever_address_the_next_attempt_comes_from(strict_app):
    client = strict_app.test_client()
    for n in range(3):
        token(client, "union1", f"guess-{n}")
    elsewhere = token(client, "union1", "union1-secret", address={"REMOTE_ADDR": "203.0.113.9"})
    assert elsewhere.status_code == 429
    assert token(client, "union2", "union2-secret").status_code == 200  # another account is not locked


def test_the_sign_in_page_is_throttled_alike_with_a_chinese_message(strict_app, clock):
    client = strict_app.test_client()
    assert [page_sign_in(client, "center1", "nope").status_code for _ in range(3)] == [401, 401, 429]
    refused = page_sign_in(client, "center1", "center1-secret")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) == 15 * 60
    assert "登录失败次数过多，已暂时锁定，请 15 分钟后再试" in refused.get_data(as_text=True)
    assert 'value="center1"' in refused.get_data(as_text=True)  # what the user typed stays
    assert client.get("/inbox").status_code == 302  # not signed in
    clock.advance(minutes=16)
    assert page_sign_in(client, "center1", "center1-secret").status_code == 302


def test_page_and_api_failures_count_together(strict_app):
    client = strict_app.test_client()
    page_sign_in(client, "union1", "nope")
    token(client, "union1", "nope")
    assert page_sign_in(client, "union1", "nope").status_code == 429
    assert token(client, "union1", "union1-secret").status_code == 429


def test_an_address_trying_many_accounts_is_locked_and_a_success_there_does_not_clear_it(strict_app):
    client = strict_app.test_client()
    assert token(client, "union1", "nope").status_code == 401
    assert token(client, "union2", "nope").status_code == 401
    assert token(client, "center1", "center1-secret").status_code == 200
    assert token(client, "approver1", "nope").status_code == 401
    assert token(client, "finance1", "nope").status_code == 401
    assert token(client, "no-such-user", "nope").status_code == 429  # the fifth failure from this address
    assert token(client, "center1", "center1-secret").status_code == 429
    assert token(client, "center1", "center1-secret", address={"REMOTE_ADDR": "203.0.113.9"}).status_code == 200


def test_an_ipv6_client_is_counted_by_its_slash_64_whatever_address_it_takes_in_it(strict_app):
    client = strict_app.test_client()
    names = ["union1", "union2", "approver1", "finance1", "no-such-user"]
    answers = [token(client, name, "nope", address={"REMOTE_ADDR": f"2001:db8:7:1::{i + 1:x}"}).status_code
               for i, name in enumerate(names)]
    assert answers == [401, 401, 401, 401, 429], "the fifth failure from one /64 locks it"
    assert token(client, "center1", "center1-secret",
                 address={"REMOTE_ADDR": "2001:db8:7:1:ffff:ffff:ffff:ffff"}).status_code == 429
    assert token(client, "center1", "center1-secret", address={"REMOTE_ADDR": "2001:db8:7:2::1"}).status_code == 200


def test_address_keys_ipv4_itself_ipv6_its_network():
    from bangfu.people.sign_in import address_key
    assert address_key("198.51.100.7") == "198.51.100.7"
    assert address_key("2001:DB8:7:1:abcd::9") == "2001:db8:7:1::/64"
    assert address_key("::ffff:198.51.100.7") == "198.51.100.7"
    assert address_key("cli") == "cli" and address_key(None) == "unknown"


def test_a_success_clears_its_own_account_count(strict_app):
    client = strict_app.test_client()
    for _ in range(2):
        token(client, "union1", "nope", address={"REMOTE_ADDR": "203.0.113.1"})
    assert token(client, "union1", "union1-secret", address={"REMOTE_ADDR": "203.0.113.2"}).status_code == 200
    answers = [token(client, "union1", "nope", address={"REMOTE_ADDR": "203.0.113.3"}).status_code for _ in range(3)]
    assert answers == [401, 401, 429]


def test_failures_older_than_the_window_no_longer_count(strict_app, clock):
    client = strict_app.test_client()
    for _ in range(2):
        token(client, "union1", "nope")
    clock.advance(minutes=15)
    assert [token(client, "union1", "nope").status_code for _ in range(2)] == [401, 401]
    assert token(client, "union1", "union1-secret").status_code == 200


def test_processes_sharing_a_database_share_the_count(strict_app, migrated):
    """Two apps on one database stand for two `bangfu serve` processes: failures at one lock the other."""
    other = make_app(migrated, SIGN_IN_ACCOUNT_LIMIT=3, SIGN_IN_ADDRESS_LIMIT=5)
    try:
        token(strict_app.test_client(), "union1", "nope")
        token(other.test_client(), "union1", "nope")
        token(strict_app.test_client(), "union1", "nope")
        assert token(other.test_client(), "union1", "union1-secret").status_code == 429
    finally:
        db.engine_of(other).dispose()


def test_the_limits_are_settings(monkeypatch):
    from bangfu import create_app
    from bangfu.config import ConfigError
    monkeypatch.setenv("BANGFU_SIGN_IN_ACCOUNT_LIMIT", "7")
    monkeypatch.setenv("BANGFU_SIGN_IN_LOCK_MINUTES", "30")
    limits = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"}).extensions["bangfu.services"].sign_in_limits
    assert limits.account_failures == 7 and limits.lock.total_seconds() == 30 * 60 and limits.address_failures == 20
    monkeypatch.setenv("BANGFU_SIGN_IN_ADDRESS_LIMIT", "0")
    with pytest.raises(ConfigError, match="BANGFU_SIGN_IN_ADDRESS_LIMIT"):
        create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})


def test_the_token_operation_documents_its_429(app):
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    answer = spec["paths"]["/api/v1/auth/token"]["post"]["responses"]["429"]
    assert "Retry-After" in answer["headers"]


def test_concurrent_failures_are_each_counted(app, server):
    """Eight wrong passwords at once, to eight names from one address: the address's count loses none of them
    (the rows are created if absent and locked before they are counted)."""
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import select

    from bangfu.people.models import SignInThrottle
    from http_helpers import post_json
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda n: post_json(f"{server}/api/v1/auth/token", None,
                                                    {"username": f"nobody-{n}", "password": "nope"})[0], range(8)))
    assert answers == [401] * 8
    with app.app_context(), db.reading() as reader:
        address = reader.scalar(select(SignInThrottle).where(SignInThrottle.scope == "address"))
        assert (address.key, address.failures) == ("127.0.0.1", 8)


def test_a_locked_account_cannot_sign_in_at_the_command_line_prompt_either(app, migrated, tmp_path, monkeypatch):
    """The money commands' password prompt is a sign-in like the others: counted and refused alike."""
    from test_fund_standards import _cli

    from bangfu.cli import main
    client = app.test_client()
    for n in range(5):
        token(client, "approver1", f"guess-{n}")
    runner = _cli(migrated, tmp_path, monkeypatch)
    refused = runner.invoke(main, ["standards", "approve", "1", "--as", "approver1"], input="approver1-secret\n")
    assert refused.exit_code == 1
    assert refused.output.splitlines()[-1] == "错误：登录失败次数过多，已暂时锁定，请 15 分钟后再试"
    assert "Traceback" not in refused.output
