"""The system's assessment: never a negative income, the visit's verified figures beside the declared ones,
the category 复审 decided once it has, and a warning when members' incomes do not add up."""
from decimal import Decimal

import pytest

from test_pages import Browser


def money(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


def detail(api, case_id, name, user="center1"):
    task = api.open_task(case_id, name)
    return api.get(f"/api/v1/tasks/{task['id']}", user).get_json()


def declared(api, household, **changes):
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", dict(household, **changes))
    return case_id


def test_expenses_above_income_give_zero_per_capita_income_and_say_so(api, household):
    members = [dict(m, monthly_income=3200 if m["relation"] == "self" else 0) for m in household["family_members"]]
    case_id = declared(api, household, family_members=members, monthly_household_income=3200,
                       unavoidable_expenses=48000)

    assessment = detail(api, case_id, "preliminary_review", "union1")["assessment"]
    assert money(assessment["per_capita_income"]) == Decimal("0.00")
    assert "家庭刚性支出超过家庭收入，人均月收入按 0 元计" in assessment["income_notes"]
    assert assessment["suggested_category"] == "deep"


def test_the_visit_recomputes_the_assessment_on_the_verified_income(api, case_at, replies):
    case_id = case_at("household_visit")
    api.complete(case_id, "household_visit", dict(replies["household_visit"], verified_monthly_household_income=5000))
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])

    assessment = detail(api, case_id, "re_review")["assessment"]
    assert assessment["basis"] == "verified"
    # (12 × 5,000 − 6,000) ÷ 12 ÷ 3 against the declared (12 × 2,000 − 6,000) ÷ 12 ÷ 3
    assert money(assessment["per_capita_income"]) == Decimal("1500.00")
    assert money(assessment["declared"]["per_capita_income"]) == Decimal("500.00")
    assert (assessment["declared"]["suggested_category"], assessment["suggested_category"]) == ("deep", "relative")
    assert api.case(case_id)["suggested_category"] == "relative"


@pytest.mark.parametrize("first", ["household_visit", "visit_oversight"])
def test_the_verified_assessment_survives_whichever_branch_finishes_last(api, case_at, replies, first):
    case_id = case_at("household_visit")
    answers = {"household_visit": dict(replies["household_visit"], verified_monthly_household_income=5000),
               "visit_oversight": replies["visit_oversight"]}
    second = "visit_oversight" if first == "household_visit" else "household_visit"
    api.complete(case_id, first, answers[first])
    api.complete(case_id, second, answers[second])
    assert money(detail(api, case_id, "re_review")["assessment"]["per_capita_income"]) == Decimal("1500.00")


def test_a_visit_without_a_verified_income_leaves_the_declared_assessment(api, case_at, replies):
    case_id = case_at("household_visit")
    visit = {k: v for k, v in replies["household_visit"].items() if k != "verified_monthly_household_income"}
    api.complete(case_id, "household_visit", visit)
    api.complete(case_id, "visit_oversight", replies["visit_oversight"])
    assessment = detail(api, case_id, "re_review")["assessment"]
    assert assessment["basis"] == "declared" and "declared" not in assessment


def test_after_re_review_the_pages_show_the_decided_category_not_the_suggestion(app, api, case_at, replies):
    case_id = case_at("re_review")
    api.complete(case_id, "re_review", dict(replies["re_review"], category="sudden"))
    assert detail(api, case_id, "public_notice")["assessment"]["decided_category"] == "sudden"
    for step in ("public_notice", "open_file", "approval"):
        api.complete(case_id, step, replies[step])

    task = api.open_task(case_id, "payment")
    page = Browser(app, "finance1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "复审认定类别 <strong class=\"bf-decided\">意外致困</strong>" in page
    assert "建议类别 <strong>" not in page
    case_page = Browser(app, "supervisor1").get(f"/cases/{case_id}").get_data(as_text=True)
    assert "复审认定类别 意外致困" in case_page


def test_members_incomes_not_adding_up_warn_at_preliminary_review_without_refusing(api, household):
    case_id = declared(api, household, monthly_household_income=3000)  # the members' incomes total 2,000

    review = detail(api, case_id, "preliminary_review", "union1")
    assert review["assessment"]["warnings"] == [
        "家庭成员月收入合计 2,000.00 元，与申报的家庭月总收入 3,000.00 元不一致，请核实是否有其他收入或填写有误"]
    assert detail(api, case_id, "preliminary_review", "supervisor1")["assessment"]["warnings"] is None, \
        "a role that does not see incomes does not see them quoted"
    api.complete(case_id, "preliminary_review", {"decision": "approve"})


def test_members_incomes_adding_up_give_no_warning(api, household):
    case_id = declared(api, household)
    assert detail(api, case_id, "preliminary_review", "union1")["assessment"]["warnings"] == []


def test_the_preliminary_review_page_shows_the_warning(app, api, household):
    case_id = declared(api, household, monthly_household_income=3000)
    task = api.open_task(case_id, "preliminary_review")
    page = Browser(app, "union1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'class="bf-warning"' in page and "与申报的家庭月总收入 3,000.00 元不一致" in page


def test_an_upheld_objection_leaves_the_category_to_the_next_re_review(api, case_at, replies):
    case_id = case_at("public_notice")
    api.uphold_objection(case_id, replies, "有邻居反映家中有经营性车辆")
    assert api.case(case_id)["category"] is None
    assert detail(api, case_id, "assign_third_party")["assessment"]["decided_category"] is None
