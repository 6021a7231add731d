"""Who may do what: every role against every endpoint, and how claiming a task works."""
import io
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bangfu.unit_of_work import run_in
from bangfu.people.models import User
from bangfu.people.operations import create_user

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
    assert response.status_code == 401, response.get_json()
    assert error_of(response) == {"code": "unauthorized", "message": "用户名或密码错误"}


def test_a_deactivated_user_can_neither_sign_in_nor_use_an_old_token(api, app):
    old_token = api.token("center1")
    run_in(app, lambda session: session.execute(update(User).where(User.username == "center1").values(active=False)))
    signed_in = api.post("/api/v1/auth/token", json={"username": "center1", "password": "center1-secret"})
    me = api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old_token}"})
    assert (signed_in.status_code, me.status_code, error_of(me)["code"]) == (401, 401, "unauthorized")



def test_a_token_is_refused_from_its_expiry_on(api, app):
    """The expiry is compared in SQL (people.operations.user_for_token): a stored instant against the
    clock's, to the second, on both databases."""
    from datetime import timedelta

    from bangfu import clock
    from bangfu.people.models import ApiToken
    from bangfu.people.operations import digest
    token = api.token("center1")
    expires = run_in(app, lambda session: session.scalar(
        select(ApiToken.expires_at).where(ApiToken.token_hash == digest(token))))
    me = lambda: api.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code  # noqa: E731
    clock.set_to(expires - timedelta(seconds=1))
    assert me() == 200
    clock.set_to(expires)
    assert me() == 401


ENDPOINTS = [("GET", "/api/v1/auth/me"), ("GET", "/api/v1/process-models"), ("POST", "/api/v1/process-models"),
             ("GET", "/api/v1/cases"), ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases/{case}"),
             ("GET", "/api/v1/tasks"), ("GET", "/api/v1/tasks/{task}"), ("POST", "/api/v1/tasks/{task}/claim"),
             ("POST", "/api/v1/tasks/{task}/unclaim"), ("POST", "/api/v1/tasks/{task}/complete")]


@pytest.mark.parametrize("authorization", [None, "Bearer garbage-token", "Bearer ", "Basic dW5pb24xOnNlY3JldA=="])
@pytest.mark.parametrize("method, path", ENDPOINTS)
def test_every_endpoint_answers_401_json_without_a_valid_token(api, household, method, path, authorization):
    case = api.start("union1")
    before = api.case(case["id"])
    kwargs = {"/api/v1/cases": {"json": {"process": "hardship_assistance"}},
              "/api/v1/process-models": upload(changed_model())}.get(path, {"json": {"data": household}})
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
    [model] = api.get("/api/v1/process-models", username).get_json()
    assert model["key"] == "hardship_assistance"
    if username == "designer1":
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["created"] is True
        assert (model["latest_version"]["version"], model["latest_version"]["deployed_by"]) == (2, "designer1")
    else:
        assert response.status_code == 403
        assert error_of(response) == {"code": "forbidden", "message": "只有流程设计人员可以部署流程模型或修改表单"}
        assert [v["version"] for v in model["versions"]] == [1]


# Cases -----------------------------------------------------------------------------------

@pytest.mark.parametrize("username", USERS)
def test_only_a_grassroots_union_starts_a_case_for_its_own_organisation(api, username):
    response = api.post("/api/v1/cases", username, json={"process": "hardship_assistance"})
    cases = api.get("/api/v1/cases?status=draft", "supervisor1").get_json()  # declared, not yet submitted
    if ROLE_ORG[username][0] == "grassroots_union":
        assert (response.status_code, response.get_json()["organisation"]["code"]) == (201, ROLE_ORG[username][1])
        assert cases["total"] == 1
    else:
        assert (response.status_code, error_of(response)) == (403, {
            "code": "forbidden", "message": "只有基层工会可以申报困难职工家庭"})
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
def test_a_user_lists_and_opens_exactly_the_cases_and_tasks_they_may_read(api, world, username):
    response = api.get("/api/v1/cases?page_size=200", username)
    if username == "designer1":  # a role that reads no case is told so, as the case-list page tells it
        assert (response.status_code, error_of(response)["message"]) == (403, "您的角色不能查看案件")
    else:
        listed, drafts = response.get_json(), api.get("/api/v1/cases?page_size=200&status=draft", username).get_json()
        by_id = {case_id: name for name, case_id in world.items()}
        assert {by_id[c["id"]] for c in listed["items"] + drafts["items"]} == SEES[username]
        assert listed["total"] + drafts["total"] == len(SEES[username])
    outcomes = {}
    for name, case_id in world.items():
        task_id = api.case(case_id)["open_tasks"][0]["id"]
        for path in (f"/api/v1/cases/{case_id}", f"/api/v1/tasks/{task_id}"):
            response = api.get(path, username)
            outcomes[name, path.split("/")[3]] = 200 if response.status_code == 200 else \
                (response.status_code, error_of(response))
    assert outcomes == {key: 200 if key[0] in SEES[username] else (403, CANNOT_READ) for key in outcomes}


@pytest.mark.parametrize("username", USERS)
def test_a_missing_case_or_task_is_404_for_everyone(api, username):
    responses = {"case": api.get("/api/v1/cases/999999", username), "task": api.get("/api/v1/tasks/999999", username),
                 "claim": api.post("/api/v1/tasks/999999/claim", username)}
    missing_task = (404, {"code": "not_found", "message": "任务不存在"})
    assert {name: (r.status_code, error_of(r)) for name, r in responses.items()} == {
        "case": (404, {"code": "not_found", "message": "案件不存在"}), "task": missing_task, "claim": missing_task}


