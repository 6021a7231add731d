"""What the inspectors (纪检监督) read: the procedure of every case, not the family's private details.

They check who did which step when, against which deadline, whether the visit took place as required,
the notice and its objections, the decisions and the amounts; they read and write the oversight exchange
(their 审核意见, the centre's 整改答复). They never get a whole ID, card or phone number, health, incomes
or free text about the family's circumstances: not by API, page, export, history or search."""
from io import BytesIO
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from test_pages import Browser

HIDDEN = "（已隐藏）"
# Free text about the family, each in a field the inspector may not read, with words that give it away.
ILLNESS = "配偶确诊尿毒症，每周透析三次"
PRIVATE = {("declaration", "hardship_description"): ILLNESS,
           ("assign_third_party", "notes"): "注意申请人配偶正在透析，避开治疗日",
           ("household_visit", "findings"): "入户见配偶透析后卧床，家中无其他收入",
           ("re_review", "opinion"): "走访核实配偶透析，家庭无其他收入，符合条件",
           ("notice_objection", "content"): "邻居反映其有房屋出租收入",
           ("notice_objection", "finding"): "经核查无出租收入",
           ("open_file", "proposal_notes"): "按透析自付费用测算生活救助",
           ("approval", "opinion"): "透析费用负担重，同意"}
PRIVATE_WORDS = ["尿毒症", "透析", "出租", "无其他收入"]
# The oversight exchange, which the inspector reads and writes.
IRREGULARITY = "走访记录缺申请人签字页，调查人员仅一人到场"
ANSWER = {"response": "已补签字页并由两名调查人员复访", "corrective_action": "今后走访一律两人到场并当场签字"}


def masked(number):
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def whole_numbers(household):
    return [household["id_number"], household["bank_card_number"], household["phone"]] + \
        [m["id_number"] for m in household["family_members"]]


@pytest.fixture
def overseen(app, api, clock, case_at, household, replies):
    """A paid case whose family is described in free text, whose visit the inspector returned with an
    irregularity that the centre answered, and whose notice drew an objection that was not upheld;
    returns (case id, the visit_oversight task's id)."""
    household["hardship_description"] = PRIVATE[("declaration", "hardship_description")]
    household["hardship_reasons"] = ["major_illness"]
    for (step, field), text in PRIVATE.items():
        if step in replies:
            replies[step][field] = text
    case_id = case_at("household_visit")
    oversight = api.open_task(case_id, "visit_oversight")["id"]
    api.complete(case_id, "visit_oversight", {"decision": "return", "opinion": IRREGULARITY})
    api.complete(case_id, "household_visit", replies["household_visit"])
    api.complete(case_id, "answer_irregularity", ANSWER)
    api.complete(case_id, "re_review", replies["re_review"])
    api.objection_overruled_and_paid(case_id, clock, replies)
    return case_id, oversight


def test_the_inspector_gets_no_private_detail_of_the_family_in_the_case(api, overseen, household):
    data = api.case(overseen[0], "inspector1")["data"]
    declaration = data["declaration"]
    assert declaration["id_number"] == masked(household["id_number"])
    assert [m["id_number"] for m in declaration["family_members"]] == \
        [masked(m["id_number"]) for m in household["family_members"]]
    assert declaration["bank_card_number"] == masked(household["bank_card_number"])
    assert declaration["phone"] == household["phone"][:3] + "****" + household["phone"][-4:]
    assert [m["health"] for m in declaration["family_members"]] == [HIDDEN] * 3
    assert [m["monthly_income"] for m in declaration["family_members"]] == [None] * 3
    assert (declaration["monthly_household_income"], declaration["unavoidable_expenses"],
            declaration["assets"]["financial_assets"]) == (None, None, None)
    assert declaration["hardship_reasons"] == HIDDEN
    assert data["household_visit"]["verified_monthly_household_income"] is None
    assert (data["assessment"]["per_capita_income"], data["assessment"]["monthly_household_income"]) == (None, None)
    assert {key: data[step][field] for key in PRIVATE for step, field in [key]} == {key: HIDDEN for key in PRIVATE}


