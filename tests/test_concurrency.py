"""Real concurrent HTTP clients against a real server: one winner, the others a 409, never a 500.

Runs on whichever database the suite uses; CI runs it on SQLite and on PostgreSQL.
"""
import threading

import pytest
from http_helpers import post_json

CLIENTS = 6




def race(url, tokens, body):
    """Fire one POST per token at the same moment; return [(status, body)]."""
    barrier = threading.Barrier(len(tokens))
    results = [None] * len(tokens)

    def client(i):
        barrier.wait()
        results[i] = post_json(url, tokens[i], body)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


@pytest.fixture
def second_center_users(app):
    from bangfu.people.operations import create_user
    from bangfu.unit_of_work import run_in
    for i in range(2, CLIENTS + 1):
        run_in(app, create_user, f"center{i}", "assistance_center", "ZJG-CENTER", "center-secret", hash_profile="fast")
    return ["center1"] + [f"center{i}" for i in range(2, CLIENTS + 1)]


@pytest.mark.parametrize("round_", range(3))
def test_only_one_of_several_users_completing_the_same_task_succeeds(
        api, server, case_at, replies, second_center_users, round_):
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    tokens = [api.token(u) for u in second_center_users]

    results = race(f"{server}/api/v1/tasks/{task['id']}/complete", tokens, {"data": replies["re_review"]})

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (CLIENTS - 1), results
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict" and body["error"]["message"]
    case = api.case(case_id)
    assert [e["task"] for e in case["history"] if e["action"] == "completed"].count("re_review") == 1
    assert [t["name"] for t in case["open_tasks"]] == ["public_notice"], "the next step opened exactly once"


def test_only_one_of_several_users_claiming_the_same_task_gets_it(api, server, case_at, second_center_users):
    case_id = case_at("assign_third_party")
    task = api.open_task(case_id, "assign_third_party")
    tokens = [api.token(u) for u in second_center_users]

    results = race(f"{server}/api/v1/tasks/{task['id']}/claim", tokens, {})

    assert sorted(s for s, _ in results) == [200] + [409] * (CLIENTS - 1), results
    winner = next(body["assignee"] for status, body in results if status == 200)
    assert api.open_task(case_id, "assign_third_party")["assignee"] == winner


def test_parallel_branches_completed_at_once_both_count(api, server, case_at, replies):
    """The visit and the oversight finish at the same moment: both are kept (the loser is retried)."""
    case_id = case_at("household_visit")
    visit = api.open_task(case_id, "household_visit")
    oversight = api.open_task(case_id, "visit_oversight")
    barrier = threading.Barrier(2)
    results = {}

    def client(name, task, user, data):
        barrier.wait()
        results[name] = post_json(f"{server}/api/v1/tasks/{task['id']}/complete", api.token(user), {"data": data})

    threads = [threading.Thread(target=client, args=("visit", visit, "thirdparty1", replies["household_visit"])),
               threading.Thread(target=client, args=("oversight", oversight, "inspector1",
                                                     replies["visit_oversight"]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert [status for status, _ in results.values()] == [200, 200], results
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["re_review"]


@pytest.mark.parametrize("round_", range(4))
def test_a_claim_and_a_completion_arriving_together_never_both_succeed(
        api, server, case_at, replies, second_center_users, round_):
    """A completion holds its task with a conditional update: a colleague's claim cannot slip in under it."""
    case_id = case_at("assign_third_party")
    task = api.open_task(case_id, "assign_third_party")
    barrier = threading.Barrier(2)
    results = {}

    def act(name, path, user, body):
        barrier.wait()
        results[name] = post_json(f"{server}/api/v1/tasks/{task['id']}/{path}", api.token(user), body)
    threads = [threading.Thread(target=act, args=("complete", "complete", "center1",
                                                  {"data": replies["assign_third_party"]})),
               threading.Thread(target=act, args=("claim", "claim", "center2", {}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    outcome = (results["complete"][0], results["claim"][0])
    assert outcome in {(200, 409), (409, 200)}, results
    history = api.case(case_id)["history"]
    if outcome == (200, 409):
        assert [e["action"] for e in history][-1] != "claimed"
    else:
        assert api.open_task(case_id, "assign_third_party")["assignee"] == "center2"
