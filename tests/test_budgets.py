"""Programme budgets: set by the centre; committed, paid and remaining to the fen; the approver warned (not
refused) when an approval would pass the remaining budget or there is none."""
from datetime import date

import pytest
from sqlalchemy import select, update

from bangfu.households.models import Household
from bangfu.money.models import Instalment
from bangfu.unit_of_work import run_in
from money_helpers import deploy_programmes


@pytest.fixture
def programmes(app):
    deploy_programmes(app)


def _budgets(api, year=2026, user="finance1"):
    response = api.get("/api/v1/budgets", user, query_string={"year": year})
    assert response.status_code == 200, response.get_json()
    return {line["programme"]: line for line in response.get_json()}


def _sudden(api, household_id, amount):
    case = api.post(f"/api/v1/households/{household_id}/programme-applications", "union1",
                    json={"process": "sudden_aid"}).get_json()
    api.complete(case["id"], "application", {"accident_date": "2026-11-01", "accident_description": "工伤",
                                             "requested_amount": amount}, user="union1")
    api.complete(case["id"], "programme_review", {"decision": "pass"}, user="center1")
    return case["id"]


def test_the_centre_sets_budgets_and_others_read_them(api):
    set_ = api.request("PUT", "/api/v1/budgets/sudden/2026", "center1", json={"amount": "100000.00"})
    assert set_.status_code == 200, set_.get_json()
    assert set_.get_json() | {} == {"programme": "sudden", "programme_label": "意外致困", "year": 2026,
                                   "fund_source": "hardship_fund", "fund_source_label": "帮扶资金",
                                   "budget": "100000.00", "committed": "0.00", "paid": "0.00",
                                   "remaining": "100000.00"}
    changed = api.request("PUT", "/api/v1/budgets/sudden/2026", "center1",
                          json={"amount": "120000.50", "fund_source": "charity"}).get_json()
    assert (changed["budget"], changed["fund_source_label"]) == ("120000.50", "慈善")
    lines = _budgets(api)
    assert lines["living"]["budget"] is None and lines["living"]["remaining"] is None
    assert api.request("PUT", "/api/v1/budgets/sudden/2026", "approver1", json={"amount": 1}).status_code == 403
    assert api.get("/api/v1/budgets", "union1", query_string={"year": 2026}).status_code == 403
    bad = api.request("PUT", "/api/v1/budgets/cash/2026", "center1", json={"amount": "1.001"})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"programme", "amount"}


def test_committed_paid_and_remaining_to_the_fen_and_the_approvers_warning(app, api, case_at, programmes):
    case_at("payment")  # living aid 800 a month: 30 November and 1 December = 1,600.00 committed
    household_id = run_in(app, lambda s: s.scalar(select(Household.id)))
    api.request("PUT", "/api/v1/budgets/sudden/2026", "center1", json={"amount": "10000.10"})
    first = _sudden(api, household_id, 6000.05)
    task = api.open_task(first, "programme_approval")
    assert api.get(f"/api/v1/tasks/{task['id']}", "approver1").get_json()["budget_warnings"] == []
    api.complete(first, "programme_approval", {"decision": "approve"}, user="approver1")
    second = _sudden(api, household_id, 4000.06)  # 0.01 over what remains
    task = api.open_task(second, "programme_approval")
    warned = api.get(f"/api/v1/tasks/{task['id']}", "approver1").get_json()["budget_warnings"]
    assert warned == ["批准 ¥4,000.06 将超出2026年意外致困预算：预算 ¥10,000.10，已批准 ¥6,000.05，剩余 ¥4,000.05"]
    api.complete(second, "programme_approval", {"decision": "approve"}, user="approver1")  # a warning, not a refusal

    run_in(app, lambda s: s.execute(update(Instalment).where(Instalment.due_on == date(2026, 11, 30))
                                    .values(status="paid", paid_on=date(2026, 11, 30))))
    lines = _budgets(api)
    assert {k: lines["sudden"][k] for k in ("budget", "committed", "paid", "remaining")} == {
        "budget": "10000.10", "committed": "10000.11", "paid": "10000.11", "remaining": "-0.01"}
    assert {k: lines["living"][k] for k in ("budget", "committed", "paid")} == {
        "budget": None, "committed": "1600.00", "paid": "800.00"}


def test_no_budget_set_warns_the_approver(app, api, case_at, programmes):
    case_id = case_at("approval")
    task = api.open_task(case_id, "approval")
    warned = api.get(f"/api/v1/tasks/{task['id']}", "approver1").get_json()["budget_warnings"]
    assert warned == ["2026年生活救助尚未设定预算，请核实资金来源后再批准"]
    api.request("PUT", "/api/v1/budgets/living/2026", "center1", json={"amount": "1599.99"})
    warned = api.get(f"/api/v1/tasks/{task['id']}", "approver1").get_json()["budget_warnings"]
    assert warned == ["批准 ¥1,600.00 将超出2026年生活救助预算：预算 ¥1,599.99，已批准 ¥0.00，剩余 ¥1,599.99"]


def test_an_ended_award_counts_what_it_kept(app, api, case_at, programmes, clock):
    from bangfu import clock as service_clock
    from bangfu.households import register
    from bangfu.people.models import User
    case_at("payment")
    clock.advance(days=1)

    def leave(session):
        register.exit_household(session, session.scalar(select(Household)), "retired",
                                session.scalar(select(User).where(User.username == "center1")), service_clock.now())
    run_in(app, leave)
    assert _budgets(api)["living"]["committed"] == "800.00"
