"""Fixtures: an app on SQLite (default) or PostgreSQL (BANGFU_TEST_DATABASE_URL), demo-like people,
and `api`, a test client that acts as a named user.

Run on PostgreSQL with
  BANGFU_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest
Each run works in its own schema, dropped at the end.
"""
import os
import random
import re
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
from flask import request_finished
from sqlalchemy import create_engine, text

from bangfu import create_app, db, testing
from bangfu.casework.commands import fire_timers
from bangfu.demo import answers, declaration, running_notice
from bangfu.migrate import upgrade
from bangfu.models import metadata
from bangfu.sealing import new_key
from bangfu.services import services
from bangfu.testing import LANE_USER
from bangfu.unit_of_work import run_in

# The tests' instance folder (designers' form edits, a development key): never the checkout's own.
INSTANCE_DIR = Path(tempfile.mkdtemp(prefix="bangfu-tests-"))
# One data key for the whole run, in the environment: the tests' apps, the CLI in production mode and the
# subprocesses they start all open what another sealed.
os.environ.setdefault("BANGFU_DATA_KEYS", f"test1:{new_key()}")


@pytest.fixture(scope="session", autouse=True)
def _instance_dir():
    yield INSTANCE_DIR
    shutil.rmtree(INSTANCE_DIR, ignore_errors=True)


def _postgres_schema_url(base_url):
    schema = f"bangfu_test_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", admin, schema


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("BANGFU_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'bangfu.sqlite3'}"
        return
    url, admin, schema = _postgres_schema_url(base)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture(scope="session")
def migrated(database_url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "INSTANCE_PATH": str(INSTANCE_DIR)})
    upgrade(app)
    db.engine_of(app).dispose()
    return database_url


def _empty_tables(app):
    """Every table emptied, the append-only audit log too: its triggers are lifted for that, as only the
    tables' owner can (the tests own their schema)."""
    engine = db.engine_of(app)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
        else:
            triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'audit_entries'")).all()
            for name, _ in triggers:
                conn.execute(text(f"DROP TRIGGER {name}"))
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            for _, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture
def is_postgres(database_url):
    return database_url.startswith("postgresql")


# Pages any test rendered that lacked the security headers or carried inline script (checked after each test).
PAGE_POLICY_BREACHES = []
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>|<[a-z][^>]*\son[a-z]+\s*=",
                           re.I)
# A message flashed on a page (base.html) reads as Chinese: no ISO date (2026-12-01: 2026年12月1日) and no
# stored key (out_of_hardship, third_party): those slip past the pages' walk, which opens pages but submits nothing.
FLASH = re.compile(r'<p class="bf-flash [^"]*"[^>]*>(.*?)</p>', re.S)
FLASH_LEAKS = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?![\d-])|(?<![A-Za-z0-9_])[a-z]+(?:_[a-z0-9]+)+(?![A-Za-z0-9_])")
# What a message may show as it is: a format's example to type (应为 年-月-日（如 2027-01-01）), what the user
# typed, quoted (日期“2027-13-01”无效), and a file's name (preliminary_review.schema.json).
EXAMPLE = re.compile(r"（如[^）]*）|“[^”]*”|[\w-]+(?:\.[A-Za-z]+)+")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def page_policy_breaches(path, response):
    """What a response breaks of the pages' policy: a missing security header, or (an HTML page) inline script,
    a flashed message showing an ISO date or a stored key, or a title with markup in it."""
    breaches = [f"{path}: no {name}" for name in SECURITY_HEADERS if name not in response.headers]
    csp = response.headers.get("Content-Security-Policy", "")
    if csp and ("frame-ancestors 'none'" not in csp or not re.search(r"script-src 'self'", csp)
                or re.search(r"script-src[^;]*'unsafe-inline'", csp)):
        breaches.append(f"{path}: weak Content-Security-Policy {csp}")
    if response.mimetype == "text/html" and not response.direct_passthrough:
        html = response.get_data(as_text=True)
        found = INLINE_SCRIPT.search(html)
        if found:
            breaches.append(f"{path}: inline script {found.group(0)[:80]}")
        for message in FLASH.findall(html):
            leaked = FLASH_LEAKS.findall(EXAMPLE.sub("", message))
            if leaked:
                breaches.append(f"{path}: the message {message[:120]!r} shows {leaked}")
        title = re.search(r"<title>(.*?)</title>", html, re.S)
        if title and ("<" in title.group(1) or len(title.group(1)) > 120):  # a block left open in a template
            breaches.append(f"{path}: the page's title holds markup: {title.group(1)[:80]!r}")
    return breaches


