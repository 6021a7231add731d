"""消息: every user is told of tasks that arrived for them, cases returned to them and their own overdue
tasks, with an unread count that drops as they read; nobody hears of another organisation's tasks."""
import random
from datetime import datetime, timezone

import pytest

from bangfu.demo import declaration

_seeds = iter(range(100, 10**6))


def declared(api, user="union1"):
    """A case whose declaration `user` submitted, for another household each time: its 初审 arrives in the
    union's pool (a draft's own declaration is no message)."""
    case = api.start(user)
    api.complete(case["id"], "declaration", declaration(random.Random(next(_seeds))), user)
    return case


def messages(api, user, **query):
    response = api.get("/api/v1/messages", user, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def read(api, user, body, expect=200):
    response = api.post("/api/v1/messages/read", user, json=body)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_a_new_task_is_a_message_for_its_pool_and_read_one_by_one(api, household):
    case = api.start()
    # The draft its user just opened (新建申报) did not arrive from anyone: no message, no unread count.
    assert messages(api, "union1") == {"items": [], "total": 0, "total_exact": True, "unread": 0, "page": 1,
                                       "page_size": 50}
    assert messages(api, "union2")["items"] == []

    api.complete(case["id"], "declaration", household)  # the preliminary review arrives; the declaration is done
    after = messages(api, "union1")
    [message] = after["items"]
    assert (message["kind"], message["kind_label"], message["task_name"], message["read"]) == \
        ("arrived", "新任务", "preliminary_review", False)
    assert message["case_id"] == case["id"] and "初审" in message["text"]
    assert after["unread"] == 1 and household["name"] in after["items"][0]["text"]

    marked = read(api, "union1", {"ids": [after["items"][0]["id"]]})
    assert marked == {"marked": 1, "unread": 0}
    again = messages(api, "union1")
    assert again["unread"] == 0 and again["items"][0]["read"] is True
    assert messages(api, "union1", unread="true")["items"] == []
    assert read(api, "union1", {"ids": [after["items"][0]["id"]]}) == {"marked": 0, "unread": 0}


def test_a_union_never_hears_of_another_union_s_tasks(api, household):
    case = api.start("union1")
    api.complete(case["id"], "declaration", household)
    assert messages(api, "union2")["items"] == [] and messages(api, "union2")["unread"] == 0
    theirs = messages(api, "union1")["items"][0]["id"]
    # Marking another user's message read does nothing, to either of them.
    assert read(api, "union2", {"ids": [theirs]}) == {"marked": 0, "unread": 0}
    assert messages(api, "union1")["unread"] == 1


def test_a_third_party_hears_only_of_visits_assigned_to_it(api, case_at):
    case_at("household_visit")
    mine = [m["task_name"] for m in messages(api, "thirdparty1")["items"]]
    assert mine == ["household_visit"]
    assert messages(api, "thirdparty2")["items"] == []


def test_a_task_claimed_by_a_colleague_leaves_the_others_messages(app, api):
    from bangfu.people.operations import create_user
    from bangfu.unit_of_work import run_in
    run_in(app, create_user, "union1b", "grassroots_union", "U-STEEL", "union1b-secret", hash_profile="fast")
    case = declared(api, "union1")
    task = api.open_task(case["id"], "preliminary_review")
    assert messages(api, "union1b")["unread"] == 1
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "union1").status_code == 200
    assert messages(api, "union1b")["items"] == []
    assert [m["task_name"] for m in messages(api, "union1")["items"]] == ["preliminary_review"]


def test_a_case_returned_for_correction_is_a_returned_message(api, clock, household):
    case = api.start()
    api.complete(case["id"], "declaration", household)
    read(api, "union1", {"all": True})
    clock.advance(minutes=1)  # the return comes after the user read everything
    api.complete(case["id"], "preliminary_review", {"decision": "return", "opinion": "请补充诊断证明"})
    found = messages(api, "union1")
    [message] = found["items"]
    assert (message["kind"], message["kind_label"], message["round"], message["task_name"]) == \
        ("returned", "退回补正", 2, "declaration")
    assert "退回" in message["text"] and found["unread"] == 1