def test_the_inspector_reads_the_full_history_of_any_union_case(api, world):
    history = api.get(f"/api/v1/cases/{world['payment']}", "inspector1").get_json()["history"]
    assert [(e["task"], e["actor"]) for e in history if e["action"] == "completed"][:3] == [
        ("declaration", "union1"), ("preliminary_review", "union1"), ("assign_third_party", "center1")]
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
    readers = {"union1", "center1", "inspector1", "approver1", "finance1", "supervisor1"} | \
        ({"thirdparty1"} if stage in ASSIGNED_STAGES else set())
    refused = {}
    for username in set(USERS) - {owner}:
        for action, kwargs in (("claim", {}), ("unclaim", {}), ("complete", {"json": {"data": data}})):
            response = api.post(f"/api/v1/tasks/{task_id}/{action}", username, **kwargs)
            refused[username, action] = (response.status_code, error_of(response))
    assert refused == {key: (403, NOT_YOURS if key[0] in readers else CANNOT_READ) for key in refused}
    assert api.case(case_id) == before
    claimed = api.post(f"/api/v1/tasks/{task_id}/claim", owner)
    assert (claimed.status_code, claimed.get_json()["assignee"]) == (200, owner)


# Claiming ----------------------------------------------------------------------------------

@pytest.fixture
def assignment(app, api, case_at):
    """An open assign_third_party task and a second assistance-centre user, center2."""
    run_in(app, create_user, "center2", "assistance_center", "ZJG-CENTER", "center2-secret", hash_profile="fast")
    case_id = case_at("assign_third_party")
    return case_id, api.open_task(case_id, "assign_third_party")["id"]


def test_a_task_a_colleague_holds_cannot_be_claimed_or_completed_but_the_holder_may_claim_again(
        api, assignment, replies):
    case_id, task_id = assignment
    assert api.post(f"/api/v1/tasks/{task_id}/claim", "center1").status_code == 200
    for action, kwargs in (("claim", {}), ("complete", {"json": {"data": replies["assign_third_party"]}})):
        response = api.post(f"/api/v1/tasks/{task_id}/{action}", "center2", **kwargs)
        assert response.status_code == 409
        assert error_of(response) == {"code": "conflict", "message": "该任务已被 center1 认领"}
    again = api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    assert (again.status_code, again.get_json()["assignee"]) == (200, "center1")
    assert api.open_task(case_id, "assign_third_party")["assignee"] == "center1"
    assert [e["actor"] for e in api.case(case_id)["history"] if e["action"] == "claimed"] == ["center1"]


def test_only_the_holder_may_give_a_claimed_task_back(api, assignment):
    case_id, task_id = assignment
    for claimer in (None, "center1"):  # unclaimed, then held by center1 while center2 tries
        if claimer:
            api.post(f"/api/v1/tasks/{task_id}/claim", claimer)
        refused = api.post(f"/api/v1/tasks/{task_id}/unclaim", "center2" if claimer else "center1")
        assert refused.status_code == 409
        assert error_of(refused) == {"code": "conflict", "message": "只能退回自己认领的任务"}
    given_back = api.post(f"/api/v1/tasks/{task_id}/unclaim", "center1")
    assert given_back.status_code == 200
    assert api.open_task(case_id, "assign_third_party")["assignee"] is None
    assert given_back.get_json()["assignee"] is None
    events = [(e["action"], e["actor"]) for e in api.case(case_id)["history"] if e["task"] == "assign_third_party"]
    assert events == [("claimed", "center1"), ("unclaimed", "center1")]


def where_listed(api, task_id):
    """In which of the two centre users' inbox views the task shows up."""
    return {f"{user}{query}": task_id in [t["id"] for t in api.get(f"/api/v1/tasks{query}", user).get_json()["items"]]
            for user in ("center1", "center2") for query in ("", "?mine=true", "?mine=false")}


def test_a_claimed_task_leaves_colleagues_inboxes_until_given_back(api, assignment):
    _, task_id = assignment
    unclaimed = {"center1": True, "center1?mine=true": False, "center1?mine=false": True,
                 "center2": True, "center2?mine=true": False, "center2?mine=false": True}
    assert where_listed(api, task_id) == unclaimed
    api.post(f"/api/v1/tasks/{task_id}/claim", "center1")
    assert where_listed(api, task_id) == {"center1": True, "center1?mine=true": True, "center1?mine=false": False,
                                          "center2": False, "center2?mine=true": False, "center2?mine=false": False}
    api.post(f"/api/v1/tasks/{task_id}/unclaim", "center1")
    assert where_listed(api, task_id) == unclaimed


def test_the_policy_says_the_same_in_sql_and_for_one_object_for_every_role(app, case_at):
    """Lists filter with access.case_filter/task_filter, single objects check with may_read_case/may_act_on:
    both come from one table, so for every user, case and task they must agree."""
    from sqlalchemy import select

    from bangfu import access, db
    from bangfu.cases.models import Case
    from bangfu.tasks.models import HumanTask
    for stage in ("declaration", "household_visit", "payment"):
        case_at(stage)
    with app.app_context():
        session = db.session()
        cases, tasks = session.scalars(select(Case)).all(), session.scalars(select(HumanTask)).all()
        for user in session.scalars(select(User)).all():
            listed = set(session.scalars(select(Case.id).where(access.case_filter(user))))
            assert listed == {c.id for c in cases if access.may_read_case(user, c)}, user.username
            workable = set(session.scalars(select(HumanTask.id).where(access.task_filter(user))))
            assert workable == {t.id for t in tasks if access.may_act_on(user, t)}, user.username
        assert any(access.may_act_on(u, t) for u in session.scalars(select(User)) for t in tasks)
