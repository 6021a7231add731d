"""The README's curl walk-through works as written, against a real server with the demo data."""
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from sqlalchemy import delete

from bangfu import clock
from bangfu.demo import load_demo
from bangfu.money.models import FundStandard, FundStandardItem
from bangfu.people.models import Organisation, User, UserRole
from bangfu.unit_of_work import run_in

README = Path(__file__).resolve().parent.parent / "README.md"


def walkthrough_script():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->", text, re.S)
    assert block, "README lost its walk-through markers"
    return block.group(1)


@pytest.mark.skipif(not (shutil.which("curl") and shutil.which("jq")), reason="needs curl and jq (.ci/run installs them)")
def test_readme_walkthrough_pays_a_household(app, server, tmp_path):
    def demo_only(session):  # the demo brings its own people (and standards), with the README's passwords
        session.execute(delete(FundStandardItem))
        session.execute(delete(FundStandard))
        session.execute(delete(UserRole))
        session.execute(delete(User))
        session.execute(delete(Organisation))
        load_demo(session)
    run_in(app, demo_only)
    # The notice began 21 days (the visit 7) before the server's (the test's) today, not the machine's: a machine date in a year
    # without holiday data could not be counted.
    notice_start = (clock.today() - timedelta(days=21)).isoformat()
    script = walkthrough_script().replace("http://127.0.0.1:5000", server)
    assert "$(date -d '21 days ago' +%F)" in script, "the walk-through's notice start moved: update this test"
    script = script.replace("$(date -d '21 days ago' +%F)", notice_start)
    assert "$(date -d '7 days ago' +%F)" in script, "the walk-through's visit date moved: update this test"
    script = script.replace("$(date -d '7 days ago' +%F)", (clock.today() - timedelta(days=7)).isoformat())
    result = subprocess.run(["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count('"state":"completed","error":null') == 9, result.stdout
    assert re.search(r'\{"paid":1,"failed":0,"cases_paid":\[\d+\]\}', result.stdout), result.stdout
    assert '"status_label": "已发放"' in result.stdout
    assert '"paid_amount": "1208.00"' in result.stdout
