"""Who may do what: every role against every endpoint, and how claiming a task works."""
import io
from pathlib import Path

import pytest
from sqlalchemy import select, update

from service import db
from service.people.models import User
from service.people.operations import create_user

BPMN = Path(__file__).resolve().parent.parent / "bpmn" / "hardship_assistance.bpmn"
ROLE_ORG = {"union1": ("grassroots_union", "U-STEEL"), "union2": ("grassroots_union", "U-YANGSHE"),
            "center1": ("assistance_center", "ZJG-CENTER"), "thirdparty1": ("third_party", "TP-SUNSHINE"),
            "thirdparty2": ("third_party", "TP-HEART"), "inspector1": ("inspector", "INSPECT"),
            "approver1": ("approver", "ZJG-CENTER"), "finance1": ("finance", "ZJG-CENTER"),
            "supervisor1": ("supervisor", "ZJG-CENTER"), "designer1": ("designer", "ZJG-CENTER")}
USERS = list(ROLE_ORG)
LANE_OWNER = {"declaration": "union1", "preliminary_review": "union1", "assign_third_party": "center1",
              "household_visit": "thirdparty1", "visit_oversight": "inspector1", "re_review": "center1",
              "public_notice": "center1", "open_file": "center1", "approval": "approver1", "payment": "finance1"}
ASSIGNED_STAGES = {"household_visit", "visit_oversight", "re_review", "public_notice", "open_file", "approval",
                   "payment"}
NOT_YOURS = {"code": "forbidden", "message": "此任务不属于您的角色或机构"}
CANNOT_READ = {"code": "forbidden", "message": "无权查看此案件"}


def error_of(response):
    assert response.is_json, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert list(body) == ["error"], body
    return body["error"]


def changed_model():
    return BPMN.read_bytes().replace(b"</bpmn:definitions>", b"<!-- v2 --></bpmn:definitions>")


def upload(xml):
    return {"data": {"file": (io.BytesIO(xml), "model.bpmn"), "comment": "access test"},
            "content_type": "multipart/form-data"}


# Signing in ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", USERS)
def test_the_right_password_gives_a_token_that_identifies_the_user(api, username):
    response = api.post("/api/v1/auth/token", json={"username": username, "password": f"{username}-secret"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["username"] == username
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['token']}"}).get_json()
    assert (me["username"], me["role"], me["organisation"]["code"]) == (username, *ROLE_ORG[username])


@pytest.mark.parametrize("username, password", [("union1", "wrong-secret"), ("union1", "union2-secret"),
                                                ("nobody", "union1-secret")])
def test_a_wrong_password_or_unknown_user_gets_the_same_401(api, username, password):
    response = api.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthorized", "message": "用户名或密码错误"}


def test_a_deactivated_user_can_neither_sign_in_nor_use_an_old_token(api, app):
    old_token = api.token("center1")
    with db.transaction(app) as session:
        session.execute(update(User).where(User.username == "center1").values(active=False))
    signed_in = api.post("/api/v1/auth/token", json={"username": "center1", "password": "center1-secret"})
    assert signed_in.status_code == 401
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old_token}"})
    assert me.status_code == 401
    assert error_of(me)["code"] == "unauthorized"


ENDPOINTS = [("GET", "/api/v1/auth/me"), ("GET", "/api/v1/process-models"), ("POST", "/api/v1/process-models"),
             ("GET", "/api/v1/cases"), ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases/{case}"),
             ("GET", "/api/v1/tasks"), ("GET", "/api/v1/tasks/{task}"), ("POST", "/api/v1/tasks/{task}/claim"),
             ("POST", "/api/v1/tasks/{task}/unclaim"), ("POST", "/api/v1/tasks/{task}/complete")]


@pytest.mark.parametrize("authorization", [None, "Bearer garbage-token", "Bearer ", "Basic dW5pb24xOnNlY3JldA=="])
@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_endpoint_answers_401_json_without_a_valid_token(api, household, method, path, authorization):
    case = api.start("union1")
    before = api.case(case["id"])
    kwargs = {"json": {"data": household}} if path.endswith("complete") else {}
    if path == "/api/v1/cases":
        kwargs = {"json": {"process": "hardship_assistance"}}
    elif path == "/api/v1/process-models":
        kwargs = upload(changed_model())
    headers = {"Authorization": authorization} if authorization is not None else {}
    url = path.format(case=case["id"], task=case["open_tasks"][0]["id"])
    response = api.request(method, url, headers=headers, **kwargs)
    assert response.status_code == 401
    assert error_of(response) == {"code": "unauthorized", "message": "请先登录或提供有效的访问令牌"}
    assert api.case(case["id"]) == before


# Process models --------------------------------------------------------------------------

