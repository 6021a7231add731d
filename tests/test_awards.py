"""Awards from the hardship application's approval, their instalments, an exit ending them, and who reads them."""
import pytest
from sqlalchemy import select

from bangfu import clock as service_clock
from bangfu.households import register
from bangfu.households.models import Household
from bangfu.money.models import Instalment
from bangfu.people.models import User
from bangfu.process_models.operations import deploy
from bangfu.resources import bundled_models
from bangfu.services import services
from bangfu.unit_of_work import run_in
from money_helpers import standard_in_force


@pytest.fixture
def standard(app):
    return standard_in_force(app)


def _awards(api, user="center1", **filters):
    response = api.get("/api/v1/awards", user, query_string=filters)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_hardship_approval_creates_a_monthly_living_award_under_the_standard_in_force(api, case_at, standard):
    case_at("payment")  # 审批 approved 800 yuan a month (相对困难: at most 800) of living aid on Monday 30 November 2026
    listing = _awards(api)
    assert listing["total"] == 1
    award = api.get(f"/api/v1/awards/{listing['items'][0]['id']}", "finance1").get_json()
    assert (award["programme"], award["programme_label"], award["monthly_amount"]) == ("living", "生活救助", "800.00")
    assert award["standard_id"] == standard and award["standard_item_id"] is not None
    assert award["period_end"] == "2026-12-31"  # the standard's effective_to
    assert [(i["due_on"], i["amount"], i["status"]) for i in award["instalments"]] == [
        ("2026-11-30", "800.00", "open"), ("2026-12-01", "800.00", "open")]
    assert award["amount"] == "1600.00" and award["fund_source_label"] == "帮扶资金"


def test_aid_without_money_creates_no_award(api, case_at, replies, standard):
    case_id = case_at("open_file")
    api.complete(case_id, "open_file", {"aid_type": "legal", "proposed_amount": 0, "proposal_notes": "法律援助"})
    api.complete(case_id, "approval", {"decision": "approve", "approved_amount": 0, "opinion": "同意"})
    assert _awards(api)["total"] == 0


def test_exit_ends_the_award_and_cancels_the_instalments_from_the_exit_date(app, api, case_at, standard, clock):
    case_at("payment")
    clock.advance(days=1)  # Tuesday 1 December: the first instalment stays, the second is due on the exit day

    def leave(session):
        household = session.scalar(select(Household))
        register.exit_household(session, household, "retired", session.scalar(select(User).where(
            User.username == "center1")), service_clock.now())
    run_in(app, leave)
    award = api.get(f"/api/v1/awards/{_awards(api)['items'][0]['id']}", "center1").get_json()
    assert (award["status"], award["ended_on"], award["end_reason"]) == ("ended", "2026-12-01", "家庭退出（退休）")
    assert [i["status"] for i in award["instalments"]] == ["open", "cancelled"]
    assert award["amount"] == "800.00"  # what it kept


def test_exit_case_approved_ends_awards(app, api, case_at, standard):
    run_in(app, lambda s: deploy(s, services(), (bundled_models() / "household_exit.bpmn").read_bytes()))
    case_at("payment")
    household_id = run_in(app, lambda s: s.scalar(select(Household.id)))
    case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()
    api.complete(case["id"], "exit_request", {"exit_reason": "moved_away", "opinion": "迁往外地"}, user="center1")
    api.complete(case["id"], "exit_approval", {"decision": "approve", "opinion": "同意"}, user="approver1")
    assert _awards(api)["items"][0]["status"] == "ended"
    statuses = run_in(app, lambda s: sorted(s.scalars(select(Instalment.status)).all()))
    assert statuses == ["cancelled", "cancelled"]  # both due on or after today's exit


def test_a_union_reads_only_its_own_households_awards(api, case_at, standard):
    case_at("payment")  # declared by union1 (沙钢工会)
    award_id = _awards(api)["items"][0]["id"]
    assert _awards(api, "union1")["total"] == 1
    assert _awards(api, "union2")["total"] == 0
    response = api.get(f"/api/v1/awards/{award_id}", "union2")
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "帮扶项目不存在"
    assert api.get(f"/api/v1/awards/{award_id}", "thirdparty1").status_code == 403
    for reader in ("finance1", "approver1", "supervisor1", "inspector1"):
        assert api.get(f"/api/v1/awards/{award_id}", reader).status_code == 200


def test_award_filters(api, case_at, standard):
    case_at("payment")
    assert _awards(api, programme="living", year=2026, status="active")["total"] == 1
    assert _awards(api, programme="medical")["total"] == 0
    assert _awards(api, year=2025)["total"] == 0
    bad = api.get("/api/v1/awards", "center1", query_string={"programme": "cash"})
    assert bad.status_code == 422 and "programme" in str(bad.get_json())
