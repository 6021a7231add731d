"""After a submit the user is told what happened: where the case went, or that it ended and how."""
import pytest

from bangfu.cases.rules import PAID_BY_BATCH


def message(api, case_id, name, data):
    return api.complete(case_id, name, data)["message"]


def test_a_submit_names_the_next_steps(api, case_at, household, replies):
    case_id = case_at("declaration")
    assert message(api, case_id, "declaration", household) == "已提交，已转入下一步：初审"
    assert message(api, case_id, "preliminary_review", replies["preliminary_review"]) == \
        "已提交，已转入下一步：委派第三方复审"
    assert message(api, case_id, "assign_third_party", replies["assign_third_party"]) == \
        "已提交，已转入下一步：走访监督、入户走访"


def test_a_branch_finishing_first_says_what_is_still_waiting(api, case_at, replies):
    case_id = case_at("household_visit")
    assert message(api, case_id, "household_visit", replies["household_visit"]) == "已提交，等待其他步骤完成：走访监督"
    assert message(api, case_id, "visit_oversight", replies["visit_oversight"]) == "已提交，已转入下一步：复审结论"


def test_a_return_to_the_union_says_so(api, case_at):
    case_id = case_at("preliminary_review")
    assert message(api, case_id, "preliminary_review", {"decision": "return", "opinion": "请补充"}) == \
        "已提交，已退回申报人补正"


@pytest.mark.parametrize("step, words", [("preliminary_review", "案件已终止（不予通过）"),
                                         ("approval", "案件已终止（审批未通过）")])
def test_a_rejection_says_the_case_ended(api, case_at, step, words):
    case_id = case_at(step)
    assert message(api, case_id, step, {"decision": "reject", "opinion": "不符合条件"}) == f"已提交，{words}"


def test_a_payment_typed_by_hand_says_the_bank_pays_it(api, case_at, replies):
    case_id = case_at("payment")
    refused = api.complete(case_id, "payment", replies["payment"], expect=422)
    assert refused["error"]["fields"]["data.paid_amount"] == [PAID_BY_BATCH]
