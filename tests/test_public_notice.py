"""公示: the notice runs at least the configured days, is concluded 通过 only once it is over, and an upheld
objection can be recorded any day it runs. Time moves by the settable clock."""
from datetime import timedelta

from test_review_outcomes import open_names


def notice(replies, start, end, **changes):
    return dict(replies["public_notice"], notice_start=start.isoformat(), notice_end=end.isoformat(), **changes)


def objection(replies, start, end):
    return notice(replies, start, end, decision="return", opinion="异议成立，重新调查",
                  objections=[{"received_on": start.isoformat(), "content": "反映其配偶有经营收入", "finding": "属实"}])


def test_a_notice_shorter_than_the_minimum_is_refused_beside_its_end_date(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    start = clock.today() - timedelta(days=10)
    body = api.complete(case_id, "public_notice", notice(replies, start, start + timedelta(days=3)), expect=422)
    day = start + timedelta(days=4)
    assert body["error"]["fields"] == {"data.notice_end": [
        f"公示期不少于 5 天（含开始和结束当天），公示结束日期不能早于{day.year}年{day.month}月{day.day}日"]}
    assert open_names(api, case_id) == ["public_notice"]

    api.complete(case_id, "public_notice", notice(replies, start, day))
    assert open_names(api, case_id) == ["open_file"], "five days, both ends counted, are enough"


def test_one_answer_names_both_a_short_notice_and_an_early_approval(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    body = api.complete(case_id, "public_notice", notice(replies, clock.today(), clock.today()), expect=422)
    assert sorted(body["error"]["fields"]) == ["data.decision", "data.notice_end"]


def test_approve_is_refused_until_the_notice_is_over_and_accepted_the_day_after(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    start, end = clock.today(), clock.today() + timedelta(days=6)
    body = api.complete(case_id, "public_notice", notice(replies, start, end), expect=422)
    assert list(body["error"]["fields"]) == ["data.decision"]
    assert "期满后" in body["error"]["fields"]["data.decision"][0]

    clock.advance(days=6)
    body = api.complete(case_id, "public_notice", notice(replies, start, end), expect=422)
    assert list(body["error"]["fields"]) == ["data.decision"], "its last day still receives objections"
    assert open_names(api, case_id) == ["public_notice"]

    clock.advance(days=1)
    api.complete(case_id, "public_notice", notice(replies, start, end))
    assert open_names(api, case_id) == ["open_file"]


def test_an_upheld_objection_is_recorded_while_the_notice_runs(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    start = clock.today() - timedelta(days=1)
    api.complete(case_id, "public_notice", objection(replies, start, start + timedelta(days=6)))
    assert open_names(api, case_id) == ["assign_third_party"]


def test_an_objection_cannot_be_recorded_before_the_notice_starts(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    start = clock.today() + timedelta(days=1)
    body = api.complete(case_id, "public_notice", objection(replies, start, start + timedelta(days=6)), expect=422)
    assert sorted(body["error"]["fields"]) == ["data.notice_start", "data.objections.0.received_on"]
    assert "公示尚未开始" in body["error"]["fields"]["data.notice_start"][0]
    assert open_names(api, case_id) == ["public_notice"]


def test_the_shortest_notice_is_a_setting(app, api, clock, case_at, replies, monkeypatch):
    monkeypatch.setattr(app.extensions["bangfu.services"], "notice_min_days", 7)
    case_id = case_at("public_notice")
    start = clock.today() - timedelta(days=10)
    body = api.complete(case_id, "public_notice", notice(replies, start, start + timedelta(days=5)), expect=422)
    assert "公示期不少于 7 天" in body["error"]["fields"]["data.notice_end"][0]
    api.complete(case_id, "public_notice", notice(replies, start, start + timedelta(days=6)))


def test_an_objection_is_dated_within_the_notice_period_and_not_in_the_future(api, clock, case_at, replies):
    case_id = case_at("public_notice")
    start, end = clock.today() - timedelta(days=2), clock.today() + timedelta(days=4)
    late = objection(replies, start, end)
    late["objections"][0]["received_on"] = (clock.today() + timedelta(days=1)).isoformat()
    body = api.complete(case_id, "public_notice", late, expect=422)
    assert list(body["error"]["fields"]) == ["data.objections.0.received_on"]
    assert open_names(api, case_id) == ["public_notice"]

    api.complete(case_id, "public_notice", objection(replies, start, end))
    assert open_names(api, case_id) == ["assign_third_party"], "an objection received on the first day counts"
