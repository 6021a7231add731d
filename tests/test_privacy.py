"""Personal data by role: ID and bank card numbers masked for those who don't need them, incomes hidden,
and no ID or card number ever written to the logs."""
import copy
import logging
import re

import pytest

from bangfu.testing import pay_case_through_batch

READERS = ["union1", "center1", "thirdparty1", "inspector1", "approver1", "finance1", "supervisor1", "head1"]
WHOLE_ID = {"union1", "center1", "thirdparty1"}
WHOLE_CARD = {"union1", "center1", "finance1"}
SEES_CIRCUMSTANCES = {"union1", "center1", "thirdparty1", "approver1", "head1"}
MASKED_ID = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


def masked(number):
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def numbers_of(household):
    return [household["id_number"], household["bank_card_number"]] + \
        [m["id_number"] for m in household["family_members"]]


@pytest.fixture
def paying(api, case_at):
    """A case waiting for payment: declared, visited by TP-SUNSHINE, assessed and approved."""
    case_id = case_at("payment")
    return case_id, api.open_task(case_id, "payment")["id"]


@pytest.mark.parametrize("username", READERS)
def test_id_numbers_and_phone_are_whole_only_for_union_centre_and_third_party(api, paying, household, username):
    declaration = api.case(paying[0], username)["data"]["declaration"]
    ids = [declaration["id_number"]] + [m["id_number"] for m in declaration["family_members"]]
    raw = [household["id_number"]] + [m["id_number"] for m in household["family_members"]]
    if username in WHOLE_ID:
        assert ids == raw
        assert declaration["phone"] == household["phone"]
    else:
        assert ids == [masked(n) for n in raw]
        assert all(MASKED_ID.match(n) for n in ids), ids
        assert declaration["phone"] == household["phone"][:3] + "****" + household["phone"][-4:]


@pytest.mark.parametrize("username", READERS)
def test_the_bank_card_is_whole_only_for_union_centre_and_finance(api, paying, household, username):
    card = api.case(paying[0], username)["data"]["declaration"]["bank_card_number"]
    raw = household["bank_card_number"]
    assert card == (raw if username in WHOLE_CARD else raw[:4] + "*" * (len(raw) - 8) + raw[-4:])
    assert card.endswith(raw[-4:])


@pytest.mark.parametrize("username", READERS)
def test_incomes_assets_and_health_are_hidden_from_finance_and_the_supervisor(api, paying, household, username):
    data = api.case(paying[0], username)["data"]
    declaration = data["declaration"]
    seen = {"household income": declaration["monthly_household_income"],
            "expenses": declaration["unavoidable_expenses"],
            "financial assets": declaration["assets"]["financial_assets"],
            "member incomes": [m["monthly_income"] for m in declaration["family_members"]],
            "member health": [m["health"] for m in declaration["family_members"]],
            "verified income": data["household_visit"]["verified_monthly_household_income"],
            "per-capita income": data["assessment"]["per_capita_income"]}
    if username in SEES_CIRCUMSTANCES:
        assert seen == {"household income": 2000, "expenses": 6000, "financial assets": 5000,
                        "member incomes": [2000, 0, 0], "member health": ["healthy", "major_illness", "healthy"],
                        "verified income": 2000, "per-capita income": 500.0}
    else:
        assert seen == {"household income": None, "expenses": None, "financial assets": None,
                        "member incomes": [None, None, None], "member health": ["（已隐藏）"] * 3,
                        "verified income": None, "per-capita income": None}
    assert declaration["assets"]["homes"] == 1
    assert declaration["name"] == household["name"]


@pytest.mark.parametrize("username", READERS)
def test_a_task_shows_the_case_masked_exactly_as_the_case_does(api, paying, username):
    case_id, task_id = paying
    task = api.get(f"/api/v1/tasks/{task_id}", username)
    assert task.status_code == 200
    assert task.get_json()["context"] == api.case(case_id, username)["data"]


def test_finance_pays_with_the_whole_card_but_sees_a_masked_id_in_the_payment_task(api, paying, household):
    context = api.get(f"/api/v1/tasks/{paying[1]}", "finance1").get_json()["context"]["declaration"]
    assert context["bank_card_number"] == household["bank_card_number"]
    assert context["bank_account_name"] == household["name"]
    assert context["id_number"] == masked(household["id_number"])
    assert context["monthly_household_income"] is None


