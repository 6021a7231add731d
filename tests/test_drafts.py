"""Declarations never submitted (草稿): their union may withdraw them (撤回), and lists and counts leave them out;
a declaration returned for correction (退回补正) is marked so in inboxes and case lists."""
from bangfu import db
from bangfu.casework import reports
from bangfu.demo import declaration
from bangfu.people.models import User
from sqlalchemy import select


def listed(api, user="supervisor1", query=""):
    return [case["id"] for case in api.get(f"/api/v1/cases{query}", user).get_json()["items"]]


def inbox(api, user="union1"):
    return {task["case_id"]: task for task in api.get("/api/v1/tasks", user).get_json()["items"]}


def test_a_union_withdraws_its_unsubmitted_declaration_and_it_leaves_inboxes_and_lists(api):
    case_id = api.start()["id"]
    assert inbox(api)[case_id]["draft"] is True

    response = api.post(f"/api/v1/cases/{case_id}/withdraw", "union1")

    assert response.status_code == 200, response.get_json()
    case = response.get_json()
    assert (case["status"], case["status_label"], case["open_tasks"]) == ("withdrawn", "已撤回", [])
    assert case["history"][-1]["action_label"] == "撤回申报" and case["history"][-1]["actor"] == "union1"
    assert case_id not in inbox(api)
    assert case_id not in listed(api) and case_id not in listed(api, "union1")
    assert listed(api, query="?status=withdrawn") == [case_id]


def test_a_submitted_declaration_cannot_be_withdrawn_and_nothing_changes(api, case_at):
    case_id = case_at("preliminary_review")
    before = api.case(case_id)

    response = api.post(f"/api/v1/cases/{case_id}/withdraw", "union1")

    assert response.status_code == 409
    assert "申报已提交，不能撤回" in response.get_json()["error"]["message"]
    assert api.case(case_id) == before


def test_another_organisation_cannot_withdraw_a_declaration(api):
    case_id = api.start()["id"]
    assert api.post(f"/api/v1/cases/{case_id}/withdraw", "union2").status_code == 403
    assert api.post(f"/api/v1/cases/{case_id}/withdraw", "center1").status_code == 403
    assert api.post("/api/v1/cases/999999/withdraw", "union1").status_code == 404
    assert api.case(case_id)["status"] == "active"


def test_drafts_are_not_counted_as_cases_in_declaration(api, app, case_at):
    draft = api.start()["id"]
    submitted = case_at("preliminary_review")

    assert listed(api) == [submitted]
    assert listed(api, query="?status=active") == [submitted]
    assert listed(api, query="?status=draft") == [draft]
    assert api.case(draft)["draft"] is True and api.case(submitted)["draft"] is False
    with app.app_context():
        supervisor = db.session().scalar(select(User).where(User.username == "supervisor1"))
        assert dict(reports.open_by_stage(db.session(), supervisor)) == {"初审": 1}
        assert sum(count for _, count in reports.open_by_organisation(db.session(), supervisor)) == 1


def test_a_returned_declaration_is_marked_for_correction_until_it_is_resubmitted(api, case_at, household):
    case_id = case_at("preliminary_review")
    other = case_at("preliminary_review")
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充医疗费用票据"})

    assert inbox(api)[case_id]["returned_for_correction"] is True
    assert inbox(api)[other]["returned_for_correction"] is False
    rows = {case["id"]: case for case in api.get("/api/v1/cases", "supervisor1").get_json()["items"]}
    assert rows[case_id]["returned_for_correction"] is True and rows[other]["returned_for_correction"] is False

    api.complete(case_id, "declaration", household)
    assert inbox(api)[case_id]["returned_for_correction"] is False



def test_a_union_filtering_by_another_union_sees_none_of_its_cases(api, case_at, rng):
    case_at("preliminary_review")
    theirs = api.start("union2")["id"]
    api.complete(theirs, "declaration", declaration(rng), "union2")  # another worker: one open file per worker
    assert listed(api, "union1", "?organisation=U-YANGSHE") == []
    assert listed(api, "supervisor1", "?organisation=U-YANGSHE") == [theirs]