def test_the_inspector_reads_the_procedure_of_the_case(api, overseen, household, replies):
    case_id, _ = overseen
    case = api.case(case_id, "inspector1")
    data = case["data"]
    done = [(e["task"], e["actor"], e["decision"]) for e in case["history"] if e["action"] == "completed"]
    assert done == [("declaration", "union1", None), ("preliminary_review", "union1", "approve"),
                    ("assign_third_party", "center1", None), ("visit_oversight", "inspector1", "return"),
                    ("household_visit", "thirdparty1", None), ("answer_irregularity", "center1", None),
                    ("re_review", "center1", "approve"), ("public_notice", "center1", None),
                    ("notice_objection", "center1", "not_upheld"), ("open_file", "center1", None),
                    ("approval", "approver1", "approve"), ("payment", "bangfu-system", None)]
    assert all(e["at"] for e in case["history"])
    assigned = replies["assign_third_party"]
    assert {k: data["assign_third_party"][k] for k in ("third_party_org", "visit_due_date")} == \
        {k: assigned[k] for k in ("third_party_org", "visit_due_date")}
    visit = replies["household_visit"]
    assert {k: data["household_visit"][k] for k in ("visit_date", "visitors", "household_present", "checks",
                                                     "applicant_signed", "investigators_signed")} == \
        {k: visit[k] for k in ("visit_date", "visitors", "household_present", "checks", "applicant_signed",
                               "investigators_signed")}
    assert data["visit_oversight"] == {"decision": "return", "opinion": IRREGULARITY}
    assert data["answer_irregularity"] == ANSWER
    assert [e["opinion"] for e in case["history"] if e["task"] == "visit_oversight"] == [IRREGULARITY]
    objection = data["notice_objection"]
    assert (objection["received_on"], objection["channel"], objection["decision"]) == (
        replies["notice_objection"]["received_on"], "letter", "not_upheld")
    assert data["public_notice"]["notice_end"] > data["public_notice"]["notice_start"]
    assert (data["re_review"]["category"], data["assessment"]["suggested_category"]) == ("relative", "deep")
    assert data["assessment"]["dibao_line"] and data["assessment"]["standard"], "the standard the case was judged by"
    assert (data["open_file"]["proposed_amount"], data["approval"]["approved_amount"]) == (800, 800)
    assert (case["approved_amount"], case["paid_amount"]) == ("800.00", "800.00")


def test_the_case_page_shows_the_inspector_the_oversight_and_no_private_detail(app, overseen, household, replies):
    page = Browser(app, "inspector1").get(f"/cases/{overseen[0]}").get_data(as_text=True)
    assert IRREGULARITY in page and ANSWER["response"] in page and ANSWER["corrective_action"] in page
    assert all(name in page for name in replies["household_visit"]["visitors"])
    assert [w for w in PRIVATE_WORDS if w in page] == []
    assert [n for n in whole_numbers(household) if n in page] == []


def test_the_household_file_and_register_show_the_inspector_no_private_detail(app, api, overseen, household):
    household_id = api.case(overseen[0])["household_id"]
    body = api.get(f"/api/v1/households/{household_id}", "inspector1").get_json()
    assert body["id_number"] == masked(household["id_number"])
    assert [v["findings"] for v in body["visits"]] == [HIDDEN]
    assert [v["visitors"] for v in body["visits"]] == [["周敏", "钱进"]]
    browser = Browser(app, "inspector1")
    answers = {"api": api.get(f"/api/v1/households/{household_id}", "inspector1").get_data(as_text=True),
               "page": browser.get(f"/households/{household_id}").get_data(as_text=True),
               "list": api.get("/api/v1/households", "inspector1").get_data(as_text=True),
               "list page": browser.get("/households").get_data(as_text=True),
               "export": _workbook_text(browser.get("/households.xlsx").data),
               "cases export": _workbook_text(browser.get("/cases.xlsx").data)}
    leaks = {where: [x for x in PRIVATE_WORDS + whole_numbers(household) if x in text]
             for where, text in answers.items()}
    assert leaks == {where: [] for where in answers}
    assert household["name"] in answers["page"] and household["name"] in answers["export"]