@pytest.mark.parametrize("username", sorted(set(READERS) - WHOLE_ID))
def test_a_masked_number_appears_nowhere_in_what_the_role_is_sent(api, paying, household, username):
    case_id, task_id = paying
    hidden = [] if username in WHOLE_ID else [household["id_number"]] + \
        [m["id_number"] for m in household["family_members"]]
    if username not in WHOLE_CARD:
        hidden.append(household["bank_card_number"])
    for path in (f"/api/v1/cases/{case_id}", f"/api/v1/tasks/{task_id}", "/api/v1/cases", "/api/v1/tasks"):
        text = api.get(path, username).get_data(as_text=True)
        assert [n for n in hidden if n in text or n[4:-4] in text] == [], path


def test_masking_a_reply_does_not_change_the_case_for_those_who_see_it_whole(api, paying, household):
    api.case(paying[0], "supervisor1")
    api.get(f"/api/v1/tasks/{paying[1]}", "inspector1")
    declaration = api.case(paying[0], "center1")["data"]["declaration"]
    assert declaration["id_number"] == household["id_number"]
    assert declaration["bank_card_number"] == household["bank_card_number"]
    assert declaration["family_members"][1]["monthly_income"] == 0


# Logs -------------------------------------------------------------------------------------

STEPS = [("declaration", "union1"), ("preliminary_review", "union1"), ("assign_third_party", "center1"),
         ("household_visit", "thirdparty1"), ("visit_oversight", "inspector1"), ("re_review", "center1"),
         ("public_notice", "center1"), ("open_file", "center1"), ("approval", "approver1"), ("payment", "finance1")]


def run_whole_case_logged(api, household, replies, caplog):
    """A case from declaration to payment, with a refused declaration and every role reading it, at DEBUG
    everywhere, SpiffWorkflow's own loggers included (at DEBUG they attach whole task data to records)."""
    caplog.set_level(logging.DEBUG)
    for name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data"):
        caplog.set_level(logging.DEBUG, logger=name)
    case_id = api.start("union1", data={"name": household["name"], "id_number": household["id_number"]})["id"]
    wrong = copy.deepcopy(household)
    wrong["id_number"] = household["id_number"][:-1] + ("1" if household["id_number"][-1] == "0" else "0")
    wrong["bank_card_number"] = household["bank_card_number"][:-1] + \
        str((int(household["bank_card_number"][-1]) + 1) % 10)
    assert api.complete(case_id, "declaration", wrong, expect=422)
    for name, user in STEPS:
        task = api.open_task(case_id, name)
        assert api.post(f"/api/v1/tasks/{task['id']}/claim", user).status_code == 200
        api.get(f"/api/v1/tasks/{task['id']}", user)
        if name == "payment":  # the bank pays it: batch, approval, bank file and result, all logged at DEBUG
            pay_case_through_batch(api.app, case_id)
            continue
        api.complete(case_id, name, household if name == "declaration" else replies[name], user=user)
    for user in READERS:
        api.case(case_id, user)
    assert api.case(case_id)["status"] == "paid"
    assert caplog.records, "nothing was logged at DEBUG"
    return numbers_of(household) + [wrong["id_number"], wrong["bank_card_number"]]


def test_no_log_message_contains_an_id_or_bank_card_number(api, household, replies, caplog):
    numbers = run_whole_case_logged(api, household, replies, caplog)
    for record in caplog.records:
        message = record.getMessage() + (record.exc_text or "")
        assert not [n for n in numbers if n in message], (record.name, message[:200])
    assert not [n for n in numbers if n in caplog.text]


def test_no_log_record_carries_an_id_or_bank_card_number_in_its_structured_fields(api, household, replies,
                                                                                    caplog):
    """What a JSON log formatter would write: every attribute of every record."""
    numbers = run_whole_case_logged(api, household, replies, caplog)
    leaking = {}
    for record in caplog.records:
        for key, value in vars(record).items():
            if any(n in repr(value) for n in numbers):
                leaking.setdefault(record.name, set()).add(key)
    assert leaking == {}


# Free text describing the family -------------------------------------------------------------

