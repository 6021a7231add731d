"""Shared set-up for the benchmarks: machine line, a fresh app on a SQLite file, people, tokens, a client.

Only the service's public operations are used (migrate.upgrade, deploy, create_organisation,
create_user, issue_token), exactly as tests/conftest.py does, but on a throw-away SQLite file.
"""
import logging
import os
import platform
import sqlite3
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from service import create_app, db  # noqa: E402
from service.demo import ORGANISATIONS  # noqa: E402
from service.migrate import upgrade  # noqa: E402
from service.people.models import User  # noqa: E402
from service.people.operations import create_organisation, create_user, issue_token  # noqa: E402
from service.process_models.operations import deploy  # noqa: E402
from service.services import services  # noqa: E402

BPMN = ROOT / "bpmn" / "hardship_assistance.bpmn"
FORMS = ROOT / "forms"
PROCESS = "hardship_assistance"
ORDER = ["declaration", "preliminary_review", "assign_third_party", "household_visit", "visit_oversight",
         "re_review", "public_notice", "open_file", "approval", "payment"]
# The same people as tests/conftest.py: one user per lane role, plus a read-all supervisor.
PEOPLE = {
    "union1": ("grassroots_union", "U-STEEL"),
    "union2": ("grassroots_union", "U-YANGSHE"),
    "center1": ("assistance_center", "ZJG-CENTER"),
    "thirdparty1": ("third_party", "TP-SUNSHINE"),
    "thirdparty2": ("third_party", "TP-HEART"),
    "inspector1": ("inspector", "INSPECT"),
    "approver1": ("approver", "ZJG-CENTER"),
    "finance1": ("finance", "ZJG-CENTER"),
    "supervisor1": ("supervisor", "ZJG-CENTER"),
}
LANE_USER = {"grassroots_union": "union1", "assistance_center": "center1", "third_party": "thirdparty1",
             "inspector": "inspector1", "approver": "approver1", "finance": "finance1"}


def machine_lines():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import sqlalchemy
    import SpiffWorkflow
    spiff = getattr(SpiffWorkflow, "__version__", None)
    if spiff is None:
        from importlib.metadata import version
        spiff = version("SpiffWorkflow")
    return [
        f"machine: CPU {cpu}; cores {os.cpu_count()}; Python {platform.python_version()} "
        f"({platform.python_implementation()}); SQLite {sqlite3.sqlite_version}",
        f"libraries: SQLAlchemy {sqlalchemy.__version__}; SpiffWorkflow {spiff}; {platform.platform()}",
    ]


def print_machine():
    for line in machine_lines():
        print(line, flush=True)


def make_app(workdir, extra_orgs=(), extra_people=None, existing=False):
    """A migrated app on workdir/bench.sqlite3 with the model deployed and people created
    (`existing`: just an app over the database an earlier call set up).

    extra_orgs: (code, name, kind) beyond service.demo.ORGANISATIONS;
    extra_people: {username: (role, org_code)} beyond PEOPLE.
    """
    url = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    config = {"DATABASE_URL": url, "BPMN_DIR": str(ROOT / "bpmn"), "FORMS_DIR": str(FORMS),
              "LOG_LEVEL": "WARNING"}
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)
    if existing:
        return app
    upgrade(app)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    with db.transaction(app) as session:
        s = services()
        deploy(session, s.engine, BPMN.read_bytes(), s.forms_dir)
        for code, name, kind in list(ORGANISATIONS) + list(extra_orgs):
            create_organisation(session, code, name, kind)
        for username, (role, org) in {**PEOPLE, **(extra_people or {})}.items():
            create_user(session, username, role, org, f"{username}-secret", hash_profile="fast")
    return app


class Client:
    """The Flask test client, speaking JSON as a named user (one bearer token per user)."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens = {}

    def token(self, username):
        if username not in self.tokens:
            with db.transaction(self.app) as session:
                user = session.scalar(select(User).where(User.username == username))
                self.tokens[username] = issue_token(session, user, 1)[0]
        return self.tokens[username]

    def headers(self, username):
        return {"Authorization": f"Bearer {self.token(username)}"}

    def get(self, path, user, **kw):
        return self.client.get(path, headers=self.headers(user), **kw)

    def post(self, path, user, **kw):
        return self.client.post(path, headers=self.headers(user), **kw)


def check(response, status=200):
    if response.status_code != status:
        raise SystemExit(f"unexpected HTTP {response.status_code} for {response.request.path}: "
                         f"{response.get_data(as_text=True)[:500]}")
    return response.get_json()


def percentile(values, p):
    """Nearest-rank percentile of a list of numbers (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


def summary(values_ms):
    return (f"p50 {percentile(values_ms, 50):7.2f} ms  p95 {percentile(values_ms, 95):7.2f} ms  "
            f"mean {statistics.fmean(values_ms):7.2f} ms  n={len(values_ms)}")
