"""The household visit and its oversight as their users work them on the pages (Flask client): the third
party's visit record with bad input, the inspector's oversight and what each may read or change."""
import json
from datetime import timedelta

from bangfu import clock
from test_pages import Browser, widget


def visit_page(app, api, case_id):
    visitor = Browser(app, "thirdparty1")
    return visitor, f"/tasks/{api.open_task(case_id, 'household_visit')['id']}"


def test_a_visit_dated_in_the_future_comes_back_beside_its_date(app, api, case_at, replies):
    case_id = case_at("household_visit")
    visitor, url = visit_page(app, api, case_id)
    typed = dict(replies["household_visit"], visit_date=(clock.today() + timedelta(days=1)).isoformat())
    response = visitor.post(url, {"data": json.dumps(typed, ensure_ascii=False)})

    assert response.status_code == 422
    form = widget(response.get_data(as_text=True))
    assert form["errors"]["data.visit_date"] == ["走访日期不能晚于今天（2026年11月30日）"]
    assert form["formData"] == typed
    assert "household_visit" in [t["name"] for t in api.case(case_id)["open_tasks"]]

    today = dict(typed, visit_date=clock.today().isoformat())
    assert visitor.post(url, {"data": json.dumps(today, ensure_ascii=False)}).status_code == 302


def text_of(html):
    """The page's text above the case's history (办理记录, the whole case's, kept as it is)."""
    import re
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).split("办理记录")[0]


def test_a_done_visit_shows_its_own_round_and_only_the_steps_before_it(app, api, case_at, replies):
    """Opened later (from the history or a bookmark), each visit round's page reads as that round: its own
    answers under its own round number, the steps before it, no later round and no 已等待."""
    case_id = case_at("household_visit")
    first_id = api.open_task(case_id, "household_visit")["id"]
    api.complete(case_id, "household_visit", replies["household_visit"])
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])
    api.complete(case_id, "re_review", replies["re_review"])
    api.uphold_objection(case_id, replies, "群众来电反映其家中新购轿车一辆")
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])
    second_id = api.open_task(case_id, "household_visit")["id"]
    api.complete(case_id, "household_visit", dict(replies["household_visit"], findings="复查：轿车登记在其弟名下"))
    visitor = Browser(app, "thirdparty1")

    first = text_of(visitor.get(f"/tasks/{first_id}").get_data(as_text=True))
    assert "入户走访（只读）" in first and "入户核实，情况属实" in first
    assert "复查：轿车登记在其弟名下" not in first and "公示异议登记" not in first, "nothing from after round 1"
    assert "已等待" not in first and "由 thirdparty1 办结" in first

    second = text_of(visitor.get(f"/tasks/{second_id}").get_data(as_text=True))
    assert "入户走访（第2次）（只读）" in second
    assert second.count("复查：轿车登记在其弟名下") == 1, "its own answers once, not again among the earlier steps"
    assert "入户走访 （第1次）" in second and "入户核实，情况属实" in second
    detail = api.get(f"/api/v1/tasks/{second_id}", "thirdparty1").get_json()
    assert detail["round"] == 2 and [s["round"] for s in detail["earlier_steps"] if s["name"] == "household_visit"] == [1]


def test_the_oversight_page_says_the_visit_is_still_being_made_and_by_whom(app, api, case_at, replies):
    """走访监督 opens beside the visit: until the visit record is in, the inspector's page says that the visit is
    still open, with the third party that holds it and its due date, rather than showing no visit at all."""
    case_id = case_at("household_visit")
    inspector = Browser(app, "inspector1")
    url = f"/tasks/{api.open_task(case_id, 'visit_oversight')['id']}"

    page = text_of(inspector.get(url).get_data(as_text=True))
    assert "本案同时在办：入户走访（张家港市阳光社工服务中心，办理期限2026年12月14日）" in page.replace(" ", "")

    api.complete(case_id, "household_visit", replies["household_visit"])
    page = text_of(inspector.get(url).get_data(as_text=True))
    assert "同时在办" not in page and "入户走访 · thirdparty1" in page


def test_blank_text_is_no_answer_for_a_return_s_opinion_or_the_visit_s_findings(app, api, case_at, replies):
    """Spaces and line breaks alone were taken as the 审核意见 that a 退回补正 requires, so the centre was asked to
    answer a problem nobody named; and as the visit's 走访情况."""
    case_id = case_at("household_visit")
    inspector = Browser(app, "inspector1")
    url = f"/tasks/{api.open_task(case_id, 'visit_oversight')['id']}"
    response = inspector.post(url, {"data": json.dumps({"decision": "return", "opinion": "  \n　 "})})
    assert response.status_code == 422
    assert widget(response.get_data(as_text=True))["errors"]["data.opinion"] == ["必填"]

    visitor, visit_url = visit_page(app, api, case_id)
    blank = dict(replies["household_visit"], findings=" \n\n ")
    response = visitor.post(visit_url, {"data": json.dumps(blank, ensure_ascii=False)})
    assert response.status_code == 422
    assert widget(response.get_data(as_text=True))["errors"]["data.findings"] == ["必填"]
    assert sorted(t["name"] for t in api.case(case_id)["open_tasks"]) == ["household_visit", "visit_oversight"]


def test_the_oversight_s_return_marks_no_visit_in_the_visitor_s_inbox(app, api, case_at, replies):
    """走访监督's 退回补正 goes to the centre's 问题整改答复: the visit beside it, not yet made and never returned,
    is no 退回补正 in the visitor's inbox (the mark was the case's, so the visitor read their first visit as
    sent back to them)."""
    case_id = case_at("household_visit")
    api.complete(case_id, "visit_oversight", {"decision": "return", "opinion": "走访人员未出示工作证件"})
    assert sorted(t["name"] for t in api.case(case_id)["open_tasks"]) == ["answer_irregularity", "household_visit"]

    [visit] = api.get("/api/v1/tasks", "thirdparty1").get_json()["items"]
    assert (visit["name"], visit["returned_for_correction"]) == ("household_visit", False)
    inbox = Browser(app, "thirdparty1").get("/inbox").get_data(as_text=True)
    assert "入户走访" in inbox and "退回补正" not in inbox
    assert api.case(case_id)["returned_for_correction"] is True, "the case itself was returned, as its list shows"
