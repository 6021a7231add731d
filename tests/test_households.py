"""The household register (一户一档): one open file per worker, the 初审 flag for a member in another file,
re-entry linked to the old file, status history, the household API per role."""
import pytest
from sqlalchemy import select

from bangfu import db
from bangfu.demo import declaration
from bangfu.households import register
from bangfu.households.models import Household
from bangfu.people.models import User
from bangfu.testing import pay_case_through_batch
from bangfu.unit_of_work import run_in

ORDER = ["preliminary_review", "assign_third_party", "household_visit", "visit_oversight", "re_review",
         "public_notice", "open_file", "approval", "payment"]


def drive(api, replies, data, stop=None, user="union1"):
    """Declare `data` as `user`'s union and approve until `stop` is open (None: paid); returns the case id."""
    case_id = api.start(user)["id"]
    api.complete(case_id, "declaration", data, user)
    for name in ORDER:
        if name == stop:
            break
        if name == "payment":  # the bank pays it
            pay_case_through_batch(api.app, case_id)
            continue
        api.complete(case_id, name, replies[name])
    return case_id


def household_of_case(app, case_id):
    with app.app_context():
        from bangfu.cases.models import Case
        session = db.session()
        found = session.get(Household, session.get(Case, case_id).household_id)
        found.members, found.status_changes  # loaded before the session ends: the test reads them after
        session.expunge_all()
        return found


def submit_declaration(api, case_id, data, user="union1"):
    task = api.open_task(case_id, "declaration")
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def exit_as_center(app, household_id, reason, text=None):
    def command(session):
        center = session.scalar(select(User).where(User.username == "center1"))
        from bangfu.db import utcnow
        return register.exit_household(session, session.get(Household, household_id), reason, center, utcnow(),
                                       text=text).id
    return run_in(app, command)


def test_a_paid_application_files_its_household_with_a_review_due_a_year_later(app, api, household, replies, clock):
    case_id = drive(api, replies, household)
    found = household_of_case(app, case_id)
    assert (found.status, found.worker_name, found.file_number) == ("filed", household["name"],
                                                                   api.case(case_id)["file_number"])
    assert found.filed_on == clock.today()
    assert found.next_review_due == found.filed_on.replace(year=found.filed_on.year + 1)
    assert [m.name for m in found.members] == [m["name"] for m in household["family_members"]]
    assert found.worker_id_number == household["id_number"]
    assert found.worker_id_digest != household["id_number"] and len(found.worker_id_digest) == 64


def test_a_second_declaration_of_a_worker_in_an_open_case_is_a_409_naming_the_case(app, api, household, replies):
    first = drive(api, replies, household, stop="preliminary_review")
    reference = api.case(first)["reference"]
    second = api.start("union2")["id"]

    response = submit_declaration(api, second, dict(household, id_number=household["id_number"].lower()), "union2")

    assert response.status_code == 409
    error = response.get_json()["error"]
    assert reference in error["message"] and reference in error["fields"]["data.id_number"][0]
    assert api.open_task(second, "declaration")["name"] == "declaration", "the second declaration stays open"


def test_a_declaration_of_a_filed_worker_is_a_409_naming_the_file_number(app, api, household, replies):
    first = drive(api, replies, household)
    file_number = api.case(first)["file_number"]
    again = api.start()["id"]

    response = submit_declaration(api, again, household)

    assert response.status_code == 409
    assert file_number in response.get_json()["error"]["fields"]["data.id_number"][0]


def test_a_declaration_returned_for_correction_may_be_submitted_again_by_the_same_worker(app, api, household):
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充材料"})
    api.complete(case_id, "declaration", dict(household, phone="13800000000"))
    found = household_of_case(app, case_id)
    assert (found.status, found.phone) == ("declared", "13800000000")
    assert [c.to_status for c in found.status_changes] == ["declared"]


def test_a_declaration_not_eligible_closes_its_household_unfiled_and_the_worker_may_declare_again(
        app, api, household):
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", {"decision": "reject", "opinion": "收入超过标准"})
    closed = household_of_case(app, case_id)
    assert (closed.status, closed.exit_reason_label) == ("not_filed", "不予通过")

    again = api.start()["id"]
    api.complete(again, "declaration", household)
    assert household_of_case(app, again).previous_household_id == closed.id