def test_the_inspector_finds_a_household_and_its_case_by_the_worker_s_name(app, api, overseen, household):
    found = api.get("/api/v1/households", "inspector1", query_string={"text": household["name"]}).get_json()
    assert [(h["worker_name"], h["id_number"]) for h in found["items"]] == [
        (household["name"], masked(household["id_number"]))]
    cases = api.get("/api/v1/cases", "inspector1", query_string={"text": household["name"]}).get_json()
    assert [c["id"] for c in cases["items"]] == [overseen[0]]
    page = Browser(app, "inspector1").get(f"/households?text={quote(household['name'])}")
    assert masked(household["id_number"]) in page.get_data(as_text=True)


def test_the_inspector_reads_its_own_completed_oversight_and_the_earlier_steps_without_private_detail(
        app, api, overseen, household):
    case_id, task_id = overseen
    task = api.get(f"/api/v1/tasks/{task_id}", "inspector1").get_json()
    assert task["data"] == {"decision": "return", "opinion": IRREGULARITY}
    page = Browser(app, "inspector1").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert IRREGULARITY in page
    assert [w for w in PRIVATE_WORDS if w in page] == []
    assert [n for n in whole_numbers(household) if n in page] == []


def test_the_inspector_judges_the_visit_from_its_procedure_and_completes_the_oversight(app, api, case_at, household,
                                                                                        replies):
    """The visit done first: the oversight task shows its date, visitors, presence, checks and signatures,
    the deadline the centre set, never the findings or the verified income."""
    replies["household_visit"]["findings"] = PRIVATE[("household_visit", "findings")]
    case_id = case_at("household_visit")
    api.complete(case_id, "household_visit", replies["household_visit"])
    task_id = api.open_task(case_id, "visit_oversight")["id"]
    assert api.post(f"/api/v1/tasks/{task_id}/claim", "inspector1").status_code == 200
    task = api.get(f"/api/v1/tasks/{task_id}", "inspector1").get_json()
    assert (task["assignee"], task["state"]) == ("inspector1", "open") and task["due_at"]
    assert set(task["form"]["schema"]["properties"]) == {"decision", "opinion"}
    visit = next(step for step in task["earlier_steps"] if step["name"] == "household_visit")["data"]
    assert visit == {**replies["household_visit"], "findings": HIDDEN, "verified_monthly_household_income": None}
    assert task["context"]["assign_third_party"]["visit_due_date"] == replies["assign_third_party"]["visit_due_date"]
    page = Browser(app, "inspector1").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="task-form"' in page and "周敏" in page and "透析" not in page

    done = api.post(f"/api/v1/tasks/{task_id}/complete", "inspector1",
                    json={"data": {"decision": "return", "opinion": IRREGULARITY}})
    assert done.status_code == 200, done.get_json()
    assert api.case(case_id, "inspector1")["data"]["visit_oversight"]["opinion"] == IRREGULARITY
    assert api.case(case_id, "finance1")["data"]["visit_oversight"]["opinion"] == HIDDEN
    assert api.case(case_id, "center1")["data"]["visit_oversight"]["opinion"] == IRREGULARITY


def test_a_second_oversight_shows_the_inspector_its_first_opinion(api, case_at, replies):
    case_id = case_at("household_visit")
    api.complete(case_id, "visit_oversight", {"decision": "approve", "opinion": "程序规范"})
    api.complete(case_id, "household_visit", replies["household_visit"])
    api.complete(case_id, "re_review", replies["re_review"])
    api.uphold_objection(case_id, replies)
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])
    task = api.get(f"/api/v1/tasks/{api.open_task(case_id, 'visit_oversight')['id']}", "inspector1").get_json()
    earlier = [(s["round"], s["data"]) for s in task["earlier_steps"] if s["name"] == "visit_oversight"]
    assert earlier == [(1, {"decision": "approve", "opinion": "程序规范"})]
    objection = next(s for s in task["earlier_steps"] if s["name"] == "notice_objection")["data"]
    assert (objection["decision"], objection["content"], objection["finding"]) == ("upheld", HIDDEN, HIDDEN)


def _workbook_text(data):
    sheet = load_workbook(BytesIO(data)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)
