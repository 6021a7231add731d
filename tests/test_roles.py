"""Several roles per user, the users API (the centre head's), and delegating claimed tasks for a period."""
from datetime import timedelta

from sqlalchemy import select

from bangfu import clock as service_clock
from bangfu.audit.models import AuditEntry
from bangfu.unit_of_work import run_in
from test_cli import database, ok, ready, refused  # noqa: F401  (fixtures)


def _add_user(api, username, role, roles=(), org="ZJG-CENTER"):
    response = api.post("/api/v1/users", "head1", json={
        "username": username, "display_name": f"{username}同志", "role": role, "roles": list(roles), "org": org,
        "password": f"{username}-secret"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _inbox(api, user, **query):
    response = api.get("/api/v1/tasks", user, query_string={"page_size": 100, **query})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _actions(app, kind=None):
    def read(session):
        query = select(AuditEntry.action)
        return session.scalars(query.where(AuditEntry.subject_kind == kind) if kind else query).all()
    return run_in(app, read)


# ---------------------------------------------------------------- several roles

def test_a_two_role_user_sees_both_roles_tasks_and_is_still_refused_the_paired_step(api, case_at, replies):
    added = _add_user(api, "center2", "assistance_center", roles=["approver"])
    assert added["roles"] == ["approver", "assistance_center"] and added["role"] == "assistance_center"
    reviewed_by_center2 = case_at("re_review")
    api.complete(reviewed_by_center2, "re_review", replies["re_review"], user="center2")
    approval_elsewhere = case_at("approval")  # center1 wrote this one's re-review
    re_review_open = case_at("re_review")

    steps = {(task["case_id"], task["name"]) for task in _inbox(api, "center2")}
    assert (re_review_open, "re_review") in steps  # the centre's task
    assert (approval_elsewhere, "approval") in steps  # the approver's task

    done = api.complete(approval_elsewhere, "approval", replies["approval"], user="center2")
    assert done["name"] == "approval"


def test_the_same_person_may_not_do_both_steps_of_a_pair_whatever_roles_they_hold(api, case_at, replies):
    _add_user(api, "center2", "assistance_center", roles=["approver"])
    case_id = case_at("re_review")
    api.complete(case_id, "re_review", replies["re_review"], user="center2")
    from conftest import running_notice
    api.complete(case_id, "public_notice", running_notice())
    api.complete(case_id, "notice_objection", dict(replies["notice_objection"], decision="not_upheld"))
    service_clock.advance(days=21)
    from bangfu.casework.commands import fire_timers
    from bangfu.services import services
    run_in(api.app, lambda session: fire_timers(session, services(), case_id))
    api.complete(case_id, "open_file", replies["open_file"])
    task = api.open_task(case_id, "approval")
    assert task["id"] in [t["id"] for t in _inbox(api, "center2")]  # in the inbox: the role is held

    claimed = api.post(f"/api/v1/tasks/{task['id']}/claim", "center2")
    assert claimed.status_code == 403 and "职责分离" in claimed.get_json()["error"]["message"]
    api.complete(case_id, "approval", replies["approval"], user="center2", expect=403)


def test_granting_and_revoking_a_role_changes_what_the_user_may_do(api, case_at):
    case_id = case_at("approval")
    task = api.open_task(case_id, "approval")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance2").status_code == 403

    granted = api.post("/api/v1/users/finance2/roles", "head1", json={"role": "approver"})
    assert granted.status_code == 200 and "approver" in granted.get_json()["roles"]
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance2").status_code == 200
    assert api.get("/api/v1/payment-batches", "finance2").status_code != 403  # the primary role still works

    revoked = api.request("DELETE", "/api/v1/users/finance2/roles/approver", "head1")
    assert revoked.status_code == 200 and revoked.get_json()["roles"] == ["finance"]
    assert api.open_task(case_id, "approval")["assignee"] is None  # its claimed approval went back to the pool
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance2").status_code == 403
    assert {"role_granted", "role_revoked"} <= set(_actions(api.app, "user"))


def test_a_role_of_another_kind_of_organisation_or_the_primary_role_is_refused(api):
    wrong = api.post("/api/v1/users/finance2/roles", "head1", json={"role": "grassroots_union"})
    assert wrong.status_code == 422 and "org" in wrong.get_json()["error"]["fields"]
    unknown = api.post("/api/v1/users/finance2/roles", "head1", json={"role": "king"})
    assert unknown.status_code == 422 and "role" in unknown.get_json()["error"]["fields"]
    primary = api.request("DELETE", "/api/v1/users/finance2/roles/finance", "head1")
    assert primary.status_code == 409 and "主要角色" in primary.get_json()["error"]["message"]
    assert api.post("/api/v1/users/nobody/roles", "head1", json={"role": "approver"}).status_code == 404


def test_pages_follow_every_role_held(api):
    from test_pages import Browser
    page = Browser(api.app, "finance2")
    assert "审计日志" not in page.get("/inbox").get_data(as_text=True)
    assert page.get("/audit").status_code == 403
    assert api.post("/api/v1/users/finance2/roles", "head1", json={"role": "supervisor"}).status_code == 200
    body = page.get("/inbox").get_data(as_text=True)
    assert "审计日志" in body and "财务、督查" in body
    assert page.get("/audit").status_code == 200


def test_bangfu_user_add_with_further_roles_and_user_roles(ready):
    ok("user", "add", "bob", "--role", "assistance_center", "--also", "approver", "--org", "C-TEST",
       "--password", "bob-secret")
    assert "approver、assistance_center（主要角色 assistance_center）" in ok("user", "roles", "bob")
    assert "finance" in ok("user", "roles", "bob", "--grant", "finance", "--revoke", "approver")
    assert "approver" not in ok("user", "roles", "bob")
    assert "主要角色" in refused("user", "roles", "bob", "--revoke", "assistance_center")
    assert "机构" in refused("user", "roles", "alice", "--grant", "finance")


# ---------------------------------------------------------------- the users API

def test_only_the_centre_head_manages_people(api):
    listed = api.get("/api/v1/users", "head1")
    assert listed.status_code == 200
    rows = {row["username"]: row for row in listed.get_json()["items"]}
    assert rows["finance1"]["roles"] == ["finance"] and rows["finance1"]["active"] is True
    for user in ("approver1", "supervisor1", "union1"):
        assert api.get("/api/v1/users", user).status_code == 403
        assert api.post("/api/v1/users/finance1/deactivate", user).status_code == 403
    taken = api.post("/api/v1/users", "head1", json={"username": "finance1", "role": "finance", "org": "ZJG-CENTER",
                                                      "password": "long-enough"})
    assert taken.status_code == 409 and "username" in taken.get_json()["error"]["fields"]
    short = api.post("/api/v1/users", "head1", json={"username": "x", "role": "finance", "org": "ZJG-CENTER",
                                                      "password": "short"})
    assert short.status_code == 422 and "password" in short.get_json()["error"]["fields"]


def test_a_user_added_through_the_api_signs_in_with_their_roles(api):
    _add_user(api, "newcomer", "finance", roles=["supervisor"])
    signed_in = api.post("/api/v1/auth/token", json={"username": "newcomer", "password": "newcomer-secret"})
    assert signed_in.status_code == 200
    assert signed_in.get_json()["user"]["roles"] == ["finance", "supervisor"]


def test_deactivating_through_the_api_revokes_at_once_and_frees_claimed_tasks(api, case_at):
    case_id = case_at("payment")
    task = api.open_task(case_id, "payment")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance1").status_code == 200
    assert api.get("/api/v1/tasks", "finance1").status_code == 200

    response = api.post("/api/v1/users/finance1/deactivate", "head1")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["released_tasks"] == 1 and response.get_json()["user"]["active"] is False
    assert api.get("/api/v1/tasks", "finance1").status_code == 401
    assert api.open_task(case_id, "payment")["assignee"] is None
    assert "user_deactivated" in _actions(api.app, "user")
    assert api.post("/api/v1/users/nobody/deactivate", "head1").status_code == 404


# ---------------------------------------------------------------- delegation

def _delegate(api, user, delegate, starts, ends, expect=201, **more):
    response = api.post("/api/v1/delegations", user, json={
        "delegate": delegate, "starts_on": starts.isoformat(), "ends_on": ends.isoformat(), **more})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_a_colleague_works_the_tasks_delegated_to_them_for_the_period_only(api, case_at, replies, clock):
    _add_user(api, "center2", "assistance_center")
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "center1").status_code == 200
    assert task["id"] not in [t["id"] for t in _inbox(api, "center2")]  # claimed by center1

    today = service_clock.today()
    delegation = _delegate(api, "center1", "center2", today + timedelta(days=1), today + timedelta(days=3))
    assert delegation["status"] == "未开始"
    assert task["id"] not in [t["id"] for t in _inbox(api, "center2")]

    clock.advance(days=1)
    mine = {t["id"]: t for t in _inbox(api, "center2", mine="true")}
    assert task["id"] in mine and mine[task["id"]]["delegated"] is True and mine[task["id"]]["assignee"] == "center1"
    assert api.get("/api/v1/delegations", "center2").get_json()["received"][0]["id"] == delegation["id"]

    clock.advance(days=3)  # the day after its last: over by itself
    assert task["id"] not in [t["id"] for t in _inbox(api, "center2")]
    late = api.post(f"/api/v1/tasks/{task['id']}/complete", "center2", json={"data": replies["re_review"]})
    assert late.status_code == 409 and "认领" in late.get_json()["error"]["message"]
    assert api.get("/api/v1/delegations", "center1").get_json()["items"] == []


def test_the_delegate_completes_a_delegated_task_and_the_history_names_them(api, case_at, replies):
    _add_user(api, "center2", "assistance_center")
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "center1")
    today = service_clock.today()
    _delegate(api, "center1", "center2", today, today + timedelta(days=5))

    api.complete(case_id, "re_review", replies["re_review"], user="center2")
    completed = [e for e in api.case(case_id)["history"] if e["action"] == "completed" and e["task"] == "re_review"]
    assert completed[-1]["actor"] == "center2"
    assert "delegation_created" in _actions(api.app)