def test_a_family_member_in_another_filed_household_is_flagged_at_the_preliminary_review(
        app, api, household, replies, rng):
    drive(api, replies, household)
    filed = api.get("/api/v1/households?status=filed", "center1").get_json()["items"][0]
    spouse = household["family_members"][1]
    other = declaration(rng)
    other["family_members"][1] = dict(other["family_members"][1], name=spouse["name"], id_number=spouse["id_number"])
    case_id = drive(api, replies, other, stop="preliminary_review")

    task = api.open_task(case_id, "preliminary_review")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()

    assert detail["household_warnings"] == [
        f"家庭成员{spouse['name']}已在其他在档家庭中（档案编号 {filed['file_number']}），请核实是否一人多档"]
    unrelated = drive(api, replies, declaration(rng), stop="preliminary_review")
    task = api.open_task(unrelated, "preliminary_review")
    assert api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()["household_warnings"] == []


def test_a_worker_whose_file_was_closed_declares_again_and_the_new_file_links_to_the_old(
        app, api, household, replies):
    first = drive(api, replies, household)
    old = household_of_case(app, first)
    exit_as_center(app, old.id, "out_of_hardship")
    again = drive(api, replies, household)
    new = household_of_case(app, again)

    assert new.id != old.id and new.previous_household_id == old.id and new.file_number != old.file_number
    page = api.get(f"/api/v1/households/{new.id}", "center1").get_json()
    assert page["previous"]["file_number"] == old.file_number and page["previous"]["status_label"] == "已脱困"
    old_page = api.get(f"/api/v1/households/{old.id}", "center1").get_json()
    assert [h["file_number"] for h in old_page["later"]] == [new.file_number]
    assert [c["to_label"] for c in old_page["status_history"]] == ["申报中", "在档", "已脱困"]
    assert old_page["status_history"][-1]["reason_label"] == "脱困"


@pytest.mark.parametrize(("reason", "status"), [("out_of_hardship", "已脱困"), ("relieved", "已解困"),
                                                ("died", "已退出"), ("moved_away", "已退出")])
def test_an_exit_reason_gives_its_status_and_is_kept(app, api, household, replies, reason, status):
    household_id = household_of_case(app, drive(api, replies, household)).id
    exit_as_center(app, household_id, reason)
    page = api.get(f"/api/v1/households/{household_id}", "center1").get_json()
    assert page["status_label"] == status and page["exit_reason"] == reason and page["next_review_due"] is None


def test_an_exit_for_another_reason_needs_its_text_and_a_closed_file_cannot_exit_again(app, api, household, replies):
    from bangfu.errors import Conflict, ValidationFailed
    household_id = household_of_case(app, drive(api, replies, household)).id
    with pytest.raises(ValidationFailed):
        exit_as_center(app, household_id, "other")
    exit_as_center(app, household_id, "other", text="户口迁往外省")
    page = api.get(f"/api/v1/households/{household_id}", "center1").get_json()
    assert page["exit_reason_label"] == "其他：户口迁往外省"
    with pytest.raises(Conflict):
        exit_as_center(app, household_id, "died")


def test_an_application_refused_at_approval_undoes_its_filing(app, api, household, replies):
    case_id = drive(api, replies, household, stop="approval")
    assert household_of_case(app, case_id).status == "filed"
    api.complete(case_id, "approval", {"decision": "reject", "opinion": "资金用途不符"})
    found = household_of_case(app, case_id)
    assert (found.status, found.exit_reason) == ("not_filed", "not_approved")
    assert [c.to_status for c in found.status_changes] == ["declared", "filed", "not_filed"]


def test_a_file_number_of_another_household_is_refused_at_filing(app, api, household, replies, rng):
    first = drive(api, replies, household, stop="open_file")
    taken = "ZJG-2026-001"
    api.complete(first, "open_file", dict(replies["open_file"], file_number=taken))
    assert household_of_case(app, first).file_number == taken
    second = drive(api, replies, declaration(rng), stop="open_file")
    task = api.open_task(second, "open_file")
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", "center1",
                        json={"data": dict(replies["open_file"], file_number=taken)})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["data.file_number"] == ["档案编号已被其他家庭使用"]
