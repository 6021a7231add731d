"""A step that comes round again opens empty, except the declaration the union corrects; every earlier
round stays readable with its own answers."""
from decimal import Decimal
from io import BytesIO
from pathlib import Path

MAIN = Path(__file__).parent.parent / "bpmn" / "hardship_assistance.bpmn"
PREFILL = b'<spiffworkflow:property name="prefill" value="lastRound" />'


def detail(api, case_id, name, user="center1"):
    task = api.open_task(case_id, name)
    return api.get(f"/api/v1/tasks/{task['id']}", user).get_json()


def returned_and_resubmitted(api, case_at, household):
    case_id = case_at("preliminary_review")
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充医院诊断证明"})
    api.complete(case_id, "declaration", dict(household, hardship_description="已补充医院诊断证明。"))
    return case_id


def test_a_review_that_comes_round_again_opens_empty(api, case_at, household):
    case_id = returned_and_resubmitted(api, case_at, household)

    second = detail(api, case_id, "preliminary_review", "union1")
    assert second["data"] == {}, "the first round's 退回补正 and opinion are not offered as this round's"
    assert second["round"] == 2
    reviews = [r for r in second["earlier_steps"] if r["name"] == "preliminary_review"]
    assert [(r["round"], r["data"]["decision"], r["data"]["opinion"]) for r in reviews] == \
        [(1, "return", "请补充医院诊断证明")]


def test_approving_the_second_round_without_an_opinion_records_no_old_opinion(api, case_at, household):
    case_id = returned_and_resubmitted(api, case_at, household)
    done = api.complete(case_id, "preliminary_review", {"decision": "approve"})

    completed = api.get(f"/api/v1/tasks/{done['id']}", "union1").get_json()
    assert completed["data"] == {"decision": "approve"}
    after = detail(api, case_id, "assign_third_party")
    reviews = [(r["round"], r["data"]) for r in after["earlier_steps"] if r["name"] == "preliminary_review"]
    assert reviews == [(1, {"decision": "return", "opinion": "请补充医院诊断证明"}), (2, {"decision": "approve"})]
    declarations = [r["data"]["hardship_description"] for r in after["earlier_steps"] if r["name"] == "declaration"]
    assert declarations == [household["hardship_description"], "已补充医院诊断证明。"], "each round its own answers"
    assert [e["opinion"] for e in api.case(case_id, "center1")["history"] if e["task"] == "preliminary_review"
            and e["action"] == "completed"] == ["请补充医院诊断证明", None]


def test_a_returned_declaration_is_offered_with_its_last_answer(api, case_at, household):
    case_id = returned_and_resubmitted(api, case_at, household)
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充社保记录"})

    again = detail(api, case_id, "declaration", "union1")
    assert again["data"] == dict(household, hardship_description="已补充医院诊断证明。")
    assert [r["round"] for r in again["earlier_steps"] if r["name"] == "declaration"] == [1, 2]


def test_without_the_prefill_property_a_returned_declaration_opens_empty_too(api, household):
    changed = MAIN.read_bytes().replace(PREFILL, b"")
    assert changed != MAIN.read_bytes()
    response = api.post("/api/v1/process-models", "designer1", content_type="multipart/form-data",
                        data={"file": (BytesIO(changed), "hardship_assistance.bpmn")})
    assert response.status_code == 201, response.get_json()
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充"})
    assert detail(api, case_id, "declaration", "union1")["data"] == {}


def test_a_draft_given_at_the_start_still_fills_the_first_round(api, household):
    case_id = api.start(data={"name": household["name"]})["id"]
    assert detail(api, case_id, "declaration", "union1")["data"] == {"name": household["name"]}


def test_a_second_visit_opens_empty_and_each_visit_keeps_its_own_findings(api, case_at, replies):
    case_id = case_at("public_notice")
    api.uphold_objection(case_id, replies, "有邻居反映家中有经营性车辆")
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])

    assert detail(api, case_id, "household_visit", "thirdparty1")["data"] == {}
    assert detail(api, case_id, "visit_oversight", "inspector1")["data"] == {}
    second = dict(replies["household_visit"], findings="复查：车辆为他人所有", verified_monthly_household_income=2600)
    api.complete(case_id, "household_visit", second)
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])  # the branch that joins last

    review = detail(api, case_id, "re_review")
    assert review["data"] == {}
    visits = [(r["round"], r["data"]["findings"]) for r in review["earlier_steps"] if r["name"] == "household_visit"]
    assert visits == [(1, "入户核实，情况属实"), (2, "复查：车辆为他人所有")]
    assert review["context"]["household_visit"]["findings"] == "复查：车辆为他人所有", "the join keeps round 2"
    assert Decimal(str(review["assessment"]["monthly_household_income"])) == Decimal("2600.00")


def test_earlier_rounds_are_masked_for_the_reader(api, case_at, household):
    case_id = case_at("payment")
    payment = detail(api, case_id, "payment", "finance1")
    declared = next(r for r in payment["earlier_steps"] if r["name"] == "declaration")["data"]
    assert declared["id_number"] != household["id_number"] and declared["id_number"].endswith(household["id_number"][-4:])
    assert declared["bank_card_number"] == household["bank_card_number"], "finance pays into the whole number"
    assert all(m["health"] == "（已隐藏）" for m in declared["family_members"])


def open_steps(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


VISIT_BRANCHES = ("household_visit", "visit_oversight")


def test_each_visit_round_waits_for_its_own_visit_and_oversight_whichever_comes_first(api, case_at, replies,
                                                                                       household):
    """The parallel join before 复审 counts only this round's branches: an earlier round's visit or oversight
    does not stand in for this round's (SpiffWorkflow counted the branch that reached the join first in the
    last round, so 复审结论 opened beside the open 走访监督, and the late branch drew the case back)."""
    for first_round, second_round in [(VISIT_BRANCHES, VISIT_BRANCHES[::-1]),
                                      (VISIT_BRANCHES[::-1], VISIT_BRANCHES)]:
        case_id = case_at("household_visit")
        for name in first_round:
            api.complete(case_id, name, replies[name])
        api.complete(case_id, "re_review", replies["re_review"])
        api.uphold_objection(case_id, replies, "反映其家中新购轿车一辆")  # round 2 of the visit
        api.complete(case_id, "assign_third_party", replies["assign_third_party"])
        early, late = second_round
        api.complete(case_id, early, replies[early])
        assert open_steps(api, case_id) == [late], f"after {early} the case waits for {late} of this round"
        api.complete(case_id, late, replies[late])
        assert open_steps(api, case_id) == ["re_review"]

        api.complete(case_id, "re_review", {"decision": "return", "opinion": "请补充车辆登记材料"})  # round 3
        api.complete(case_id, "declaration", detail(api, case_id, "declaration", "union1")["data"])
        api.complete(case_id, "preliminary_review", replies["preliminary_review"])
        api.complete(case_id, "assign_third_party", replies["assign_third_party"])
        api.complete(case_id, late, replies[late])
        assert open_steps(api, case_id) == [early]
        api.complete(case_id, early, replies[early])
        assert open_steps(api, case_id) == ["re_review"]
        api.complete(case_id, "re_review", replies["re_review"])
        assert open_steps(api, case_id) == ["public_notice"], "one 复审, decided once"