def test_duties_apply_to_the_colleague_who_does_a_delegated_step(api, case_at, replies):
    _add_user(api, "center2", "assistance_center", roles=["approver"])
    # center2 writes the re-review of one case, then approver1 claims its approval and goes on leave
    case_id = case_at("approval")
    events = api.case(case_id)["history"]
    re_review_by = [e["actor"] for e in events if e["action"] == "completed" and e["task"] == "re_review"][-1]
    assert re_review_by == "center1"
    task = api.open_task(case_id, "approval")
    api.post(f"/api/v1/tasks/{task['id']}/claim", "approver1")
    today = service_clock.today()
    _delegate(api, "approver1", "center1", today, today, expect=422)  # center1 is no approver
    api.post("/api/v1/users/center1/roles", "head1", json={"role": "approver"})
    _delegate(api, "approver1", "center1", today, today)
    assert task["id"] in [t["id"] for t in _inbox(api, "center1", mine="true")]
    refused_ = api.post(f"/api/v1/tasks/{task['id']}/complete", "center1", json={"data": replies["approval"]})
    assert refused_.status_code == 403 and "职责分离" in refused_.get_json()["error"]["message"]


def test_delegations_are_refused_when_they_make_no_sense_and_can_be_ended(api):
    _add_user(api, "center2", "assistance_center")
    today = service_clock.today()
    assert "fields" in _delegate(api, "center1", "center1", today, today, expect=422)["error"]
    bad = _delegate(api, "center1", "center2", today, today - timedelta(days=1), expect=422)
    assert "ends_on" in bad["error"]["fields"]
    past = _delegate(api, "center1", "center2", today - timedelta(days=5), today - timedelta(days=1), expect=422)
    assert "ends_on" in past["error"]["fields"]
    assert "delegate" in _delegate(api, "center1", "nobody", today, today, expect=422)["error"]["fields"]
    given = _delegate(api, "center1", "center2", today, today + timedelta(days=2))
    overlapping = _delegate(api, "center1", "center2", today + timedelta(days=1), today + timedelta(days=4),
                            expect=409)
    assert "重叠" in str(overlapping["error"]["fields"])
    assert "delegate" in _delegate(api, "finance1", "center2", today, today, expect=422)["error"]["fields"]
    assert api.post(f"/api/v1/delegations/{given['id']}/end", "finance1").status_code == 403
    ended = api.post(f"/api/v1/delegations/{given['id']}/end", "center2")
    assert ended.status_code == 200 and ended.get_json()["status"] == "已结束"
    assert api.post(f"/api/v1/delegations/{given['id']}/end", "center1").status_code == 409
    assert "delegation_ended" in _actions(api.app)
    for_someone = _delegate(api, "center2", "center1", today, today, delegator="finance1", expect=403)
    assert "中心负责人" in for_someone["error"]["message"]


# ---------------------------------------------------------------- the 人员 page

def test_the_people_page_is_the_centre_heads_and_停用_needs_the_forms_token(api):
    from test_pages import Browser
    assert Browser(api.app, "supervisor1").get("/people").status_code == 403
    assert Browser(api.app, "supervisor1").post("/people/finance2/deactivate").status_code == 403
    head = Browser(api.app, "head1")
    listed = head.get("/people").get_data(as_text=True)
    assert "finance2" in listed and "财务（主要）" in listed and "停用" in listed
    assert head.post("/people/finance2/deactivate", csrf=False).status_code == 400
    assert api.get("/api/v1/tasks", "finance2").status_code == 200  # still in service
    confirm = head.get("/people/finance2/deactivate").get_data(as_text=True)
    assert "确认停用" in confirm and "立即失效" in confirm
    assert head.post("/people/finance2/deactivate").status_code == 302
    assert api.get("/api/v1/tasks", "finance2").status_code == 401
    assert head.post("/people/head1/deactivate").status_code == 302  # refused with a message: not oneself
    assert "不能停用自己" in head.get("/people").get_data(as_text=True)
