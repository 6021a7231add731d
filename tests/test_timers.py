"""Firing a case's timers is a command like the others: it moves the case on when a timer is due, and
writes nothing when none is."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_process_models import upload

DATA = Path(__file__).parent / "data"


@pytest.fixture
def clock(monkeypatch):
    """SpiffWorkflow's timers read datetime.now; this moves their clock forward without waiting."""
    import SpiffWorkflow.bpmn.specs.event_definitions.timer as timer_module
    offset = {"by": timedelta(0)}

    class MovedClock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + offset["by"]
    monkeypatch.setattr(timer_module, "datetime", MovedClock)
    return offset


@pytest.fixture
def waiting_case(api):
    xml = (DATA / "timer.bpmn").read_text(encoding="utf-8").replace("DURATION", "P1D").encode()
    assert upload(api, xml).status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()
    assert case["status"] == "active" and case["open_tasks"] == []
    return case["id"]


def fire(app, case_id):
    return run_in(app, lambda session: fire_timers(session, services(), case_id).version)


def test_a_timer_not_yet_due_leaves_the_case_untouched(app, api, clock, waiting_case):
    before = api.case(waiting_case)
    clock["by"] = timedelta(hours=23)
    fire(app, waiting_case)
    after = api.case(waiting_case)
    assert after == before


def test_a_due_timer_moves_the_case_on_to_its_next_task(app, api, clock, waiting_case):
    clock["by"] = timedelta(days=1, minutes=1)
    fire(app, waiting_case)
    case = api.case(waiting_case)
    assert [t["name"] for t in case["open_tasks"]] == ["review"]
    assert case["stage"] == "初审"
