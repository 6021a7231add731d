"""Page sessions and the pages' security headers: signing out ends the session on the server (a copied cookie
stops working), the cookie is HttpOnly, SameSite and, over HTTPS, Secure, and every response carries a
Content-Security-Policy without inline script, X-Frame-Options and the like."""
import re

import pytest

from bangfu import db
from conftest import SECURITY_HEADERS, make_app, page_policy_breaches, prepare

NAV_LINK = re.compile(r'<a href="(/[^"?#]*)"')


def signed_in_client(app, username, **request):
    """A client signed in through the sign-in page; `request`: more arguments for its requests (headers...)."""
    client = app.test_client()
    page = client.get("/login", **request).get_data(as_text=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post("/login", data={"username": username, "password": f"{username}-secret",
                                           "csrf_token": csrf}, **request)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client, response


def csrf_of(client):
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get("/inbox").get_data(as_text=True)).group(1)


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app):
    owner, _ = signed_in_client(app, "union1")
    stolen = app.test_client()
    stolen.set_cookie("session", owner.get_cookie("session").value)
    assert stolen.get("/inbox").status_code == 200
    assert owner.post("/logout", data={"csrf_token": csrf_of(owner)}).status_code == 302
    answer = stolen.get("/inbox")
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login")


def test_signing_out_ends_only_that_session(app):
    phone, _ = signed_in_client(app, "center1")
    desk, _ = signed_in_client(app, "center1")
    phone.post("/logout", data={"csrf_token": csrf_of(phone)})
    assert desk.get("/inbox").status_code == 200


def test_a_deactivated_user_is_signed_out_of_open_sessions(app):
    from sqlalchemy import text
    client, _ = signed_in_client(app, "union1")
    with db.engine_of(app).begin() as conn:
        conn.execute(text("UPDATE users SET active = false WHERE username = 'union1'"))
    assert client.get("/inbox").status_code == 302


def test_the_session_cookie_is_httponly_and_samesite_and_not_secure_over_plain_http(app):
    _, response = signed_in_client(app, "union1")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_the_session_cookie_is_secure_over_https(app):
    # Over HTTPS, CSRF protection also wants the Referer of this site.
    _, response = signed_in_client(app, "union1", base_url="https://localhost",
                                   headers={"Referer": "https://localhost/login"})
    assert "Secure" in response.headers["Set-Cookie"]


def test_behind_a_proxy_its_https_makes_the_cookie_secure(migrated):
    app = make_app(migrated, PROXY_COUNT=1)
    prepare(app)
    try:
        _, response = signed_in_client(app, "union1", headers={
            "X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.4", "Referer": "https://localhost/login"})
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        db.engine_of(app).dispose()


def test_bangfu_secure_cookies_makes_the_cookie_secure_over_http(migrated):
    app = make_app(migrated, SESSION_COOKIE_SECURE="1")
    prepare(app)
    try:
        _, response = signed_in_client(app, "union1")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        db.engine_of(app).dispose()


def test_every_response_carries_the_security_headers(app, api):
    for response in (app.test_client().get("/login"), app.test_client().get("/healthz"),
                     api.get("/api/v1/auth/me", "union1"), app.test_client().get("/no-such-page")):
        assert all(name in response.headers for name in SECURITY_HEADERS), response.headers
        policy = response.headers["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/calendar", "/notices"])
def test_pages_that_had_inline_script_have_none(app, path):
    client, _ = signed_in_client(app, "center1")
    response = client.get(path)
    assert response.status_code == 200
    assert page_policy_breaches(path, response) == []
    assert re.search(r'<script type="module" src="/static/dist/pages-[A-Z0-9]{8}\.js"', response.get_data(as_text=True))


def test_the_task_form_page_alone_may_compile_schemas(app, api):
    case = api.start()
    task = api.open_task(case["id"], next(t["name"] for t in case["open_tasks"]), user="union1")
    client, _ = signed_in_client(app, "union1")
    form_page = client.get(f"/tasks/{task['id']}")
    assert form_page.status_code == 200
    assert "'unsafe-eval'" in form_page.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in client.get("/inbox").headers["Content-Security-Policy"]


@pytest.mark.parametrize("username", ["union1", "center1", "supervisor1", "designer1", "finance1", "head1",
                                      "inspector1"])