@pytest.mark.parametrize("username", USERS)
def test_only_a_designer_deploys_a_process_model_but_everyone_lists_them(api, username):
    response = api.post("/api/v1/process-models", username, **upload(changed_model()))
    listed = api.get("/api/v1/process-models", username)
    assert listed.status_code == 200
    [model] = listed.get_json()
    assert model["key"] == "hardship_assistance"
    if username == "designer1":
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["created"] is True
        assert (model["latest_version"]["version"], model["latest_version"]["deployed_by"]) == (2, "designer1")
    else:
        assert response.status_code == 403
        assert error_of(response) == {"code": "forbidden", "message": "您的角色无权执行此操作"}
        assert [v["version"] for v in model["versions"]] == [1]


# Cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", USERS)
def test_only_a_grassroots_union_starts_a_case_for_its_own_organisation(api, username):
    response = api.post("/api/v1/cases", username, json={"process": "hardship_assistance"})
    cases = api.get("/api/v1/cases", "supervisor1").get_json()
    if ROLE_ORG[username][0] == "grassroots_union":
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["organisation"]["code"] == ROLE_ORG[username][1]
        assert cases["total"] == 1
    else:
        assert response.status_code == 403
        assert error_of(response) == {"code": "forbidden", "message": "只有基层工会可以申报困难职工家庭"}
        assert cases["total"] == 0


@pytest.fixture
def world(api, case_at):
    """Union1's cases at several stages (those from household_visit on assigned to TP-SUNSHINE), one of union2's."""
    cases = {stage: case_at(stage) for stage in ("declaration", "assign_third_party", "household_visit",
                                                 "approval", "payment")}
    cases["yangshe"] = api.start("union2")["id"]
    return cases


STEEL = {"declaration", "assign_third_party", "household_visit", "approval", "payment"}
EVERYTHING = STEEL | {"yangshe"}
SEES = {"union1": STEEL, "union2": {"yangshe"}, "center1": EVERYTHING,
        "thirdparty1": {"household_visit", "approval", "payment"}, "thirdparty2": set(),
        "inspector1": EVERYTHING, "approver1": EVERYTHING, "finance1": EVERYTHING, "supervisor1": EVERYTHING,
        "designer1": set()}


@pytest.mark.parametrize("username", USERS)
def test_the_case_list_holds_exactly_the_cases_the_user_may_read(api, world, username):
    listed = api.get("/api/v1/cases?page_size=200", username).get_json()
    by_id = {case_id: name for name, case_id in world.items()}
    assert {by_id[c["id"]] for c in listed["items"]} == SEES[username]
    assert listed["total"] == len(SEES[username])


@pytest.mark.parametrize("username", USERS)
def test_a_case_and_its_tasks_open_only_to_those_who_may_read_it(api, world, username):
    outcomes = {}
    for name, case_id in world.items():
        case = api.get(f"/api/v1/cases/{case_id}", username)
        task_id = api.case(case_id)["open_tasks"][0]["id"]
        task = api.get(f"/api/v1/tasks/{task_id}", username)
        outcomes[name] = (case.status_code, task.status_code)
        if case.status_code == 403:
            assert error_of(case) == CANNOT_READ
            assert error_of(task) == CANNOT_READ
    assert outcomes == {name: (200, 200) if name in SEES[username] else (403, 403) for name in world}


@pytest.mark.parametrize("username", USERS)
def test_a_missing_case_or_task_is_404_for_everyone(api, username):
    assert error_of(api.get("/api/v1/cases/999999", username)) == {"code": "not_found", "message": "案件不存在"}
    for path in ("/api/v1/tasks/999999", "/api/v1/tasks/999999/claim"):
        response = api.request("GET" if path.endswith("999999") else "POST", path, username)
        assert response.status_code == 404
        assert error_of(response) == {"code": "not_found", "message": "任务不存在"}


def test_the_inspector_reads_the_full_history_of_any_union_case(api, world):
    history = api.get(f"/api/v1/cases/{world['payment']}", "inspector1").get_json()["history"]
    assert [(e["action"], e["task"], e["actor"]) for e in history if e["action"] == "completed"][:3] == [
        ("completed", "declaration", "union1"), ("completed", "preliminary_review", "union1"),
        ("completed", "assign_third_party", "center1")]
    other = api.get(f"/api/v1/cases/{world['yangshe']}", "inspector1").get_json()["history"]
    assert [(e["action"], e["actor"]) for e in other] == [("started", "union2")]


INBOX = {"union1": {("declaration", "declaration")}, "union2": {("yangshe", "declaration")},
         "center1": {("assign_third_party", "assign_third_party")},
         "thirdparty1": {("household_visit", "household_visit")}, "thirdparty2": set(),
         "inspector1": {("household_visit", "visit_oversight")}, "approver1": {("approval", "approval")},
         "finance1": {("payment", "payment")}, "supervisor1": set(), "designer1": set()}