def test_a_second_visit_after_an_upheld_objection_comes_again_and_was_not_returned(api, case_at, replies):
    """The inspector's and the visitor's second round follows an objection the centre upheld: nobody sent
    their work back, so the message says it comes again (再次办理), as the inbox, which marks no 退回补正."""
    case_id = case_at("public_notice")
    api.uphold_objection(case_id, replies)
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])
    for user, title in (("inspector1", "走访监督"), ("thirdparty1", "入户走访")):
        [message] = messages(api, user)["items"]
        assert (message["kind"], message["kind_label"], message["round"]) == ("again", "再次办理", 2)
        assert "退回" not in message["text"] and f"的{title}再次到达，请办理（第 2 轮）" in message["text"]
        inbox = api.get("/api/v1/tasks", user).get_json()["items"]
        assert [t["returned_for_correction"] for t in inbox] == [False]


def test_an_overdue_task_appears_when_the_clock_passes_its_due_date(api, clock, household):
    clock.set_to(datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc))  # a Monday, 09:00 in China, no holidays near
    case = api.start()
    api.complete(case["id"], "declaration", household)  # 初审 due in 5 working days: the next Monday
    read(api, "union1", {"all": True})
    assert messages(api, "union1")["unread"] == 0
    clock.advance(days=7)
    assert messages(api, "union1")["unread"] == 0  # its last day is still in time
    clock.advance(days=1)
    found = messages(api, "union1")
    assert found["unread"] == 1
    overdue = found["items"][0]
    assert (overdue["kind"], overdue["kind_label"], overdue["task_name"]) == ("overdue", "逾期", "preliminary_review")
    assert "超过办理期限" in overdue["text"]
    assert [m["kind"] for m in found["items"]] == ["overdue", "arrived"]  # newest first
    assert messages(api, "union2")["items"] == []
    assert read(api, "union1", {"ids": [overdue["id"]]}) == {"marked": 1, "unread": 0}


def test_mark_all_read_covers_what_arrived_before_and_not_what_comes_after(api, clock, household):
    for _ in range(3):
        declared(api)
    assert messages(api, "union1")["unread"] == 3
    assert read(api, "union1", {"all": True}) == {"marked": 3, "unread": 0}
    assert all(m["read"] for m in messages(api, "union1")["items"])
    clock.advance(minutes=1)
    declared(api)
    found = messages(api, "union1", unread="true")
    assert found["unread"] == 1 and len(found["items"]) == 1 and found["total"] == 1


def test_roles_without_tasks_have_an_empty_list(api):
    api.start()
    for user in ("supervisor1", "designer1"):
        assert messages(api, user) == {"items": [], "total": 0, "total_exact": True, "unread": 0, "page": 1,
                                       "page_size": 50}


@pytest.mark.parametrize("body, field", [
    ({}, "ids"), ({"ids": ["task-1"]}, "ids"), ({"ids": ["arrived-0"]}, "ids"), ({"ids": "arrived-1"}, "ids"),
    ({"all": "maybe"}, "all"),
])
def test_bad_read_requests_name_the_field(api, body, field):
    response = api.post("/api/v1/messages/read", "union1", json=body)
    assert response.status_code in (400, 422)
    assert any(key.split(".")[0] == field for key in response.get_json()["error"]["fields"]), response.get_json()


def test_messages_need_a_token(api):
    assert api.get("/api/v1/messages").status_code == 401
    assert api.post("/api/v1/messages/read", json={"all": True}).status_code == 401


def test_paging(api):
    for _ in range(3):
        declared(api)
    first = messages(api, "union1", page_size=2)
    second = messages(api, "union1", page_size=2, page=2)
    assert first["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    assert {m["id"] for m in first["items"]}.isdisjoint(m["id"] for m in second["items"])
    bad = api.get("/api/v1/messages", "union1", query_string={"page_size": 0})
    assert bad.status_code == 422 and "page_size" in str(bad.get_json()["error"]["fields"])
