"""Bad input is refused with a JSON body naming each field, never echoes personal numbers, and changes nothing."""
import copy

import pytest

from stdnum.cn import ric

from bangfu import db
from bangfu.cases.models import Case
from bangfu.cases.rules import PAID_BY_BATCH

LANE_OWNER = {"declaration": "union1", "preliminary_review": "union1", "re_review": "center1",
              "open_file": "center1", "approval": "approver1", "payment": "finance1"}
FORM_PROBLEM = "表单填写有误，请按提示修改"


def wrong_check_digit(number):
    return number[:-1] + ("0" if number[-1] != "0" else "1")


def born_on(number, birth):
    """The ID with another birth date and a correct check digit."""
    body = number[:6] + birth + number[14:17]
    return body + ric.calc_check_digit(body + "0")


def set_path(data, path, value):
    *parents, last = path.split(".")
    for key in parents:
        data = data[int(key)] if isinstance(data, list) else data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value(data[last]) if callable(value) else value


DELETE = object()


def secrets_of(household):
    return [household["id_number"], household["bank_card_number"]] + \
        [m["id_number"] for m in household["family_members"]]


def error_of(response):
    assert response.is_json and response.mimetype == "application/json", response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert list(body) == ["error"], body
    return body["error"]


def submit(api, case_id, name, data, user=None):
    task = api.open_task(case_id, name)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user or LANE_OWNER[name], json={"data": data})


def snapshot(api, app, case_id):
    """Everything a user can see of the case, plus its stored version number."""
    with app.app_context():
        version = db.session().get(Case, case_id).version
    return api.case(case_id), version


# Malformed requests ------------------------------------------------------------------------

@pytest.mark.parametrize("path, user", [("/api/v1/auth/token", None), ("/api/v1/cases", "union1"),
                                        ("/api/v1/tasks/{task}/complete", "union1")])
def test_a_body_that_is_not_json_gets_a_400_json_error_not_an_html_page(api, path, user):
    case = api.start("union1")
    response = api.post(path.format(task=case["open_tasks"][0]["id"]), user, data='{"data": {"name": ',
                        content_type="application/json")
    assert response.status_code == 400
    assert error_of(response) == {"code": "bad_request", "message": "请求体不是有效的 JSON",
                                  "fields": {"body": ["不是有效的 JSON"]}}
    assert api.case(case["id"])["history"] == case["history"]


@pytest.mark.parametrize("data", [[1, 2], "张三", 3, True])
def test_form_data_that_is_not_an_object_is_refused(api, app, case_at, data):
    case_id = case_at("declaration")
    before = snapshot(api, app, case_id)
    response = submit(api, case_id, "declaration", data)
    assert response.status_code == 422
    assert error_of(response) == {"code": "validation_failed", "message": "表单数据应为对象",
                                  "fields": {"data": ["应为对象"]}}
    assert snapshot(api, app, case_id) == before


# The declaration ---------------------------------------------------------------------------

DECLARATION_MISTAKES = {
    "household size as words": ("household_size", "three", {"data.household_size": ["应为整数"]}),
    "worker ID check digit": ("id_number", wrong_check_digit, {"data.id_number": ["身份证号校验位错误"]}),
    "worker ID too short": ("id_number", lambda v: v[:17], {"data.id_number": ["身份证号应为 18 位"]}),
    "worker ID birth date": ("id_number", lambda v: born_on(v, "19801332"),
                             {"data.id_number": ["身份证号中的出生日期无效"]}),
    "member ID check digit": ("family_members.0.id_number", wrong_check_digit,
                              {"data.family_members.0.id_number": ["身份证号校验位错误"]}),
    "bank card Luhn digit": ("bank_card_number", lambda v: v[:-1] + str((int(v[-1]) + 1) % 10),
                             {"data.bank_card_number": ["银行卡号校验位错误，请核对"]}),
    "bank card too short": ("bank_card_number", lambda v: v[:8],
                            {"data.bank_card_number": ["银行卡号应为 12 至 19 位数字"]}),
    "account in a relative's name": ("bank_account_name", "某某某", {"data.bank_account_name": [
        "帮扶资金只能打入职工本人账户，开户人须与职工姓名一致"]}),
    "household size not the members": ("household_size", 4, {"data.household_size": [
        "家庭人口数应与家庭成员人数一致（已填写 3 人）"]}),
    "income with 3 decimals": ("monthly_household_income", 2000.125, {"data.monthly_household_income": [
        "金额最多保留两位小数"]}),
    "member income with 3 decimals": ("family_members.0.monthly_income", 1999.999, {
        "data.family_members.0.monthly_income": ["金额最多保留两位小数"]}),
    "negative expenses": ("unavoidable_expenses", -1, {"data.unavoidable_expenses": ["金额不能为负数",
                                                                                   "不能小于 0"]}),
    "an unknown field": ("nickname", "老王", {"data.nickname": ["不是此表单的字段"]}),
    "a missing field": ("phone", DELETE, {"data.phone": ["必填"]}),
}