@pytest.mark.parametrize("username", USERS)
def test_the_inbox_holds_only_the_tasks_of_the_users_role_and_organisation(api, world, username):
    inbox = api.get("/api/v1/tasks", username).get_json()
    by_id = {case_id: name for name, case_id in world.items()}
    assert {(by_id[t["case_id"]], t["name"]) for t in inbox["items"]} == INBOX[username]
    assert inbox["total"] == len(INBOX[username])


@pytest.mark.parametrize("stage", list(LANE_OWNER))
def test_only_the_lanes_role_and_organisation_may_claim_unclaim_or_complete(api, case_at, household, replies,
                                                                              stage):
    case_id = case_at(stage)
    task_id = api.open_task(case_id, stage)["id"]
    data = household if stage == "declaration" else replies[stage]
    before = api.case(case_id)
    owner = LANE_OWNER[stage]
    readers = {"union1", "center1", "inspector1", "approver1", "finance1", "supervisor1"}
    if stage in ASSIGNED_STAGES:
        readers.add("thirdparty1")
    refused = {}
    for username in USERS:
        if username == owner:
            continue
        for action, kwargs in (("claim", {}), ("unclaim", {}), ("complete", {"json": {"data": data}})):
            response = api.post(f"/api/v1/tasks/{task_id}/{action}", username, **kwargs)
            refused[username, action] = (response.status_code, error_of(response))
    assert refused == {key: (403, NOT_YOURS if key[0] in readers else CANNOT_READ) for key in refused}
    assert api.case(case_id) == before
    claimed = api.post(f"/api/v1/tasks/{task_id}/claim", owner)
    assert claimed.status_code == 200
    assert claimed.get_json()["assignee"] == owner


# Claiming ----------------------------------------------------------------------------------

@pytest.fixture
def assignment(app, api, case_at):
    """An open assign_third_party task and a second assistance-centre user, center2."""
    with db.transaction(app) as session:
        create_user(session, "center2", "assistance_center", "ZJG-CENTER", "center2-secret", hash_profile="fast")
    case_id = case_at("assign_third_party")
    return case_id, api.open_task(case_id, "assign_third_party")["id"]


def inbox_ids(api, username, query=""):
    return [t["id"] for t in api.get(f"/api/v1/tasks{query}", username).get_json()["items"]]


def test_claiming_a_task_a_colleague_holds_is_a_conflict_naming_the_holder(api, assignment, replies):
    case_id, task_id = assignment
    assert api.post(f"/api/v1/tasks/{task_id}/claim", "center1").status_code == 200
    for action, kwargs in (("claim", {}), ("complete", {"json": {"data": replies["assign_third_party"]}})):
        response = api.post(f"/api/v1/tasks/{task_id}/{action}", "center2", **kwargs)
        assert response.status_code == 409
        assert error_of(response) == {"code": "conflict", "message": "该任务已被 center1 认领"}
    assert api.open_task(case_id, "assign_third_party")["assignee"] == "center1"


def test_only_the_holder_may_give_a_claimed_task_back(api, assignment):
    case_id, task_id = assignment
    not_held = api.post(f"/api/v1/tasks/{task_id}/unclaim", "center1")
    assert not_held.status_code == 409
    assert error_of(not_held) == {"code": "conflict", "message": "只能退回自己认领的任务"}
    api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    by_colleague = api.post(f"/api/v1/tasks/{task_id}/unclaim", "center2")
    assert by_colleague.status_code == 409
    assert error_of(by_colleague) == {"code": "conflict", "message": "只能退回自己认领的任务"}
    given_back = api.post(f"/api/v1/tasks/{task_id}/unclaim", "center1")
    assert given_back.status_code == 200
    assert api.open_task(case_id, "assign_third_party")["assignee"] is None
    assert given_back.get_json()["assignee"] is None
    events = [(e["action"], e["actor"]) for e in api.case(case_id)["history"] if e["task"] == "assign_third_party"]
    assert events == [("claimed", "center1"), ("unclaimed", "center1")]


def test_claiming_your_own_task_again_is_harmless(api, assignment):
    case_id, task_id = assignment
    first = api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    again = api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json()["assignee"] == "center1"
    claims = [e for e in api.case(case_id)["history"] if e["action"] == "claimed"]
    assert len(claims) == 1


def test_a_claimed_task_leaves_colleagues_inboxes_until_given_back(api, assignment):
    _, task_id = assignment
    assert task_id in inbox_ids(api, "center2") and task_id in inbox_ids(api, "center1", "?mine=false")
    assert task_id not in inbox_ids(api, "center1", "?mine=true")
    api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    assert task_id in inbox_ids(api, "center1") and task_id in inbox_ids(api, "center1", "?mine=true")
    assert task_id not in inbox_ids(api, "center1", "?mine=false")
    assert task_id not in inbox_ids(api, "center2")
    assert task_id not in inbox_ids(api, "center2", "?mine=false")
    api.post(f"/api/v1/tasks/{task_id}/unclaim", "center1")
    assert task_id in inbox_ids(api, "center2", "?mine=false")
    assert inbox_ids(api, "center1", "?mine=true") == []
