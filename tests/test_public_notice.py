"""公示: the notice runs at least the configured WORKING days (holidays and 调休 counted by the calendar), the
case waits on 公示异议登记 with a timer at the end of its last day, moves on to 建档 by itself once the period
is over and timers fire, and an upheld objection sends it back to re-investigation. Time moves by the
settable clock."""
from datetime import date, datetime, timedelta

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.config import LOCAL_TIMEZONE
from bangfu.demo import answers
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_review_outcomes import open_names


def fire(app, case_id):
    run_in(app, lambda session: fire_timers(session, services(), case_id))


def at_local(clock, day, hour=9):
    clock.set_to(datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TIMEZONE))


def objection(received_on, decision="upheld"):
    return {"received_on": received_on.isoformat(), "channel": "letter", "content": "反映其配偶有经营收入",
            "finding": "经核查属实" if decision == "upheld" else "经核查不属实", "decision": decision}


@pytest.fixture
def replies(rng):
    """The approving answers, the visit made on 1 September: the tests here set the clock back to September 2026,
    and a visit is not dated after the day it is recorded."""
    found = answers(rng)
    found["household_visit"]["visit_date"] = "2026-09-01"
    return found


@pytest.fixture
def noticed(app, api, clock, case_at):
    """A case whose centre published a notice starting on a given day (the clock set to that morning)."""
    def publish(start, **extra):
        at_local(clock, start - timedelta(days=3))
        case_id = case_at("public_notice")
        at_local(clock, start)
        api.complete(case_id, "public_notice", {"notice_start": start.isoformat(), **extra})
        return case_id
    return publish


def test_a_notice_over_national_day_runs_to_october_9_and_the_case_moves_on_after_it(app, api, clock, noticed):
    """2026-09-28 (Mon) + 5 working days, both ends counted: 28, 29, 30 September, then 1–7 October off
    (国庆节、中秋节), 8 and 9 October: the notice ends on 9 October."""
    case_id = noticed(date(2026, 9, 28))
    assert open_names(api, case_id) == ["notice_objection"]
    task = api.open_task(case_id, "notice_objection")
    assert task["due_at"].startswith("2026-10-09T15:59:59"), "due at the end of 9 October in China"

    at_local(clock, date(2026, 10, 9), hour=23)
    fire(app, case_id)
    assert open_names(api, case_id) == ["notice_objection"], "its last day still receives objections"

    clock.set_to(datetime(2026, 10, 10, 0, 0, 1, tzinfo=LOCAL_TIMEZONE))
    assert open_names(api, case_id) == ["notice_objection"], "nothing moves until timers fire"
    fire(app, case_id)
    assert open_names(api, case_id) == ["open_file"]


def test_the_end_is_computed_shown_and_may_be_later_but_never_earlier(app, api, clock, case_at):
    at_local(clock, date(2026, 9, 25))
    case_id = case_at("public_notice")
    at_local(clock, date(2026, 9, 28))
    body = api.complete(case_id, "public_notice", {"notice_start": "2026-09-28", "notice_end": "2026-10-08"},
                        expect=422)
    assert body["error"]["fields"] == {"data.notice_end": [
        "公示期不少于 5 个工作日（含开始和结束当天，节假日不计），公示结束日期不能早于2026年10月9日"]}
    assert open_names(api, case_id) == ["public_notice"]

    api.complete(case_id, "public_notice", {"notice_start": "2026-09-28", "notice_end": "2026-10-12"})
    detail = api.get(f"/api/v1/tasks/{api.open_task(case_id, 'notice_objection')['id']}", "center1").get_json()
    assert detail["context"]["public_notice"]["notice_end"] == "2026-10-12"
    assert detail["context"]["public_notice"]["notice_ends_at"] == "2026-10-12T23:59:59+08:00"
    clock.set_to(datetime(2026, 10, 10, 9, tzinfo=LOCAL_TIMEZONE))
    fire(app, case_id)
    assert open_names(api, case_id) == ["notice_objection"], "a longer notice runs to the end it was given"


def test_an_upheld_objection_during_the_notice_sends_the_case_back_to_re_investigation(app, api, clock, noticed):
    case_id = noticed(date(2026, 9, 28))
    at_local(clock, date(2026, 9, 30))
    api.complete(case_id, "notice_objection", objection(date(2026, 9, 29)))
    assert open_names(api, case_id) == ["assign_third_party"]
    assert api.case(case_id)["category"] is None, "the category is decided again"
    clock.set_to(datetime(2026, 10, 12, 9, tzinfo=LOCAL_TIMEZONE))
    fire(app, case_id)
    assert open_names(api, case_id) == ["assign_third_party"], "the old notice's timer went with its wait"


