"""`bangfu serve --workers N` runs several processes over one database, each answering the API."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from http_helpers import post_json as _post
from test_concurrency import race


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children(pid):
    found = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat_file.parent.name))
    return found


def workers(pid):
    """The server's gunicorn workers: its children but the scheduler beside them."""
    def command(child):
        try:
            return Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            return b""
    return [child for child in children(pid) if b"\0bangfu.cli\0scheduler" not in command(child)]


@pytest.fixture
def served(app, tmp_path):
    port = free_port()
    env = dict(os.environ, BANGFU_DATABASE_URL=app.config["DATABASE_URL"], BANGFU_SECRET_KEY="s" * 40,
               BANGFU_INSTANCE_PATH=str(tmp_path), BANGFU_LOG_LEVEL="WARNING")
    server = subprocess.Popen([sys.executable, "-m", "bangfu.cli", "serve", "--port", str(port), "--workers", "2",
                               "--threads", "4"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # waits for the server to bind: a hang detector, not a timing
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if server.poll() is not None:
                    pytest.fail(server.stdout.read())
                time.sleep(0.1)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def test_serve_runs_the_requested_number_of_worker_processes_and_all_answer(api, served, case_at, replies):
    base, server = served
    for _ in range(300):  # the first worker may answer before gunicorn has started the second
        if len(workers(server.pid)) == 2:
            break
        time.sleep(0.1)
    assert len(workers(server.pid)) == 2
    signed_in = [_post(f"{base}/api/v1/auth/token", None, {"username": u, "password": f"{u}-secret"})
                 for u in ("center1", "union1")]
    assert [status for status, _ in signed_in] == [200, 200]
    token = signed_in[0][1]["token"]
    case_id = case_at("assign_third_party")
    task = api.open_task(case_id, "assign_third_party")
    results = race(f"{base}/api/v1/tasks/{task['id']}/complete", [token] * 4,
                   {"data": replies["assign_third_party"]})
    assert sorted(status for status, _ in results) == [200, 409, 409, 409]
    assert [e["action"] for e in api.case(case_id)["history"]].count("completed") == 3


def test_serve_logs_requests_without_their_query_strings(served, api, household):
    base, server = served
    request = urllib.request.Request(f"{base}/api/v1/cases?text={household['id_number']}",
                                     headers={"Authorization": f"Bearer {api.token('supervisor1')}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["total"] == 0
    server.send_signal(signal.SIGTERM)
    output = server.communicate(timeout=30)[0]
    assert '"GET /api/v1/cases HTTP/1.1" 200' in output
    assert household["id_number"] not in output
