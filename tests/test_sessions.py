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
    assert 'dist/pages.js' in response.get_data(as_text=True)


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
