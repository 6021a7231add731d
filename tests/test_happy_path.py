"""A household goes from declaration to payment, each step done by its own role's user."""
from bangfu import calendar
from bangfu.casework.commands import fire_timers
from bangfu.demo import running_notice
from bangfu.testing import pay_case_through_batch
from bangfu.services import services
from bangfu.unit_of_work import run_in


def test_each_role_moves_the_case_from_declaration_to_payment(app, api, clock, household, replies):
    """The public notice runs from today; the case waits on 公示异议登记 until its timer fires after the last
    working day of the notice, then goes on to 建档 by itself."""
    case = api.start("union1")
    assert case["status"] == "active"
    assert [t["name"] for t in case["open_tasks"]] == ["declaration"]

    steps = [
        ("declaration", "union1", household),
        ("preliminary_review", "union1", replies["preliminary_review"]),
        ("assign_third_party", "center1", replies["assign_third_party"]),
        ("household_visit", "thirdparty1", replies["household_visit"]),
        ("visit_oversight", "inspector1", replies["visit_oversight"]),
        ("re_review", "center1", replies["re_review"]),
        ("public_notice", "center1", running_notice()),
        ("open_file", "center1", replies["open_file"]),
        ("approval", "approver1", replies["approval"]),
    ]
    for name, user, data in steps:
        if name == "open_file":
            assert [t["name"] for t in api.case(case["id"])["open_tasks"]] == ["notice_objection"]
            last_day = calendar.working_period_end(clock.today(), 5)
            clock.advance(days=(last_day - clock.today()).days + 1)
            run_in(app, lambda session: fire_timers(session, services(), case["id"]))
        inbox = api.get("/api/v1/tasks", user).get_json()
        task = next(t for t in inbox["items"] if t["case_id"] == case["id"] and t["name"] == name)
        assert api.post(f"/api/v1/tasks/{task['id']}/claim", user).status_code == 200
        done = api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})
        assert done.status_code == 200, done.get_json()
        assert done.get_json()["state"] == "completed"

    pay_case_through_batch(app, case["id"])  # finance1 builds the batch, finance2 approves, the bank pays
    final = api.case(case["id"])
    assert final["status"] == "paid"
    assert final["open_tasks"] == []
    assert final["category"] == "relative"
    assert final["file_number"].startswith("DA")
    assert final["approved_amount"] == "800.00"
    assert final["paid_amount"] == "800.00"
    completed = [(e["task"], e["actor"]) for e in final["history"] if e["action"] == "completed"]
    assert completed == [(name, user) for name, user, _ in steps] + [("payment", "bangfu-system")]
    assert final["history"][-1]["action"] == "ended"


def test_declaration_shows_computed_per_capita_income_and_suggestion(api, case_at, household):
    case_id = case_at("declaration")
    api.complete(case_id, "declaration", household)
    task = api.open_task(case_id, "preliminary_review")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()
    assessment = detail["context"]["assessment"]
    # (2000 × 12 − 6000) ÷ 12 ÷ 3 = 500.00, below the 低保 line of 1208
    assert assessment["per_capita_income"] == 500.0
    assert assessment["suggested_category"] == "deep"
    assert api.case(case_id)["suggested_category"] == "deep"


def test_reviewer_decision_not_the_suggestion_sets_the_category(api, case_at, replies):
    case_id = case_at("re_review")
    api.complete(case_id, "re_review", dict(replies["re_review"], category="sudden"))
    assert api.case(case_id)["category"] == "sudden"


def test_third_party_choices_are_listed_in_the_assignment_form(api, case_at):
    case_id = case_at("assign_third_party")
    task = api.open_task(case_id, "assign_third_party")
    form = api.get(f"/api/v1/tasks/{task['id']}", "center1").get_json()["form"]["schema"]
    choice = form["properties"]["third_party_org"]
    assert choice["enum"] == ["TP-HEART", "TP-SUNSHINE"]
    assert {"const": "TP-SUNSHINE", "title": "张家港市阳光社工服务中心"} in choice["oneOf"]


def test_household_visit_goes_to_the_assigned_third_party_only(api, case_at, replies):
    case_id = case_at("assign_third_party")
    api.complete(case_id, "assign_third_party", dict(replies["assign_third_party"], third_party_org="TP-HEART"))
    heart = api.get("/api/v1/tasks", "thirdparty2").get_json()["items"]
    sunshine = api.get("/api/v1/tasks", "thirdparty1").get_json()["items"]
    assert [t["name"] for t in heart if t["case_id"] == case_id] == ["household_visit"]
    assert [t for t in sunshine if t["case_id"] == case_id] == []


def test_prefilled_declaration_is_offered_back_in_the_declaration_task(api, household):
    case = api.start("union1", data={"name": household["name"], "phone": household["phone"]})
    assert case["household_name"] == household["name"]
    task = case["open_tasks"][0]
    detail = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()
    assert detail["data"] == {"name": household["name"], "phone": household["phone"]}