@pytest.mark.parametrize("path, value, fields", DECLARATION_MISTAKES.values(), ids=DECLARATION_MISTAKES)
def test_a_declaration_mistake_is_named_by_field_and_changes_nothing(api, app, case_at, household, path, value,
                                                                     fields):
    case_id = case_at("declaration")
    before = snapshot(api, app, case_id)
    sent = copy.deepcopy(household)
    set_path(sent, path, value)
    response = submit(api, case_id, "declaration", sent)
    assert response.status_code == 422
    assert error_of(response) == {"code": "validation_failed", "message": FORM_PROBLEM, "fields": fields}
    assert snapshot(api, app, case_id) == before


def test_the_self_member_must_carry_the_workers_own_id_number(api, case_at, household):
    case_id = case_at("declaration")
    sent = copy.deepcopy(household)
    sent["family_members"][0]["id_number"] = sent["family_members"][1]["id_number"]
    response = submit(api, case_id, "declaration", sent)
    assert error_of(response)["fields"] == {
        "data.family_members.0.id_number": ["“本人”的身份证号应与职工身份证号一致"],
        "data.family_members.1.id_number": ["与第 1 位成员的身份证号重复"]}


@pytest.mark.parametrize("path, value", [("id_number", wrong_check_digit), ("id_number", lambda v: v[:17]),
                                         ("family_members.2.id_number", wrong_check_digit),
                                         ("family_members.0.id_number", lambda v: v.lower()[:-1] + "X"),
                                         ("bank_card_number", lambda v: v[:-1] + str((int(v[-1]) + 3) % 10)),
                                         ("bank_account_name", "某某某")])
def test_error_messages_never_echo_an_id_or_bank_card_number(api, case_at, household, path, value):
    case_id = case_at("declaration")
    sent = copy.deepcopy(household)
    set_path(sent, path, value)
    response = submit(api, case_id, "declaration", sent)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    for number in set(secrets_of(household) + secrets_of(sent)):
        assert number not in text and number[:-1] not in text


def test_a_bad_prefilled_declaration_is_refused_without_starting_a_case(api, household):
    draft = {"name": household["name"], "household_size": "three", "id_number": wrong_check_digit(
        household["id_number"])}
    response = api.post("/api/v1/cases", "union1", json={"process": "hardship_assistance", "data": draft})
    assert response.status_code == 422
    assert error_of(response) == {"code": "validation_failed", "message": "初始数据有误", "fields": {
        "data.household_size": ["应为整数"], "data.id_number": ["身份证号校验位错误"]}}
    assert household["id_number"][:-1] not in response.get_data(as_text=True)
    assert api.get("/api/v1/cases", "supervisor1").get_json()["total"] == 0


# Reviews, approval and payment ---------------------------------------------------------------

@pytest.mark.parametrize("stage", ["preliminary_review", "re_review", "approval"])
@pytest.mark.parametrize("decision, opinion", [("return", None), ("reject", None), ("return", "")])
def test_returning_or_rejecting_without_an_opinion_is_refused(api, app, case_at, stage, decision, opinion):
    case_id = case_at(stage)
    before = snapshot(api, app, case_id)
    data = {"decision": decision} if opinion is None else {"decision": decision, "opinion": opinion}
    response = submit(api, case_id, stage, data)
    assert response.status_code == 422
    assert error_of(response) == {"code": "validation_failed", "message": FORM_PROBLEM,
                                  "fields": {"data.opinion": ["必填"]}}
    assert snapshot(api, app, case_id) == before