def _check_page_policy(sender, response, **_):
    from flask import request
    PAGE_POLICY_BREACHES.extend(page_policy_breaches(request.path, response))


@pytest.fixture(autouse=True)
def _pages_keep_the_policy():
    """Every response any test gets has the security headers, no page it renders carries inline script, and
    Chromium, in the browser tests, refuses nothing under the policy."""
    from browser_helpers import CSP_VIOLATIONS
    PAGE_POLICY_BREACHES.clear()
    CSP_VIOLATIONS.clear()
    yield
    breaches = PAGE_POLICY_BREACHES + CSP_VIOLATIONS
    PAGE_POLICY_BREACHES.clear()
    CSP_VIOLATIONS.clear()
    assert not breaches, breaches


def sqlite_file_bytes(database_url):
    """The bytes of a SQLite database's file and its WAL, read by another process: a file descriptor this process
    opened on the file and closed again would drop the POSIX locks its SQLite connections hold, and a connection
    that then believes itself alone deletes the WAL from under the others (the file becomes "not a database")."""
    import subprocess
    path = database_url.removeprefix("sqlite:///")
    files = [p for p in (path, f"{path}-wal") if os.path.exists(p)]
    return subprocess.run(["cat", *files], capture_output=True, check=True).stdout


def make_app(database_url, **config):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "INSTANCE_PATH": str(INSTANCE_DIR), **config})
    request_finished.connect(_check_page_policy, app)
    return app


def prepare(app):
    """Empty every table, deploy the hardship model, create the organisations and PEOPLE."""
    _empty_tables(app)
    testing.populate(app)


@pytest.fixture
def app(migrated):
    app = make_app(migrated)
    prepare(app)
    yield app
    db.engine_of(app).dispose()


class Api(testing.UserClient):
    """The JSON client with shortcuts for driving a hardship case."""

    def start(self, user="union1", data=None):
        body = {"process": "hardship_assistance"}
        if data is not None:
            body["data"] = data
        response = self.post("/api/v1/cases", user, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def open_task(self, case_id, name, user="supervisor1"):
        case = self.get(f"/api/v1/cases/{case_id}", user).get_json()
        found = [t for t in case["open_tasks"] if t["name"] == name]
        assert found, f"{name} is not open; open: {[t['name'] for t in case['open_tasks']]}"
        return found[0]

    def complete(self, case_id, name, data, user=None, expect=200):
        task = self.open_task(case_id, name)
        user = user or LANE_USER[task["role"]]
        response = self.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})
        assert response.status_code == expect, response.get_json()
        return response.get_json()

    def uphold_objection(self, case_id, replies, content="反映其配偶有经营收入"):
        """Publish a notice that runs from today (公示) and record an objection to it that is upheld: the case
        goes back to re-investigation."""
        self.complete(case_id, "public_notice", running_notice())
        self.complete(case_id, "notice_objection", dict(replies["notice_objection"], content=content))

    def objection_overruled_and_paid(self, case_id, clock, replies, **objection):
        """From 公示: publish a notice running from today, record an objection that is not upheld, let the
        notice end (its timer moves the case to 建档), then file, approve and pay the case through a batch."""
        self.complete(case_id, "public_notice", running_notice())
        self.complete(case_id, "notice_objection", dict(replies["notice_objection"], decision="not_upheld",
                                                        **objection))
        clock.advance(days=21)
        run_in(self.app, lambda session: fire_timers(session, services(), case_id))
        for name in ("open_file", "approval"):
            self.complete(case_id, name, replies[name])
        testing.pay_case_through_batch(self.app, case_id)
        assert self.case(case_id)["status"] == "paid"

    def case(self, case_id, user="supervisor1"):
        return self.get(f"/api/v1/cases/{case_id}", user).get_json()


