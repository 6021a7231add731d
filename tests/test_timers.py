"""Firing a case's timers is a command like the others: it moves the case on when a timer is due, and
writes nothing when none is."""
from pathlib import Path

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_process_models import upload

DATA = Path(__file__).parent / "data"


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
    clock.advance(hours=23)
    fire(app, waiting_case)
    after = api.case(waiting_case)
    assert after == before


def test_a_due_timer_moves_the_case_on_to_its_next_task(app, api, clock, waiting_case):
    clock.advance(days=1, minutes=1)
    fire(app, waiting_case)
    case = api.case(waiting_case)
    assert [t["name"] for t in case["open_tasks"]] == ["review"]
    assert case["stage"] == "初审"


def oversized_after_timer(model):
    """The timer model with its review replaced by a script whose data passes a 64 KB case-state cap."""
    text = model.decode("utf-8")
    start, end = text.index('<bpmn:userTask id="review"'), text.index("</bpmn:userTask>") + len("</bpmn:userTask>")
    return (text[:start] + '<bpmn:scriptTask id="review" name="汇总"><bpmn:incoming>f2</bpmn:incoming>'
            '<bpmn:outgoing>f3</bpmn:outgoing><bpmn:script>filler = ["x" * 40000, "y" * 40000]'
            '</bpmn:script></bpmn:scriptTask>' + text[end:]).encode("utf-8")


def test_a_timer_whose_next_steps_fail_sets_the_case_aside_as_the_system(migrated, clock):
    """What runs after a timer may hit a bound like any command: the case becomes an incident, by 系统."""
    from bangfu import db
    from conftest import Api, make_app, prepare
    app = make_app(migrated, CASE_STATE_KB=64)
    try:
        prepare(app)
        api = Api(app)
        assert upload(api, oversized_after_timer((DATA / "timer.bpmn").read_bytes().replace(b"DURATION", b"P1D"))
                      ).status_code == 201
        case_id = api.post("/api/v1/cases", "union1", json={"process": "timer_wait"}).get_json()["id"]
        clock.advance(days=2)
        fire(app, case_id)
        case = api.case(case_id)
        assert case["status"] == "incident" and "案件数据超过上限（64 KB）" in case["incident"]
        assert (case["history"][-1]["action"], case["history"][-1]["actor_name"]) == ("incident", "系统")
    finally:
        db.engine_of(app).dispose()