def test_monthly_living_aid_above_the_standard_s_cap_for_the_category_is_refused_but_the_cap_is_allowed(
        api, app, case_at):
    case_id = case_at("approval")  # 复审 decided 相对困难: the 2026 standard caps its living aid at 800 a month
    before = snapshot(api, app, case_id)
    over = submit(api, case_id, "approval", {"decision": "approve", "approved_amount": 800.01})
    assert over.status_code == 422
    assert error_of(over) == {"code": "validation_failed", "message": FORM_PROBLEM, "fields": {
        "data.approved_amount": ["生活救助（相对困难）按资金标准（苏工党〔2025〕12号）最高 ¥800.00 元/户·月，"
                                 "不能超过 ¥800.00"]}}
    assert snapshot(api, app, case_id) == before
    at_cap = submit(api, case_id, "approval", {"decision": "approve", "approved_amount": 800})
    assert at_cap.status_code == 200, at_cap.get_json()
    assert api.case(case_id)["approved_amount"] == "800.00"


def test_the_living_aid_cap_does_not_limit_medical_aid(api, case_at):
    case_id = case_at("open_file")
    api.complete(case_id, "open_file", {"aid_type": "medical", "proposed_amount": 20000})
    response = submit(api, case_id, "approval", {"decision": "approve", "approved_amount": 20000})
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("paid", [799.99, 800.00, 0])
def test_a_payment_is_never_typed_by_hand_whatever_the_amount(api, app, case_at, paid, replies):
    """The bank's result pays a case (money/case_payment.py); finance cannot confirm a payment by hand, even
    one of the approved amount."""
    case_id = case_at("payment")
    before = snapshot(api, app, case_id)
    response = submit(api, case_id, "payment", dict(replies["payment"], paid_amount=paid))
    assert response.status_code == 422
    assert error_of(response) == {"code": "validation_failed", "message": FORM_PROBLEM, "fields": {
        "data.paid_amount": [PAID_BY_BATCH]}}
    assert snapshot(api, app, case_id) == before
    assert api.case(case_id)["status"] == "active" and api.case(case_id)["paid_amount"] is None


@pytest.mark.parametrize("stage, bad", [
    ("declaration", {"household_size": "three"}),
    ("declaration", {"bank_account_name": "某某某"}),
    ("approval", {"approved_amount": 20000}),
])
def test_a_refused_submission_leaves_the_task_open_for_a_correct_one(api, app, case_at, household, replies,
                                                                     stage, bad):
    case_id = case_at(stage)
    good = household if stage == "declaration" else replies[stage]
    task = api.open_task(case_id, stage)
    before = snapshot(api, app, case_id)
    refused = submit(api, case_id, stage, dict(good, **bad))
    assert refused.status_code == 422
    after_case, after_version = snapshot(api, app, case_id)
    assert (after_case, after_version) == before
    assert [e for e in after_case["history"] if e["action"] == "completed" and e["task"] == stage] == []
    inbox = api.get("/api/v1/tasks", LANE_OWNER[stage]).get_json()["items"]
    assert task["id"] in [t["id"] for t in inbox]
    accepted = submit(api, case_id, stage, good)
    assert accepted.status_code == 200, accepted.get_json()
    assert snapshot(api, app, case_id)[1] > before[1]


@pytest.mark.parametrize("action", ["complete", "claim", "unclaim"])
def test_acting_on_a_finished_task_is_a_conflict(api, app, case_at, household, action):
    case_id = case_at("declaration")
    task = api.open_task(case_id, "declaration")
    api.complete(case_id, "declaration", household)
    before = snapshot(api, app, case_id)
    response = api.post(f"/api/v1/tasks/{task['id']}/{action}", "union1", json={"data": household})
    assert response.status_code == 409
    assert error_of(response) == {"code": "conflict", "message": "该任务已办理完成或已撤销"}
    assert snapshot(api, app, case_id) == before


@pytest.mark.parametrize("value, problem", [
    ("1234.10", None), (1234.1, None), ("0.05", None),
    ("1234.105", "金额最多保留两位小数"), ("一千", "金额应为数字"), ("-1.00", "金额不能为负数"), (True, "金额应为数字")])
def test_a_money_field_takes_an_exact_decimal_text_as_well_as_a_number(value, problem):
    """An amount the service knows exactly (the bank's paid amount) travels as text with two decimals; a form's
    money field takes it, checked as a number is. Other number fields still take numbers only."""
    from bangfu.forms.validation import validate
    schema = {"type": "object", "properties": {
        "amount": {"type": "number", "minimum": 0, "format": "money"}, "size": {"type": "number"}}}
    assert validate(schema, {"amount": value}) == ({} if problem is None else {"amount": [problem]})
    assert validate(schema, {"size": "3"}) == {"size": ["应为数字"]}
