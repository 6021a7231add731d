"""BPMN timers end to end through the service: models deployed through the API, cases started, the clock
moved on and the case's timers fired as the scheduler fires them; what users see is asserted (open tasks,
inboxes, the case's state), with ISO 8601 values written as the standard and Camunda Modeler write them."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_process_models import upload

DATA = Path(__file__).parent / "data"


def deploy(api, name, **replace):
    text = (DATA / name).read_text(encoding="utf-8")
    for placeholder, value in replace.items():
        text = text.replace(placeholder, value)
    response = upload(api, text.encode())
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def start(api, process):
    response = api.post("/api/v1/cases", "union1", json={"process": process})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def fire(app, case_id):
    run_in(app, lambda session: fire_timers(session, services(), case_id))


def open_tasks(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


def inbox(api, user):
    return sorted((t["case_id"], t["name"]) for t in api.get("/api/v1/tasks", user).get_json()["items"])


def test_a_bare_iso_duration_waits_that_long(app, api, clock):
    deploy(api, "timer.bpmn", **{'"DURATION"': "PT2H"})
    case_id = start(api, "timer_wait")
    clock.advance(hours=1, minutes=59)
    fire(app, case_id)
    assert open_tasks(api, case_id) == []
    clock.advance(minutes=2)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["review"]


def test_a_bare_date_time_without_offset_is_china_time_whatever_the_servers_zone(app, api, clock, monkeypatch):
    new_york = timezone(timedelta(hours=-5))  # what SpiffWorkflow would take a naive time in, on such a server
    monkeypatch.setattr("SpiffWorkflow.bpmn.specs.event_definitions.timer.LOCALTZ", new_york)
    deploy(api, "timer.bpmn", **{'<bpmn:timeDuration>"DURATION"</bpmn:timeDuration>':
                                 "<bpmn:timeDate>2026-12-01T09:00:00</bpmn:timeDate>"})
    clock.set_to(datetime(2026, 11, 30, 12, tzinfo=timezone.utc))
    case_id = start(api, "timer_wait")
    clock.set_to(datetime(2026, 12, 1, 0, 59, tzinfo=timezone.utc))  # 08:59 in Beijing
    fire(app, case_id)
    assert open_tasks(api, case_id) == []
    clock.set_to(datetime(2026, 12, 1, 1, 1, tzinfo=timezone.utc))  # 09:01 in Beijing
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["review"]


def test_a_date_time_in_the_past_lets_the_case_run_on_at_once(api, clock):
    deploy(api, "timer.bpmn", **{'<bpmn:timeDuration>"DURATION"</bpmn:timeDuration>':
                                 "<bpmn:timeDate>2020-01-01T09:00:00+08:00</bpmn:timeDate>"})
    assert open_tasks(api, start(api, "timer_wait")) == ["review"]


@pytest.fixture
def boundary(api):
    def make(cancel, timer):
        deploy(api, "timer_boundary.bpmn", CANCEL=cancel, TIMER=timer)
        return start(api, "timer_boundary")
    return make


def test_an_interrupting_boundary_timer_cancels_the_task_and_takes_its_path(app, api, clock, boundary):
    case_id = boundary("true", "<bpmn:timeDuration>P3D</bpmn:timeDuration>")
    assert inbox(api, "union1") == [(case_id, "handle")]
    clock.advance(days=2, hours=23)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["handle"]
    clock.advance(hours=2)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["urge"]
    assert inbox(api, "union1") == [] and inbox(api, "center1") == [(case_id, "urge")]
    api.complete(case_id, "urge", {"decision": "approve"})
    case = api.case(case_id)
    assert case["status"] == "completed"
    assert [e["task"] for e in case["history"] if e["action"] == "completed"] == ["urge"]


def test_a_task_done_in_time_never_meets_its_boundary_timer(app, api, clock, boundary):
    case_id = boundary("true", "<bpmn:timeDuration>P3D</bpmn:timeDuration>")
    api.complete(case_id, "handle", {"decision": "approve"})
    clock.advance(days=4)
    fire(app, case_id)
    case = api.case(case_id)
    assert case["status"] == "completed" and case["open_tasks"] == []
    assert inbox(api, "center1") == []


def test_a_non_interrupting_boundary_timer_opens_a_second_path_and_keeps_the_task(app, api, clock, boundary):
    case_id = boundary("false", "<bpmn:timeDuration>P3D</bpmn:timeDuration>")
    clock.advance(days=3, minutes=1)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["handle", "urge"]
    assert inbox(api, "union1") == [(case_id, "handle")] and inbox(api, "center1") == [(case_id, "urge")]
    clock.advance(days=5)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["handle", "urge"]  # a duration fires once
    api.complete(case_id, "handle", {"decision": "approve"})
    api.complete(case_id, "urge", {"decision": "approve"})
    assert api.case(case_id)["status"] == "completed"


def test_a_repeating_non_interrupting_timer_fires_once_per_cycle_up_to_its_count(app, api, clock, boundary):
    case_id = boundary("false", "<bpmn:timeCycle>R2/P1D</bpmn:timeCycle>")
    urges = []
    for _ in range(4):
        clock.advance(days=1, minutes=1)
        fire(app, case_id)
        urges.append(open_tasks(api, case_id).count("urge"))
    assert urges == [1, 2, 2, 2]
    assert inbox(api, "union1") == [(case_id, "handle")]


def test_cycles_missed_while_nothing_fired_are_not_made_up(app, api, clock, boundary):
    case_id = boundary("false", "<bpmn:timeCycle>R5/P1D</bpmn:timeCycle>")
    clock.advance(days=3, minutes=1)  # the scheduler was down for three cycles
    fire(app, case_id)
    assert open_tasks(api, case_id).count("urge") == 1
    clock.advance(days=1)
    fire(app, case_id)
    assert open_tasks(api, case_id).count("urge") == 2


def test_finishing_the_task_ends_its_repeating_timer_and_the_reminders_it_opened(app, api, clock, boundary):
    """A repeating timer's paths belong to the task it watches: once the task is done, the 督办 tasks it
    opened are moot and leave the inboxes, and no more are opened."""
    case_id = boundary("false", "<bpmn:timeCycle>R5/P1D</bpmn:timeCycle>")
    clock.advance(days=1, minutes=1)
    fire(app, case_id)
    assert inbox(api, "center1") == [(case_id, "urge")]
    api.complete(case_id, "handle", {"decision": "approve"})
    assert inbox(api, "center1") == []
    clock.advance(days=3)
    fire(app, case_id)
    case = api.case(case_id)
    assert case["open_tasks"] == [] and case["status"] == "completed"


def notice_case(api, expression):
    deploy(api, "timer_from_data.bpmn", EXPRESSION=expression)
    case_id = start(api, "timer_from_data")
    return case_id


NOTICE = {"notice_start": "2026-12-01", "notice_end": "2026-12-07"}


def test_a_timer_date_read_from_case_data_waits_until_that_day_in_china(app, api, clock, monkeypatch):
    monkeypatch.setattr("SpiffWorkflow.bpmn.specs.event_definitions.timer.LOCALTZ", timezone(timedelta(hours=-5)))
    clock.set_to(datetime(2026, 11, 30, 2, tzinfo=timezone.utc))
    case_id = notice_case(api, 'notice["notice_end"]')
    api.complete(case_id, "notice", NOTICE)
    assert open_tasks(api, case_id) == []
    clock.set_to(datetime(2026, 12, 6, 15, 59, tzinfo=timezone.utc))  # 23:59 on the 6th in Beijing
    fire(app, case_id)
    assert open_tasks(api, case_id) == []
    clock.set_to(datetime(2026, 12, 6, 16, 1, tzinfo=timezone.utc))  # 00:01 on the 7th
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["conclude"]


def test_an_expression_building_a_date_time_from_data_works(app, api, clock):
    clock.set_to(datetime(2026, 11, 30, 2, tzinfo=timezone.utc))
    case_id = notice_case(api, 'notice["notice_end"] + "T17:30:00+08:00"')
    api.complete(case_id, "notice", NOTICE)
    clock.set_to(datetime(2026, 12, 7, 9, 29, tzinfo=timezone.utc))
    fire(app, case_id)
    assert open_tasks(api, case_id) == []
    clock.set_to(datetime(2026, 12, 7, 9, 31, tzinfo=timezone.utc))
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["conclude"]


def test_an_expression_giving_no_usable_time_sets_the_case_aside_with_a_chinese_reason(app, api, clock):
    case_id = notice_case(api, 'notice["notice_place"]')
    api.complete(case_id, "notice", {**NOTICE, "notice_place": "下周一"})
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert "公示期满" in case["incident"] and "“下周一”无效" in case["incident"]
    assert "2026-12-01T09:00:00+08:00" in case["incident"]  # says what it expects
    assert "Traceback" not in case["incident"]


def test_a_timer_value_quoting_an_id_number_is_masked_in_the_incident(app, api, clock):
    case_id = notice_case(api, 'notice["notice_place"]')
    api.complete(case_id, "notice", {**NOTICE, "notice_place": "110101199003074518"})
    case = api.case(case_id)
    assert case["status"] == "incident" and "110101199003074518" not in case["incident"]


def test_a_repeating_timer_from_an_expression_without_a_count_sets_the_case_aside(app, api, clock, boundary):
    case_id = boundary("false", '<bpmn:timeCycle>"R/" + "P1D"</bpmn:timeCycle>')
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert "办理超期" in case["incident"] and "须写明次数" in case["incident"]


def test_a_duration_built_from_case_data_counts_from_when_the_case_reaches_the_timer(app, api, clock):
    deploy(api, "timer_from_data.bpmn", **{"<bpmn:timeDate>EXPRESSION</bpmn:timeDate>":
                                           '<bpmn:timeDuration>"P" + notice["notice_place"] + "D"</bpmn:timeDuration>'})
    case_id = start(api, "timer_from_data")
    clock.advance(days=1)
    api.complete(case_id, "notice", {**NOTICE, "notice_place": "3"})
    clock.advance(days=2, hours=23)
    fire(app, case_id)
    assert open_tasks(api, case_id) == []
    clock.advance(hours=2)
    fire(app, case_id)
    assert open_tasks(api, case_id) == ["conclude"]


def test_a_timer_expression_that_fails_names_the_timer_event_in_the_incident(app, api, clock):
    case_id = notice_case(api, "notice_ends_at")  # no such data: the designer meant a field never set
    api.complete(case_id, "notice", NOTICE)
    case = api.case(case_id)
    assert case["status"] == "incident" and case["incident"].startswith("公示期满：")
