"""Every review outcome routes the case the way the domain requires; paperwork never ends a case."""


def open_names(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


def test_return_at_preliminary_review_reopens_declaration_with_the_reasons(api, case_at, household):
    case_id = case_at("preliminary_review")
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "缺少医院诊断证明"})

    assert open_names(api, case_id) == ["declaration"]
    assert api.case(case_id)["status"] == "active"
    task = api.open_task(case_id, "declaration")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()
    assert detail["context"]["preliminary_review"]["opinion"] == "缺少医院诊断证明"
    assert detail["data"]["name"] == household["name"], "the earlier declaration is offered for correction"
    returned = [e for e in detail["history"] if e["task"] == "preliminary_review"]
    assert returned[-1]["decision"] == "return"

    api.complete(case_id, "declaration", household)
    assert open_names(api, case_id) == ["preliminary_review"]


def test_not_eligible_at_preliminary_review_ends_the_case_with_the_written_reason(api, case_at):
    case_id = case_at("preliminary_review")
    api.complete(case_id, "preliminary_review", {"decision": "reject", "opinion": "家庭人均收入高于认定标准"})
    case = api.case(case_id)
    assert case["status"] == "not_eligible"
    assert case["open_tasks"] == []
    assert case["closed_at"] is not None
    assert any(e["opinion"] == "家庭人均收入高于认定标准" for e in api.case(case_id, "center1")["history"])


def test_reject_requires_a_written_reason(api, case_at):
    case_id = case_at("preliminary_review")
    body = api.complete(case_id, "preliminary_review", {"decision": "reject"}, expect=422)
    assert body["error"]["fields"]["data.opinion"] == ["必填"]
    assert open_names(api, case_id) == ["preliminary_review"]


def test_re_review_return_sends_the_household_back_for_material(api, case_at):
    case_id = case_at("re_review")
    api.complete(case_id, "re_review", {"decision": "return", "opinion": "请补充社保缴费记录"})
    assert open_names(api, case_id) == ["declaration"]


def test_re_review_not_eligible_ends_the_case(api, case_at):
    case_id = case_at("re_review")
    api.complete(case_id, "re_review", {"decision": "reject", "opinion": "名下有两套住房"})
    assert api.case(case_id)["status"] == "not_eligible"


def test_visit_and_oversight_run_in_parallel(api, case_at):
    case_id = case_at("household_visit")
    assert open_names(api, case_id) == ["household_visit", "visit_oversight"]


def test_inspector_irregularity_blocks_the_case_until_the_centre_answers(api, case_at, replies):
    case_id = case_at("household_visit")
    api.complete(case_id, "visit_oversight", {"decision": "return", "opinion": "走访仅一名调查人员在场"})
    api.complete(case_id, "household_visit", replies["household_visit"])
    assert open_names(api, case_id) == ["answer_irregularity"], "re-review must wait for the centre's answer"

    api.complete(case_id, "answer_irregularity", {"response": "已补派第二名调查人员复访",
                                                   "corrective_action": "今后走访均安排两人"})
    assert open_names(api, case_id) == ["re_review"]


def test_oversight_without_irregularity_lets_the_case_go_on_after_the_visit(api, case_at, replies):
    case_id = case_at("household_visit")
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])
    assert open_names(api, case_id) == ["household_visit"]
    api.complete(case_id, "household_visit", replies["household_visit"])
    assert open_names(api, case_id) == ["re_review"]


def test_upheld_objection_during_public_notice_sends_the_case_back_to_investigation(api, case_at, replies):
    case_id = case_at("public_notice")
    api.uphold_objection(case_id, replies, "反映其配偶有经营收入")
    assert open_names(api, case_id) == ["assign_third_party"]


def test_approval_return_reopens_the_aid_proposal_and_reject_ends_it(api, case_at):
    case_id = case_at("approval")
    api.complete(case_id, "approval", {"decision": "return", "opinion": "金额需按年度标准调整"})
    assert open_names(api, case_id) == ["open_file"]

    other = case_at("approval")
    api.complete(other, "approval", {"decision": "reject", "opinion": "不符合资金使用范围"})
    assert api.case(other)["status"] == "not_approved"


def test_file_number_given_by_the_caseworker_is_kept_and_must_be_unique(api, case_at, replies):
    first = case_at("open_file")
    api.complete(first, "open_file", dict(replies["open_file"], file_number="ZJG-2026-0001"))
    assert api.case(first)["file_number"] == "ZJG-2026-0001"

    second = case_at("open_file")
    body = api.complete(second, "open_file", dict(replies["open_file"], file_number="ZJG-2026-0001"), expect=422)
    assert "data.file_number" in body["error"]["fields"]


def test_public_notice_cannot_end_before_it_starts(api, case_at, replies):
    case_id = case_at("public_notice")
    body = api.complete(case_id, "public_notice",
                        dict(replies["public_notice"], notice_start="2026-12-10", notice_end="2026-12-03"), expect=422)
    assert body["error"]["fields"] == {"data.notice_end": [
        "公示期不少于 5 个工作日（含开始和结束当天，节假日不计），公示结束日期不能早于2026年12月16日"]}
