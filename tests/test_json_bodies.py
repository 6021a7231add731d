"""A request body that is not JSON the service can store is a 400 naming `body`, on every route, before any
route code runs: huge integers, floats beyond a double, NaN and Infinity, unpaired surrogates."""
import pytest

HUGE_INTEGER = "9" * 5000

UNSTORABLE = {
    "a 5000-digit integer": (HUGE_INTEGER, "数值位数过多"),
    "a float beyond a double": ("1e400", "数值超出范围"),
    "a negative float beyond a double": ("-1e400", "数值超出范围"),
    "NaN": ("NaN", "不是有效的 JSON：不允许 NaN"),
    "Infinity": ("Infinity", "不是有效的 JSON：不允许 Infinity"),
    "-Infinity": ("-Infinity", "不是有效的 JSON：不允许 -Infinity"),
    "an unpaired surrogate": ('"\\ud800"', "包含无效的 Unicode 字符（不成对的代理项）"),
}


def post_raw(api, path, user, text):
    return api.post(path, user, data=text.encode("utf-8"), content_type="application/json")


def assert_body_refused(response, reason):
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["code"] == "bad_request"
    assert error["fields"] == {"body": [reason]}


@pytest.mark.parametrize("value, reason", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_an_unstorable_value_in_the_token_request_is_a_400_naming_body(api, value, reason):
    response = post_raw(api, "/api/v1/auth/token", None, f'{{"username": "union1", "password": {value}}}')
    assert_body_refused(response, reason)


@pytest.mark.parametrize("value, reason", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_an_unstorable_value_in_a_case_start_is_a_400_and_starts_nothing(api, value, reason):
    response = post_raw(api, "/api/v1/cases", "union1",
                        f'{{"process": "hardship_assistance", "data": {{"household_size": {value}}}}}')
    assert_body_refused(response, reason)
    assert api.get("/api/v1/cases", "supervisor1").get_json()["total"] == 0


@pytest.mark.parametrize("value, reason", UNSTORABLE.values(), ids=UNSTORABLE.keys())
def test_an_unstorable_value_in_a_task_completion_is_a_400_and_changes_nothing(api, case_at, household, value,
                                                                             reason):
    case_id = case_at("declaration")
    before = api.case(case_id)
    task = api.open_task(case_id, "declaration")
    response = post_raw(api, f"/api/v1/tasks/{task['id']}/complete", "union1",
                        f'{{"data": {{"name": "张三", "monthly_household_income": {value}}}}}')
    assert_body_refused(response, reason)
    assert api.case(case_id) == before


def test_the_message_of_an_unstorable_body_is_chinese(api):
    response = post_raw(api, "/api/v1/auth/token", None, f'{{"username": {HUGE_INTEGER}, "password": "x"}}')
    assert response.get_json()["error"]["message"] == "请求体包含无法保存的数据"


def test_large_but_ordinary_numbers_and_paired_surrogates_are_still_json(api):
    for password in ("9" * 300, "1e300"):
        response = post_raw(api, "/api/v1/auth/token", None,
                            f'{{"username": "\\ud83d\\ude00", "password": {password}}}')
        assert response.status_code == 422  # read as JSON; the password is not text
        assert response.get_json()["error"]["fields"] == {"password": ["应为文本"]}


def test_a_body_that_is_not_utf_8_is_a_400_naming_body(api):
    response = api.post("/api/v1/auth/token", data='{"username": "张三"}'.encode("gbk"),
                        content_type="application/json")
    assert_body_refused(response, "不是有效的 JSON：应为 UTF-8 编码")


def test_the_model_editor_json_call_refuses_nan_too(app):
    """The pages' own JSON calls read bodies through the same strict reader (Flask's request.get_json)."""
    with app.test_request_context("/", method="POST", data='{"xml": NaN}', content_type="application/json"):
        from flask import request
        assert request.get_json(silent=True) is None