def test_every_page_in_the_navigation_has_the_headers_and_no_inline_script(app, username):
    client, _ = signed_in_client(app, username)
    home = client.get("/", follow_redirects=True)
    links = set(NAV_LINK.findall(home.get_data(as_text=True))) - {"/logout"}
    assert len(links) > 2
    for path in sorted(links):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert page_policy_breaches(path, response) == []


# --- expiry: idle and absolute ------------------------------------------------------------------------------------

def _session_row(app):
    from sqlalchemy import select

    from bangfu.people.models import PageSession
    with app.app_context():
        return [tuple(row) for row in db.session().execute(select(PageSession.created_at, PageSession.last_seen_at))]


def _expired(client, path="/inbox"):
    answer = client.get(path)
    if answer.status_code != 302:
        return False
    assert "expired=1" in answer.headers["Location"] and answer.headers["Location"].startswith("/login")
    page = client.get(answer.headers["Location"])
    assert page.status_code == 200 and "登录已超时，请重新登录" in page.get_data(as_text=True)
    return True


def test_a_page_session_ends_after_two_idle_hours_with_a_message_on_the_sign_in_page(app, clock):
    client, _ = signed_in_client(app, "union1")
    clock.advance(minutes=119)
    assert not _expired(client), "used within the idle time: still open"
    clock.advance(minutes=119)
    assert not _expired(client), "the use before counts: idle time runs from the last request"
    clock.advance(minutes=120)
    assert _expired(client)
    again = client.get("/inbox")  # the cookie no longer names the session: a plain sign-in redirect
    assert again.status_code == 302 and again.headers["Location"] == "/login?next=/inbox"


def test_a_page_session_ends_twelve_hours_after_sign_in_however_busy(app, clock):
    client, _ = signed_in_client(app, "center1")
    for _ in range(11):
        clock.advance(hours=1)
        assert not _expired(client)
    clock.advance(minutes=59)
    assert not _expired(client)
    clock.advance(minutes=1)
    assert _expired(client)


def test_the_limits_are_settings(migrated, clock):
    app = make_app(migrated, SESSION_IDLE_MINUTES=5, SESSION_HOURS=1)
    prepare(app)
    try:
        client, _ = signed_in_client(app, "union1")
        clock.advance(minutes=4)
        assert not _expired(client)
        clock.advance(minutes=5)
        assert _expired(client)
        client, _ = signed_in_client(app, "union1")
        for _ in range(14):
            clock.advance(minutes=4)
            assert not _expired(client)
        clock.advance(minutes=4)
        assert _expired(client), "an hour after sign-in"
    finally:
        db.engine_of(app).dispose()


def test_a_session_notes_its_use_at_most_once_a_minute(app, clock):
    client, _ = signed_in_client(app, "union1")
    [(opened, seen)] = _session_row(app)
    clock.advance(seconds=50)
    for _ in range(3):
        assert client.get("/inbox").status_code == 200
    assert _session_row(app) == [(opened, seen)], "no write within the minute"
    clock.advance(seconds=20)
    assert client.get("/inbox").status_code == 200
    assert client.post("/logout", data={"csrf_token": csrf_of(client)}).status_code == 302  # a POST touches too
    assert _session_row(app) == []
    client, _ = signed_in_client(app, "union1")
    [(_, seen)] = _session_row(app)
    clock.advance(seconds=70)
    csrf = csrf_of(client)  # a GET a minute on: noted
    [(_, later)] = _session_row(app)
    assert (later - seen).total_seconds() == 70
    assert csrf


def test_using_a_session_writes_nothing_to_the_audit_log(app, clock):
    from sqlalchemy import func, select

    from bangfu.audit.models import AuditEntry
    client, _ = signed_in_client(app, "union1")
    with app.app_context():
        before = db.session().scalar(select(func.count()).select_from(AuditEntry))
    for _ in range(3):
        clock.advance(minutes=2)
        assert client.get("/inbox").status_code == 200
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(AuditEntry)) == before


def test_ended_sessions_are_deleted_when_someone_signs_in(app, clock):
    signed_in_client(app, "union1")
    signed_in_client(app, "center1")
    clock.advance(minutes=121)
    kept, _ = signed_in_client(app, "center1")
    assert len(_session_row(app)) == 1
    assert kept.get("/inbox").status_code == 200
