"""Shared set-up for the benchmarks: machine line, a fresh app on a SQLite file, people, tokens, a client.

The people, the model deployment and the JSON client are the test suite's own (bangfu.testing),
on a throw-away SQLite file.
"""
import gc
import logging
import os
import platform
import sqlite3
import statistics
import sys
from pathlib import Path


from bangfu import create_app  # noqa: E402
from bangfu.migrate import upgrade  # noqa: E402
from bangfu.testing import HARDSHIP_BPMN as BPMN  # noqa: E402,F401
from bangfu.testing import LANE_USER, PEOPLE, populate  # noqa: E402,F401
from bangfu.testing import UserClient as Client  # noqa: E402,F401

PROCESS = "hardship_assistance"
ORDER = ["declaration", "preliminary_review", "assign_third_party", "household_visit", "visit_oversight",
         "re_review", "public_notice", "open_file", "approval", "payment"]
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


def settle():
    """Collect garbage before a timed step (untimed), so the step does not pay for the set-up's.

    A full collection (generation 2) walks every object the process holds, about 220,000 once the service is
    imported and an app made: 70-160 ms on the shared 2-CPU machine, as much as a whole smoke-size step.
    Python starts one after enough allocations, wherever they happen to be; without this, which timed step
    pays for it depends on how many objects the imports and the set-up allocated, so a change anywhere in
    the service (one more module imported) could move it into or out of a step and swing a smoke ratio by
    half (payments' build 0.05 -> 0.16 s, the annual review's 2,000 households 0.15 -> 0.24 s, with the same
    statements and calls). After a collection the next full one needs about 55,000 new surviving objects.
    """
    gc.collect()


BENCH_DATA_KEY = "bench:" + "b" * 43  # a fixed key: a benchmark's data is throwaway


def make_app(workdir, extra_orgs=(), extra_people=None, existing=False):
    """A migrated app on workdir/bench.sqlite3 with the model deployed and people created
    (`existing`: just an app over the database an earlier call set up).

    extra_orgs: (code, name, kind) beyond bangfu.demo.ORGANISATIONS;
    extra_people: {username: (role, org_code)} beyond PEOPLE.
    """
    url = f"sqlite:///{Path(workdir) / 'bench.sqlite3'}"
    config = {"DATABASE_URL": url, "INSTANCE_PATH": str(workdir), "SECRET_KEY": "benchmark-" + "k" * 32,
              "DATA_KEYS": BENCH_DATA_KEY, "LOG_LEVEL": "WARNING"}
    app = create_app(config)
    logging.getLogger().setLevel(logging.WARNING)
    if existing:
        return app
    upgrade(app)
    populate(app, extra_orgs, extra_people)
    return app


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


def without_bank(replies):
    """A bench case's answers for legal aid (法律援助, no money): its payment step is then a user's, not the
    bank's result through a batch, so the bench measures the engine and the inbox alone."""
    replies["open_file"] = {"aid_type": "legal", "proposed_amount": 0, "proposal_notes": "法律援助"}
    replies["approval"] = dict(replies["approval"], approved_amount=0)
    replies["payment"] = dict(replies["payment"], paid_amount=0)
    return replies