ILLNESS = "配偶确诊尿毒症，每周透析三次"
DESCRIPTIONS = {("declaration", "hardship_description"): ILLNESS,
                ("assign_third_party", "notes"): "注意申请人配偶正在透析，避开治疗日",
                ("household_visit", "findings"): "入户见配偶透析后卧床，家中无其他收入",
                ("open_file", "proposal_notes"): "按透析自付费用测算生活救助"}
REVIEW_OPINION = "走访核实配偶透析，家庭无其他收入，符合条件"  # an opinion quotes the circumstances it weighed
OBJECTION = {"content": "邻居反映其有房屋出租收入", "finding": "经核查无出租收入"}


@pytest.fixture
def described(app, api, clock, case_at, household, replies):
    """A paid case whose declaration, visit, assignment, notice objection and file describe the family's
    illness; the objection, not upheld, was recorded while the notice ran, and its timer moved the case on."""
    household["hardship_description"] = ILLNESS
    for (step, field), text in DESCRIPTIONS.items():
        if step != "declaration":
            replies[step][field] = text
    replies["re_review"]["opinion"] = REVIEW_OPINION
    case_id = case_at("public_notice")
    api.objection_overruled_and_paid(case_id, clock, replies, **OBJECTION)
    return case_id


@pytest.mark.parametrize("username", READERS)
def test_free_text_about_the_family_is_hidden_from_those_who_may_not_see_health_and_income(api, described, replies,
                                                                                            username):
    data = api.case(described, username)["data"]
    seen = {field: data[step][field] for step, field in DESCRIPTIONS} | {
        "hardship_reasons": data["declaration"]["hardship_reasons"],
        "objection": {k: data["notice_objection"][k] for k in OBJECTION}}
    if username in SEES_CIRCUMSTANCES:
        assert seen == {field: text for (_, field), text in DESCRIPTIONS.items()} | {
            "hardship_reasons": ["major_illness"], "objection": {"content": OBJECTION["content"],
                                                                 "finding": OBJECTION["finding"]}}
    else:
        assert seen == {field: "（已隐藏）" for _, field in DESCRIPTIONS} | {
            "hardship_reasons": "（已隐藏）", "objection": {"content": "（已隐藏）", "finding": "（已隐藏）"}}
    shown = REVIEW_OPINION if username in SEES_CIRCUMSTANCES else "（已隐藏）"
    assert data["re_review"]["opinion"] == shown
    history = api.case(described, username)["history"]
    assert [e["opinion"] for e in history if e["task"] == "re_review"] == [shown], "history keeps no copy"
    assert data["notice_objection"]["received_on"] == replies["notice_objection"]["received_on"]


@pytest.mark.parametrize("username", sorted(set(READERS) - SEES_CIRCUMSTANCES))
def test_no_word_of_the_illness_reaches_those_roles_by_api_page_or_export(app, api, described, username):
    from test_pages import Browser

    words = ["尿毒症", "透析", "出租", "无其他收入"]
    answers = [api.get(f"/api/v1/cases/{described}", username).get_data(as_text=True),
               api.get("/api/v1/cases", username).get_data(as_text=True)]
    page = Browser(app, username)
    answers.append(page.get(f"/cases/{described}").get_data(as_text=True))
    export = page.get("/cases.xlsx")
    assert export.status_code == 200
    answers.append(_workbook_text(export.data))
    assert [word for text in answers for word in words if word in text] == []
    assert "（已隐藏）" in answers[2]


def _workbook_text(data):
    from io import BytesIO

    from openpyxl import load_workbook
    sheet = load_workbook(BytesIO(data)).active
    return " ".join(str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None)



def test_the_assessment_note_comparing_expenses_and_income_is_hidden_with_the_income(api, household):
    members = [dict(m, monthly_income=3200 if m["relation"] == "self" else 0) for m in household["family_members"]]
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", dict(household, family_members=members, monthly_household_income=3200,
                                              unavoidable_expenses=48000))
    assert api.case(case_id, "center1")["data"]["assessment"]["income_notes"] == [
        "家庭刚性支出超过家庭收入，人均月收入按 0 元计"]
    seen = api.case(case_id, "supervisor1")["data"]["assessment"]
    assert seen["income_notes"] is None and seen["per_capita_income"] is None