def test_an_objection_not_upheld_is_recorded_and_the_wait_goes_on_to_the_same_end(app, api, clock, noticed):
    case_id = noticed(date(2026, 9, 28))
    at_local(clock, date(2026, 9, 29))
    api.complete(case_id, "notice_objection", objection(date(2026, 9, 29), "not_upheld"))
    assert open_names(api, case_id) == ["notice_objection"]
    task = api.open_task(case_id, "notice_objection")
    assert task["due_at"].startswith("2026-10-09T15:59:59")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "center1").get_json()
    assert [s["data"]["decision"] for s in detail["earlier_steps"] if s["name"] == "notice_objection"] == \
        ["not_upheld"], "the objection is on record above the reopened wait"

    clock.set_to(datetime(2026, 10, 9, 12, tzinfo=LOCAL_TIMEZONE))
    fire(app, case_id)
    assert open_names(api, case_id) == ["notice_objection"]
    clock.set_to(datetime(2026, 10, 10, 8, tzinfo=LOCAL_TIMEZONE))
    fire(app, case_id)
    assert open_names(api, case_id) == ["open_file"]


def test_an_objection_is_dated_within_the_notice_and_not_in_the_future(app, api, clock, noticed):
    case_id = noticed(date(2026, 9, 28))
    at_local(clock, date(2026, 9, 30))
    for received in (date(2026, 9, 27), date(2026, 10, 1)):
        body = api.complete(case_id, "notice_objection", objection(received), expect=422)
        assert body["error"]["fields"] == {"data.received_on": [
            "收到日期应在公示期内（2026年9月28日至2026年10月9日），且不晚于今天"]}
    assert open_names(api, case_id) == ["notice_objection"]
    api.complete(case_id, "notice_objection", objection(date(2026, 9, 28)))
    assert open_names(api, case_id) == ["assign_third_party"], "an objection received on the first day counts"


def test_an_objection_cannot_be_recorded_before_the_notice_starts(app, api, clock, case_at):
    at_local(clock, date(2026, 9, 25))
    case_id = case_at("public_notice")
    api.complete(case_id, "public_notice", {"notice_start": "2026-09-28"})
    body = api.complete(case_id, "notice_objection", objection(date(2026, 9, 25)), expect=422)
    assert "公示尚未开始" in body["error"]["fields"]["data.received_on"][0]


def test_the_shortest_notice_is_a_setting_in_working_days(app, api, clock, case_at, monkeypatch):
    monkeypatch.setattr(app.extensions["bangfu.services"], "notice_min_days", 7)
    at_local(clock, date(2026, 9, 25))
    case_id = case_at("public_notice")
    body = api.complete(case_id, "public_notice", {"notice_start": "2026-09-28", "notice_end": "2026-10-10"},
                        expect=422)
    assert "公示期不少于 7 个工作日" in body["error"]["fields"]["data.notice_end"][0]
    assert "不能早于2026年10月12日" in body["error"]["fields"]["data.notice_end"][0], \
        "Saturday 10 October is a 调休 working day and counts as the sixth"
    api.complete(case_id, "public_notice", {"notice_start": "2026-09-28"})
    detail = api.get(f"/api/v1/tasks/{api.open_task(case_id, 'notice_objection')['id']}", "center1").get_json()
    assert detail["context"]["public_notice"]["notice_end"] == "2026-10-12"


def test_a_notice_starting_in_a_year_without_holiday_data_is_refused_with_the_reason(app, api, clock, case_at):
    at_local(clock, date(2026, 11, 30))
    case_id = case_at("public_notice")
    at_local(clock, date(2026, 12, 28))
    body = api.complete(case_id, "public_notice", {"notice_start": "2027-01-04"}, expect=422)
    assert body["error"]["fields"] == {"data.notice_start": [
        "2027年的节假日安排尚未导入，无法按工作日计算；请中心管理员导入"]}


def test_a_notice_entered_after_its_last_day_has_run_its_course_and_the_case_goes_on(app, api, clock, case_at):
    """A notice posted on paper and entered late: its timer is already due when the wait begins."""
    at_local(clock, date(2026, 11, 30))
    case_id = case_at("public_notice")
    api.complete(case_id, "public_notice", {"notice_start": "2026-11-02"})
    assert open_names(api, case_id) == ["open_file"]
    detail = api.get(f"/api/v1/tasks/{api.open_task(case_id, 'open_file')['id']}", "center1").get_json()
    assert detail["context"]["public_notice"]["notice_end"] == "2026-11-06"
