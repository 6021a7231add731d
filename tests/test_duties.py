"""People and duties: steps that must be independent, deactivating a user, reassigning and delegating tasks."""
from sqlalchemy import select, update

from bangfu.people.duties import SEPARATE_STEPS, paired_steps
from bangfu.people.models import User
from bangfu.unit_of_work import run_in
from test_cli import database, ready  # noqa: F401  (fixtures)


def _set_role(app, username, role):
    """The person moves to another post: same user, another role (the one they may now hold as well)."""
    def move(session):
        session.execute(update(User).where(User.username == username).values(role=role))
    run_in(app, move)


def test_the_pairs_are_declared_in_one_place_both_ways():
    assert paired_steps("approval") == {"re_review", "payment"}
    assert paired_steps("visit_oversight") == {"household_visit"}
    assert paired_steps("programme_approval") == {"programme_review"}
    assert ("household_visit", "visit_oversight") in SEPARATE_STEPS


def test_who_wrote_the_re_review_may_not_approve_the_same_case(api, case_at):
    case_id = case_at("approval")
    _set_role(api.app, "center1", "approver")  # center1 completed 复审结论 on this case
    task = api.open_task(case_id, "approval")

    claimed = api.post(f"/api/v1/tasks/{task['id']}/claim", "center1")
    assert claimed.status_code == 403
    assert "职责分离" in claimed.get_json()["error"]["message"]
    assert "复审结论" in claimed.get_json()["error"]["message"]
    done = api.post(f"/api/v1/tasks/{task['id']}/complete", "center1", json={"data": {"decision": "approve"}})
    assert done.status_code == 403
    assert "须由其他人员办理" in done.get_json()["error"]["message"]
    assert api.open_task(case_id, "approval")["id"] == task["id"]  # still open, nobody holds it


def test_another_approver_still_approves(api, case_at, replies):
    case_id = case_at("approval")
    _set_role(api.app, "center1", "approver")
    api.complete(case_id, "approval", replies["approval"], user="approver1")
    assert "approval" not in [t["name"] for t in api.case(case_id)["open_tasks"]]


def test_the_visitor_may_not_oversee_their_own_visit(api, case_at, replies):
    case_id = case_at("visit_oversight")
    # The visit was done by thirdparty1; were they moved to the inspectors, they still may not oversee it.
    def move(session):
        inspect_org = session.scalar(select(User).where(User.username == "inspector1")).organisation_id
        session.execute(update(User).where(User.username == "thirdparty1")
                        .values(role="inspector", organisation_id=inspect_org))
    run_in(api.app, move)
    response = api.complete(case_id, "visit_oversight", replies["visit_oversight"], user="thirdparty1", expect=403)
    assert "入户走访" in response["error"]["message"]


def test_deactivating_a_user_revokes_their_token_and_session_and_frees_their_tasks(api, case_at):
    from test_pages import Browser
    from bangfu.people.operations import deactivate_user
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "center1").status_code == 200
    assert api.get("/api/v1/tasks", "center1").status_code == 200  # the token works
    page = Browser(api.app, "center1")
    assert page.get("/inbox").status_code == 200

    user, released = run_in(api.app, deactivate_user, "center1")

    assert released == 1
    assert api.get("/api/v1/tasks", "center1").status_code == 401
    assert page.get("/inbox").status_code == 302  # back to sign-in
    assert api.open_task(case_id, "re_review")["assignee"] is None

    def logged(session):
        from bangfu.audit.models import AuditEntry
        return session.scalars(select(AuditEntry.action).where(AuditEntry.subject_kind == "user",
                                                                AuditEntry.subject_id == user.id)).all()
    assert "user_deactivated" in run_in(api.app, logged)


def test_deactivating_an_unknown_user_is_refused(app):
    import pytest
    from bangfu.errors import NotFound
    from bangfu.people.operations import deactivate_user
    with pytest.raises(NotFound, match="不存在"):
        run_in(app, deactivate_user, "nobody")


def test_bangfu_user_deactivate(ready):
    from test_cli import ok, refused
    assert "用户 alice 已停用；其已认领的 0 个任务已退回任务池" in ok("user", "deactivate", "alice")
    assert "不存在" in refused("user", "deactivate", "nobody")


def test_the_centre_head_reassigns_a_claimed_task_and_nobody_else_may(api, case_at):
    case_id = case_at("payment")
    task = api.open_task(case_id, "payment")
    assert api.post(f"/api/v1/tasks/{task['id']}/claim", "finance1").status_code == 200
    path = f"/api/v1/tasks/{task['id']}/reassign"

    refused = api.post(path, "approver1", json={"username": "finance2"})
    assert refused.status_code == 403 and "中心负责人" in refused.get_json()["error"]["message"]
    wrong_role = api.post(path, "head1", json={"username": "union1"})
    assert wrong_role.status_code == 422 and "username" in wrong_role.get_json()["error"]["fields"]

    assert api.post("/api/v1/users/approver1/roles", "head1", json={"role": "finance"}).status_code == 200
    barred = api.post(path, "head1", json={"username": "approver1"})  # approved this case: may not pay it
    assert barred.status_code == 403 and "「审批」" in barred.get_json()["error"]["fields"]["username"][0]
    assert api.open_task(case_id, "payment")["assignee"] == "finance1"

    moved = api.post(path, "head1", json={"username": "finance2"})
    assert moved.status_code == 200, moved.get_json()
    assert api.open_task(case_id, "payment")["assignee"] == "finance2"  # its display name
    history = api.case(case_id)["history"]
    assert any(event["action"] == "reassigned" for event in history)