@pytest.fixture
def server(app):
    """The app behind a real threaded HTTP server on a free loopback port; yields its base URL."""
    import threading

    from werkzeug.serving import make_server
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless, driven by Playwright (see tests/browser_helpers.py)."""
    from playwright.sync_api import sync_playwright

    from browser_helpers import CHROMIUM_ARGS, CHROMIUM_ENV
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS,
                                              env=CHROMIUM_ENV)
        yield chromium
        chromium.close()


def _test_now():
    """The instant every test starts at: a Monday morning in China in a year whose holidays are known, not the
    machine's date. Due dates, notices and timers count China's working days, and a later machine date (due
    dates in a year without holiday data, from mid-December 2026) would change what the tests see.
    BANGFU_TEST_NOW (ISO 8601 with an offset) runs the suite at another instant, to see what a date does."""
    from datetime import datetime, timedelta, timezone
    given = os.environ.get("BANGFU_TEST_NOW")
    return datetime.fromisoformat(given) if given else datetime(2026, 11, 30, 10, 0,
                                                                 tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture(autouse=True)
def _fixed_clock():
    """Every test runs on the service's clock stopped at _test_now() (in-process: the app, the test server's
    thread); a subprocess reads the machine's clock."""
    from bangfu import calendar, clock
    clock.set_to(_test_now())
    # The working days are cached per process by the calendar table's stamp (years, last import instant): tests
    # share one process and one stopped instant over many databases, so one test's import would look current
    # to the next.
    calendar._cache.clear()
    yield
    clock.reset()


@pytest.fixture
def clock(_fixed_clock):
    """The service's clock, stopped at the instant the test starts (_test_now); `clock.advance(days=8)` moves it
    on, `clock.set_to(...)` sets it."""
    from bangfu import clock
    clock.set_to(_test_now())
    yield clock


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def rng():
    return random.Random(7)


@pytest.fixture
def household(rng):
    return declaration(rng)


@pytest.fixture
def replies(rng):
    return answers(rng)


@pytest.fixture
def case_at(api, household, replies, rng):
    """Start a case and approve its way until `stop` is open; returns the case id. The first case started
    declares `household`, each further one another household (one open file per worker: the same would be a
    409). Its public notice is one that is already over, so the case goes on to 建档; `stop="notice_objection"`:
    one that runs from today."""
    order = ["preliminary_review", "assign_third_party", "household_visit", "visit_oversight", "re_review",
             "public_notice", "open_file", "approval", "payment"]
    started = []

    def drive(stop):
        case_id = api.start()["id"]
        started.append(case_id)
        if stop == "declaration":
            return case_id
        api.complete(case_id, "declaration", declaration(rng) if len(started) > 1 else household)
        for name in order:
            if name == stop:
                return case_id
            if name == "public_notice" and stop == "notice_objection":  # a notice that runs from today
                api.complete(case_id, name, running_notice())
                return case_id
            if name == "payment":  # the bank pays it: a batch built, approved and its result imported
                testing.pay_case_through_batch(api.app, case_id)
                continue
            api.complete(case_id, name, replies[name])  # a notice already over: the case goes on to 建档
        return case_id

    return drive


# Fixtures through which a test reaches the database under test.
DATABASE_FIXTURES = {"database_url", "database"}


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL, run what depends on the database: a test that never reaches it (engine, forms, calendar
    arithmetic) would only repeat its SQLite run, and the browser tests drive the same server code that the
    page tests run here through the test client, at twice the time."""
    if not os.environ.get("BANGFU_TEST_DATABASE_URL"):
        return
    repeated = pytest.mark.skip(reason="does not depend on the database: run on SQLite")
    in_browser = pytest.mark.skip(reason="browser test: run on SQLite; its pages run here through the test client")
    for item in items:
        if item.module.__name__.startswith("test_browser"):
            item.add_marker(in_browser)
        elif not DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(repeated)
