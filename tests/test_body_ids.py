"""Ids in request bodies past the id columns (PostgreSQL's 32-bit integer): 99999999999 as a fund standard, an
adjustment line or a payment line overflowed on PostgreSQL into the generic 422 输入包含无法保存的字符 (SQLite looked
it up and said 未找到). On both databases it is refused before any query, naming the field and saying that it does
not exist, as ids in URLs past that range are a 404 (IdConverter)."""
import pytest

from test_fund_standards import BODY

HUGE = 99999999999


def refused_fields(response):
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    return error["fields"]


@pytest.mark.parametrize("value", [HUGE, 2 ** 31, 2 ** 70, 0])
def test_a_fund_standard_no_id_can_name_is_refused_naming_the_field(api, value):
    fields = refused_fields(api.post("/api/v1/adjustments", "center1", json={"standard_id": value}))
    assert fields == {"standard_id": [f"资金标准不存在（编号 {value}）"]}


def test_a_replaced_standard_past_the_ids_is_refused_naming_the_field(api):
    fields = refused_fields(api.post("/api/v1/fund-standards", "center1", json=dict(BODY, replaces_id=HUGE)))
    assert fields == {"replaces_id": [f"被替代的资金标准不存在（编号 {HUGE}）"]}


def test_adjustment_lines_past_the_ids_are_refused_naming_the_line(api):
    edit = api.patch("/api/v1/adjustments/1/lines", "center1", json={"lines": [{"id": HUGE, "proposed_amount": 700}]})
    assert refused_fields(edit) == {"lines.0.id": [f"调整清单中的这一行不存在（编号 {HUGE}）"]}
    decide = api.post("/api/v1/adjustments/1/approve", "approver1", json={"lines": [
        {"id": 1, "decision": "approved"}, {"id": HUGE, "decision": "rejected", "note": "待复核"}]})
    assert refused_fields(decide) == {"lines.1.id": [f"调整清单中的这一行不存在（编号 {HUGE}）"]}


def test_a_payment_line_past_the_ids_is_refused_naming_the_field(api):
    response = api.post("/api/v1/account-verifications", "center1", json={
        "line_id": HUGE, "bank_name": "中国银行", "account_number": "6216610200016587010", "account_holder": "李娜",
        "verified_with": "phone"})
    assert refused_fields(response) == {"line_id": [f"代发明细不存在（编号 {HUGE}）"]}


def test_the_openapi_document_bounds_body_ids(api):
    schemas = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    line_id = schemas["VerificationArgs"]["properties"]["line_id"]
    assert (line_id["minimum"], line_id["maximum"]) == (1, 2 ** 31 - 1)
