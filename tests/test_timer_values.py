"""Timer values in models: ISO 8601 as the BPMN standard and Camunda Modeler write them, or expressions;
a value no timer can use is refused at deployment naming the element, in Chinese; a timer start event is
exposed as plain data for the scheduler (when cases start), and its cases run past it at once."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from bangfu.engine import ModelInvalid, StartTimer, parse_model
from bangfu.process_models.operations import latest_version
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_process_models import upload

DATA = Path(__file__).parent / "data"
CHINA = timezone(timedelta(hours=8))
UTC = timezone.utc


def model(name, **replace):
    text = (DATA / name).read_text(encoding="utf-8")
    for placeholder, value in replace.items():
        text = text.replace(placeholder, value)
    return text.encode()


def intermediate(element, value):
    return model("timer.bpmn", **{'<bpmn:timeDuration>"DURATION"</bpmn:timeDuration>':
                                  f"<bpmn:{element}>{value}</bpmn:{element}>"})


def start_model(element, value):
    return model("timer_start.bpmn", TIMER=f"<bpmn:{element}>{value}</bpmn:{element}>")


@pytest.mark.parametrize("element, value", [
    ("timeDuration", "PT2S"), ("timeDuration", "P5D"), ("timeDuration", "P1Y2M3DT4H5M6S"), ("timeDuration", "P2W"),
    ("timeDuration", '"P5D"'), ("timeDate", "2026-12-01T09:00:00+08:00"), ("timeDate", "2026-12-01T01:00:00Z"),
    ("timeDate", "2026-12-01"), ("timeDate", "2026-12-01T09:00:00"), ("timeDate", 'notice_end + "T09:00:00"'),
])
def test_iso_values_and_expressions_are_deployed(api, element, value):
    response = upload(api, intermediate(element, value))
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("element, value, fragment", [
    ("timeDuration", "P1X", "定时器时长“P1X”无效"),
    ("timeDuration", "PT5", "定时器时长“PT5”无效"),
    ("timeDuration", "P1W2D", "定时器时长“P1W2D”无效"),
    ("timeDuration", '"five days"', "定时器时长“five days”无效"),
    ("timeDuration", "5", "应为文本"),
    ("timeDuration", "P99999999999Y", "超过 100 年"),
    ("timeDate", "9999-12-31T23:59:59-01:00", "超出范围"),
    ("timeDate", "2026-13-01", "定时器时间“2026-13-01”无效"),
    ("timeDate", "2026-12-01T25:00:00+08:00", "定时器时间"),
    ("timeDate", "2026-12", "定时器时间"),
    ("timeCycle", "R3/P1D", "只能用于定时开始事件和非中断边界事件"),
])
def test_a_timer_value_no_timer_can_use_is_refused_naming_the_event(api, element, value, fragment):
    response = upload(api, intermediate(element, value))
    assert response.status_code == 422
    problems = response.get_json()["error"]["fields"]["wait"]
    assert any(fragment in problem for problem in problems), problems


def test_a_camunda_juel_expression_is_refused_as_a_timer_expression(api):
    response = upload(api, intermediate("timeDuration", "${noticeDays}"))
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["wait"][0].startswith("定时器表达式不安全或有误")


def test_a_timer_without_a_value_is_refused(api):
    response = upload(api, model("timer_start.bpmn", TIMER=""))
    assert response.status_code == 422
    assert "定时器缺少时间设置" in response.get_json()["error"]["fields"]["start"][0]


@pytest.mark.parametrize("cancel, value, fragment", [
    ("false", "R/P1D", "须写明次数"),
    ("false", "R101/P1D", "不超过 100 次"),
    ("false", "R0/P1D", "次数为 0"),
    ("false", "R3/P0D", "周期为 0"),
    ("false", "R/2027-01-01/2028-01-01", "定时器循环“R/2027-01-01/2028-01-01”无效"),
    ("true", "R3/P1D", "只能用于定时开始事件和非中断边界事件"),
])
def test_repeating_boundary_timers_must_be_bounded(api, cancel, value, fragment):
    xml = model("timer_boundary.bpmn", CANCEL=cancel, TIMER=f"<bpmn:timeCycle>{value}</bpmn:timeCycle>")
    response = upload(api, xml)
    assert response.status_code == 422
    assert fragment in response.get_json()["error"]["fields"]["overdue"][0]


def test_a_start_timer_must_not_depend_on_case_data(api):
    response = upload(api, start_model("timeCycle", "yearly"))
    assert response.status_code == 422
    assert "定时开始事件的时间须为固定值" in response.get_json()["error"]["fields"]["start"][0]


def test_the_stored_model_keeps_the_timer_as_the_designer_wrote_it():
    parsed = parse_model(intermediate("timeDate", "2026-12-01T09:00:00"))
    assert "<bpmn:timeDate>2026-12-01T09:00:00</bpmn:timeDate>" in parsed.xml


# Timer start events: what the scheduler reads, and the cases it starts.

def test_a_yearly_cycle_from_a_date_starts_on_that_day_each_year_at_the_same_china_time():
    timer = parse_model(start_model("timeCycle", "R/2027-01-15T09:00:00/P1Y")).start_timer
    assert (timer.kind, timer.period, timer.count) == ("cycle", "P1Y", None)
    assert timer.first_due == datetime(2027, 1, 15, 9, tzinfo=CHINA)
    deployed = datetime(2026, 11, 30, tzinfo=UTC)
    assert timer.due(deployed) == datetime(2027, 1, 15, 1, tzinfo=UTC)
    after_first = timer.next_due(timer.due(deployed), deployed)
    assert after_first == datetime(2028, 1, 15, 1, tzinfo=UTC)
    assert timer.next_due(datetime(2035, 6, 1, tzinfo=UTC), deployed) == datetime(2036, 1, 15, 1, tzinfo=UTC)


def test_a_cycle_counts_its_starts_and_stops():
    timer = parse_model(start_model("timeCycle", "R3/2027-01-31T09:00:00+08:00/P1M")).start_timer
    deployed = datetime(2026, 11, 30, tzinfo=UTC)
    starts, due = [], timer.due(deployed)
    while due is not None:
        starts.append(due.astimezone(CHINA).date().isoformat())
        due = timer.next_due(due, deployed)
    assert starts == ["2027-01-31", "2027-02-28", "2027-03-31"]  # month ends, no drift


def test_a_cycle_without_a_start_counts_from_deployment():
    timer = parse_model(start_model("timeCycle", "R/P1D")).start_timer
    assert timer.first_due is None
    deployed = datetime(2026, 11, 30, 3, tzinfo=UTC)
    assert timer.due(deployed) == datetime(2026, 12, 1, 3, tzinfo=UTC)
    assert timer.next_due(datetime(2026, 12, 1, 3, tzinfo=UTC), deployed) == datetime(2026, 12, 2, 3, tzinfo=UTC)


def test_a_date_or_a_duration_starts_once():
    deployed = datetime(2026, 11, 30, 3, tzinfo=UTC)
    on_date = parse_model(start_model("timeDate", "2026-12-01")).start_timer
    assert (on_date.kind, on_date.count, on_date.due(deployed)) == ("date", 1, datetime(2026, 11, 30, 16, tzinfo=UTC))
    assert on_date.next_due(datetime(2026, 11, 30, 16, tzinfo=UTC), deployed) is None
    later = parse_model(start_model("timeDuration", "PT2H")).start_timer
    assert later.due(deployed) == datetime(2026, 11, 30, 5, tzinfo=UTC)
    assert later.next_due(later.due(deployed), deployed) is None


def test_a_model_without_a_start_timer_has_none():
    assert parse_model(intermediate("timeDuration", "P1D")).start_timer is None


def test_two_timer_start_events_are_refused():
    text = start_model("timeCycle", "R/P1Y").decode()
    second = ('<bpmn:startEvent id="start2"><bpmn:outgoing>f9</bpmn:outgoing><bpmn:timerEventDefinition>'
              '<bpmn:timeDate>2027-01-01</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:startEvent>'
              '<bpmn:sequenceFlow id="f9" sourceRef="start2" targetRef="review" />')
    with pytest.raises(ModelInvalid) as refused:
        parse_model(text.replace("</bpmn:process>", second + "</bpmn:process>").encode())
    assert [(p.element, p.problem) for p in refused.value.problems] == [("start2", "流程只能有一个定时开始事件")]


@pytest.mark.parametrize("element, value", [("timeCycle", "R/P1Y"), ("timeCycle", "R3/2099-01-01T09:00:00/P1D"),
                                            ("timeDate", "2099-01-01"), ("timeDuration", "P5D")])
def test_a_deployed_versions_start_timer_is_read_by_the_service_and_its_cases_start_at_once(app, api, clock,
                                                                                            element, value):
    assert upload(api, start_model(element, value)).status_code == 201

    def read(session):
        return services().store.start_timer(latest_version(session, "timer_start"))
    timer = run_in(app, read)
    assert isinstance(timer, StartTimer) and timer.element == "start" and timer.kind == {
        "timeCycle": "cycle", "timeDate": "date", "timeDuration": "duration"}[element]
    case = api.post("/api/v1/cases", "union1", json={"process": "timer_start"}).get_json()
    assert [t["name"] for t in case["open_tasks"]] == ["review"]
    clock.advance(days=20)  # the start event holds no timer of its own in the case
    api.complete(case["id"], "review", {"decision": "approve"})
    assert api.case(case["id"])["status"] == "completed"


def test_a_version_without_a_start_timer_reads_as_none(app, api):
    assert upload(api, intermediate("timeDuration", "P1D")).status_code == 201
    assert run_in(app, lambda s: services().store.start_timer(latest_version(s, "timer_wait"))) is None


@pytest.mark.parametrize("value", ["R/PT1S", "R/PT0.001S", "R3/PT1M", "R/2027-01-01T09:00:00+08:00/PT12H"])
def test_a_start_timer_firing_more_often_than_daily_is_refused(api, value):
    """Each firing starts a case: R/PT1S would start one at every scheduler tick, for as long as it runs."""
    response = upload(api, start_model("timeCycle", value))
    assert response.status_code == 422
    assert "循环周期不能短于 1 天" in response.get_json()["error"]["fields"]["start"][0]
    assert upload(api, start_model("timeCycle", "R/PT24H")).status_code == 201
