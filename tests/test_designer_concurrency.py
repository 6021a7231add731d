"""Designers' and the centre head's commands from real concurrent clients (a served app, one connection per
request): deployments of one model, saves of one form draft, actions on one incident. Runs on whichever database
the suite uses; the races bite on PostgreSQL."""
import threading

import pytest
from http_helpers import post_file
from test_process_models import script_model

CLIENTS = 4


def at_once(calls):
    """Run the callables at the same moment; their results in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def client(i):
        barrier.wait()
        results[i] = calls[i]()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def deploy_at_once(server, token, documents):
    url = f"{server}/api/v1/process-models"
    return at_once([lambda document=document: post_file(url, token, "file", "model.bpmn", document)
                    for document in documents])


def versions(api, key="script_check"):
    models = {m["key"]: m for m in api.get("/api/v1/process-models", "designer1").get_json()}
    return [v["version"] for v in models[key]["versions"]]


@pytest.mark.parametrize("round_", range(2))
def test_first_deployments_of_a_new_model_at_once_all_succeed_numbered_without_gaps(api, server, round_):
    """Each inserts the new model's row; those that lost the unique key were a generic 409 (与已有数据冲突)."""
    results = deploy_at_once(server, api.token("designer1"),
                             [script_model(script=f"total = {i}") for i in range(CLIENTS)])
    assert [status for status, _ in results] == [201] * CLIENTS, results
    assert sorted(body["version"]["version"] for _, body in results) == list(range(1, CLIENTS + 1))
    assert versions(api) == list(range(1, CLIENTS + 1))


def test_the_same_new_model_deployed_at_once_is_one_version(api, server):
    results = deploy_at_once(server, api.token("designer1"), [script_model()] * CLIENTS)
    assert sorted(status for status, _ in results) == [200] * (CLIENTS - 1) + [201], results
    assert {body["version"]["version"] for _, body in results} == {1}
    assert versions(api) == [1]


def test_saves_of_one_form_revision_at_once_keep_one_and_tell_the_others_who_saved(app, server):
    """Each designer opened revision 0 and saves at once: exactly one save is kept, every other is a 409 naming
    the designer whose save was kept."""
    import json
    import re

    from bangfu.people.operations import create_user
    from bangfu.unit_of_work import run_in
    from http_helpers import PageSession
    from test_form_drafts import FORM, drafts, retitled
    names = {f"designer{i}": f"设计员{i}" for i in range(2, CLIENTS + 1)}
    for username, display in names.items():
        run_in(app, create_user, username, "designer", "ZJG-CENTER", f"{username}-secret", display_name=display,
               hash_profile="fast")
    sessions = [PageSession(server, username) for username in ["designer1", *names]]
    tokens = [session.token() for session in sessions]
    results = at_once([lambda i=i: sessions[i].post(f"/forms/{FORM}", {
        "schema": retitled(f"修改{i}"), "ui_schema": "{}", "based_on": 0, "csrf_token": tokens[i]})
        for i in range(CLIENTS)])
    assert sorted(status for status, _ in results) == [302] + [409] * (CLIENTS - 1), [s for s, _ in results]
    kept = drafts(app)
    assert len(kept) == 1 and kept[0][0] == 1
    winner = names.get(kept[0][1], "designer1")
    for status, html in results:
        if status == 409:
            assert f"在您打开后已由 {winner} 保存过（现为第 1 版）" in html, re.findall(r"表单 \S+ 在您[^<]*", html)
    assert json.loads(json.dumps(kept))  # the kept revision is one of those typed
    assert kept[0][2] in {f"修改{i}" for i in range(CLIENTS)}


def test_actions_on_one_incident_at_once_act_once(api, app, server):
    """Two retries, a skip and a termination of one case at once: one acts, the others are told the case is no
    longer in incident; the history has one action line."""
    from bangfu import calendar
    from bangfu.unit_of_work import run_in
    from http_helpers import post_json
    from test_calendar import YEAR_2027
    from test_incidents import case_in_incident
    case_id = case_in_incident(api, 'due = add_working_days("2027-03-01", 3)')
    run_in(app, calendar.import_days, YEAR_2027, "2027.csv")  # the repair: whichever action wins, the case leaves
    token = api.token("head1")
    actions = ["retry", "retry", "skip", "terminate"]
    results = at_once([lambda action=action: post_json(f"{server}/api/v1/incidents/{case_id}/{action}", token,
                                                       {"reason": f"处理{action}"}) for action in actions])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409], results
    assert all("未处于流程异常状态" in body["error"]["message"] for status, body in results if status == 409), results
    history = [entry["action"] for entry in api.case(case_id)["history"]]
    handled = {"incident_retried", "incident_skipped", "terminated"}  # whichever of the four won
    assert sum(action in handled for action in history) == 1, history
