"""每半年调整: the list of every filed household when a new period's standard begins, edited by the centre,
approved by someone else as a whole or line by line; awards change from the new period on."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from bangfu import db
from bangfu.cases.models import Case
from bangfu.demo import answers
from bangfu.households.models import Household
from bangfu.money.awards import Grant, create_award
from bangfu.money.models import AdjustmentList, Award, Instalment
from bangfu.testing import approved_standard
from bangfu.unit_of_work import run_in
from test_pages import signed_in  # noqa: F401  (a fixture)


@pytest.fixture
def replies(rng):
    """The applications of these tests are for legal aid (no money, no award): each household's living aid
    award is the one filed_with_living_aid makes, running past the new period's first day."""
    found = answers(rng)
    found["open_file"] = {"aid_type": "legal", "proposed_amount": 0, "proposal_notes": "法律援助"}
    found["approval"] = {"decision": "approve", "approved_amount": 0, "opinion": "同意"}
    return found


def filed_with_living_aid(app, case_at, monthly=("800", "700")):
    """Households filed (relative) each with a living aid award approved today under 2026's standard and
    running to 30 June 2027 (so that the adjustment has later instalments to replace); their ids."""
    case_ids = [case_at("payment") for _ in monthly]

    def award(session):
        households = []
        for case_id, amount in zip(case_ids, monthly):
            household = session.get(Household, session.get(Case, case_id).household_id)
            create_award(session, household, Grant("living", Decimal(amount), period_end=date(2027, 6, 30)),
                         approved_on=date(2026, 11, 30))
            households.append(household.id)
        return households
    return run_in(app, award)


def generate(api, standard_id, user="center1"):
    return api.post("/api/v1/adjustments", user, json={"standard_id": standard_id})


def lines_by_household(body):
    return {line["household_id"]: line for line in body["lines"]}


def awards_of(app, household_id):
    with app.app_context():
        session = db.session()
        rows = session.scalars(select(Award).where(Award.household_id == household_id).order_by(Award.id)).all()
        return [(a.status, a.monthly_amount, a.period_start, a.supersedes_id is not None,
                 [(i.due_on, i.amount, i.status) for i in session.scalars(
                     select(Instalment).where(Instalment.award_id == a.id).order_by(Instalment.sequence))])
                for a in rows]


def test_the_list_proposes_the_new_cap_or_the_current_amount_within_it(app, api, case_at):
    first, second = filed_with_living_aid(app, case_at, ("800", "700"))
    standard = approved_standard(app, living_relative="750")  # 2027 H1: 相对困难 at most 750 a month
    response = generate(api, standard)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status_label"], body["effective_from"], body["line_count"]) == ("编辑中", "2027-01-01", 2)
    lines = lines_by_household(body)
    assert (lines[first]["current_amount"], lines[first]["proposed_amount"]) == ("800.00", "750.00")
    assert (lines[second]["current_amount"], lines[second]["proposed_amount"]) == ("700.00", "700.00")
    assert body["current_total"] == "1500.00" and body["proposed_total"] == "1450.00"
    assert generate(api, standard).status_code == 409, "one list per standard"


def test_edits_are_held_to_the_new_standard(app, api, case_at):
    first, _ = filed_with_living_aid(app, case_at)
    body = generate(api, approved_standard(app)).get_json()  # 相对困难 at most 850
    line = lines_by_household(body)[first]
    over = api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
                     json={"lines": [{"id": line["id"], "proposed_amount": "850.01"}]})
    assert over.status_code == 422
    who = f"{line['worker_name']}（{line['file_number']}）："  # the page shows every line's reason together
    assert over.get_json()["error"]["fields"] == {"lines.0.proposed_amount": [
        who + "生活救助（相对困难）按资金标准（苏工党〔2026〕58号）最高 ¥850.00 元/户·月，不能超过 ¥850.00"]}
    stop = api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
                     json={"lines": [{"id": line["id"], "proposed_amount": 0}]})
    assert stop.get_json()["error"]["fields"] == {"lines.0.note": [who + "停发生活救助须写明理由"]}
    edited = api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
                       json={"lines": [{"id": line["id"], "proposed_amount": 850, "note": "家庭人口增加"}]})
    assert edited.status_code == 200
    assert lines_by_household(edited.get_json())[first]["proposed_amount"] == "850.00"


def test_approved_as_a_whole_awards_change_from_the_new_period_and_earlier_instalments_stay(app, api, case_at):
    first, second = filed_with_living_aid(app, case_at)
    body = generate(api, approved_standard(app)).get_json()
    line = lines_by_household(body)[first]
    api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
              json={"lines": [{"id": line["id"], "proposed_amount": 850, "note": "按新标准上调"}]})
    assert api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1", json={}).status_code == 409
    submitted = api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    assert submitted.get_json()["status_label"] == "待审批"
    assert api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
                     json={"lines": [{"id": line["id"], "proposed_amount": 800}]}).status_code == 409
    approved = api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1", json={})
    assert approved.status_code == 200, approved.get_json()
    assert {l["decision"] for l in approved.get_json()["lines"]} == {"approved"}

    old, new = awards_of(app, first)
    assert old[0] == "ended" and old[1] == Decimal("800.00")
    kept = [(due, status) for due, _, status in old[4] if status != "cancelled"]
    assert kept == [(date(2026, 11, 30), "open"), (date(2026, 12, 1), "open")], "instalments before 2027 untouched"
    assert [due for due, _, status in old[4] if status == "cancelled"] == [date(2027, m, 1) for m in range(1, 7)]
    assert new[0:4] == ("active", Decimal("850.00"), date(2027, 1, 1), True)
    assert [(due, amount) for due, amount, _ in new[4]] == [(date(2027, m, 1), Decimal("850.00")) for m in range(1, 7)]
    assert awards_of(app, second)[1][1] == Decimal("700.00")


def test_line_by_line_a_rejected_line_keeps_its_award(app, api, case_at):
    first, second = filed_with_living_aid(app, case_at)
    body = generate(api, approved_standard(app)).get_json()
    rejected = lines_by_household(body)[second]["id"]
    assert api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1", json={"lines": [
        {"id": rejected, "proposed_amount": 700, "note": "按原额续发"}]}).status_code == 200
    api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    decided = api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1",
                       json={"lines": [{"id": rejected, "decision": "rejected", "note": "待复核后再定"}]})
    assert decided.status_code == 200, decided.get_json()
    lines = lines_by_household(decided.get_json())
    assert (lines[first]["decision"], lines[second]["decision"]) == ("approved", "rejected")
    assert lines[second]["decision_note"] == "待复核后再定" and lines[second]["new_award_id"] is None
    assert lines[second]["note"] == "按原额续发", "the approver's note does not take the centre's place"
    unchanged = awards_of(app, second)
    assert len(unchanged) == 1 and unchanged[0][0] == "active"
    assert {status for _, _, status in unchanged[0][4]} == {"open"}
    assert len(awards_of(app, first)) == 2


def test_the_maker_cannot_approve_and_others_cannot_act(app, api, case_at):
    filed_with_living_aid(app, case_at, ("800",))
    body = generate(api, approved_standard(app)).get_json()
    assert generate(api, body["standard_id"], "approver1").status_code == 403
    api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    assert api.post(f"/api/v1/adjustments/{body['id']}/approve", "center1", json={}).status_code == 403
    assert api.get("/api/v1/adjustments", "union1").status_code == 403
    assert api.get("/api/v1/adjustments", "approver1").get_json()["items"][0]["status"] == "submitted"


def test_the_notes_say_why_a_family_s_aid_changes_so_only_those_who_read_circumstances_read_them(
        app, api, case_at, signed_in):
    """A note may quote the family's health or income: the centre, the approver and the head read it; finance
    and the supervisors see the amounts with the note hidden; the inspectors check approvals against the fund
    standards (which they may read) but not the households' lines."""
    first, _ = filed_with_living_aid(app, case_at)
    standard_id = approved_standard(app)
    body = generate(api, standard_id).get_json()
    line_id = lines_by_household(body)[first]["id"]
    assert api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1", json={"lines": [
        {"id": line_id, "proposed_amount": 0, "note": "妻子病故，家庭月收入升至 9000 元"}]}).status_code == 200
    for user in ("center1", "approver1", "head1"):
        line = lines_by_household(api.get(f"/api/v1/adjustments/{body['id']}", user).get_json())[first]
        assert line["note"] == "妻子病故，家庭月收入升至 9000 元", user
    for user in ("finance1", "supervisor1"):
        line = lines_by_household(api.get(f"/api/v1/adjustments/{body['id']}", user).get_json())[first]
        assert (line["note"], line["proposed_amount"]) == ("（已隐藏）", "0.00"), user
        page = signed_in(user).get(f"/adjustments/{body['id']}").get_data(as_text=True)
        assert "（已隐藏）" in page and "9000" not in page, user
    assert api.get(f"/api/v1/adjustments/{body['id']}", "inspector1").status_code == 403
    assert api.get(f"/api/v1/fund-standards/{standard_id}", "inspector1").status_code == 200
    inspector = signed_in("inspector1")
    page = inspector.get(f"/fund-standards/{standard_id}")
    assert page.status_code == 200 and "查看本标准的半年调整清单" not in page.get_data(as_text=True)
    assert inspector.get(f"/adjustments/{body['id']}").status_code == 403


def test_a_draft_standard_gets_no_list(api, case_at):
    body = api.post("/api/v1/fund-standards", "center1", json={
        "period_kind": "half_year", "effective_from": "2027-07-01", "document_number": "X", "document_date":
        "2027-06-01", "issuer": "市总工会党组", "dibao_line": 1245, "relative_multiplier": 2, "sudden_multiplier": 3.5,
        "items": [{"programme": "living", "rule": "cap", "amount": 1245}]}).get_json()
    refused = generate(api, body["id"])
    assert refused.status_code == 409 and refused.get_json()["error"]["message"] == "只有已批准的资金标准可以生成半年调整清单"


def test_the_scheduler_makes_the_list_once_when_the_period_begins(app, api, case_at, clock):
    from bangfu.scheduler.tick import tick
    first, second = filed_with_living_aid(app, case_at)
    standard = approved_standard(app)
    tick(app)  # creates the job's row: first due 1 January 2027, 00:00 in China
    assert api.get("/api/v1/adjustments", "center1").get_json()["items"] == []
    clock.set_to(datetime(2026, 12, 31, 16, 0, 1, tzinfo=timezone.utc))
    fired = tick(app)
    assert fired.failures == []
    assert tick(app).jobs_fired == 0
    lists = api.get("/api/v1/adjustments", "center1").get_json()["items"]
    assert [(l["standard_id"], l["line_count"], l["created_by"]["username"]) for l in lists] == [
        (standard, 2, "center1")]
    with app.app_context():
        assert len(db.session().scalars(select(AdjustmentList)).all()) == 1
    clock.set_to(datetime(2027, 6, 30, 16, 0, 1, tzinfo=timezone.utc))  # 1 July: no standard begins then
    tick(app)
    assert len(api.get("/api/v1/adjustments", "center1").get_json()["items"]) == 1


def test_a_month_the_old_award_paid_already_is_not_paid_again(app, api, case_at):
    """An adjustment approved late: January went out at the old amount, so the new award begins in February."""
    from sqlalchemy import update
    (household,) = filed_with_living_aid(app, case_at, ("800",))
    body = generate(api, approved_standard(app)).get_json()
    api.patch(f"/api/v1/adjustments/{body['id']}/lines", "center1",
              json={"lines": [{"id": body["lines"][0]["id"], "proposed_amount": 850}]})
    api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    run_in(app, lambda session: session.execute(update(Instalment).where(
        Instalment.household_id == household, Instalment.due_on == date(2027, 1, 1)).values(status="paid")))
    api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1", json={})
    old, new = awards_of(app, household)
    assert [(due, status) for due, _, status in old[4] if due.year == 2027][:2] == [
        (date(2027, 1, 1), "paid"), (date(2027, 2, 1), "cancelled")]
    assert [due for due, _, _ in new[4]] == [date(2027, m, 1) for m in range(2, 7)]


def approve_list(api, list_id):
    assert api.post(f"/api/v1/adjustments/{list_id}/submit", "center1").status_code == 200
    approved = api.post(f"/api/v1/adjustments/{list_id}/approve", "approver1", json={})
    assert approved.status_code == 200, approved.get_json()


def test_an_award_approved_ahead_is_dated_the_day_it_was_approved_and_pays_from_its_period(app, api, case_at):
    first, _ = filed_with_living_aid(app, case_at)
    body = generate(api, approved_standard(app)).get_json()
    approve_list(api, body["id"])
    with app.app_context():
        new = db.session().scalars(select(Award).where(Award.household_id == first, Award.supersedes_id.isnot(None))).one()
        assert (new.approved_on, new.period_start, new.budget_year) == (date(2026, 11, 30), date(2027, 1, 1), 2027)


def test_a_later_period_approved_first_is_not_undone_by_the_earlier_period_s_list(app, api, case_at):
    """The second half of 2027 is adjusted before the first half's list is made: making and approving the first
    half's list then replaces the 2026 award up to 30 June, and leaves the second half's award and its months."""
    first, _ = filed_with_living_aid(app, case_at)
    first_half = approved_standard(app)  # 2027-01-01 … 2027-06-30
    second_half = approved_standard(app, start=date(2027, 7, 1), number="苏工党〔2027〕30号")
    approve_list(api, generate(api, second_half).get_json()["id"])
    approve_list(api, generate(api, first_half).get_json()["id"])
    awards = awards_of(app, first)
    paying = sorted((due, amount) for status, _, _, _, instalments in awards for due, amount, state in instalments
                    if state != "cancelled")
    months = [due for due, _ in paying]
    assert months == [date(2026, 11, 30), date(2026, 12, 1)] + [date(2027, m, 1) for m in range(1, 13)], \
        "every month paid once, none dropped"


def test_the_household_page_totals_come_from_its_awards_and_the_bank(app, api, case_at):
    from bangfu.households.views import award_totals
    first, _ = filed_with_living_aid(app, case_at, ("800", "700"))
    with app.app_context():
        assert award_totals(db.session(), first) == (Decimal("6400.00"), Decimal("0.00"))  # 8 months of 800


def test_a_living_award_paid_to_the_end_of_its_period_carries_on_under_the_new_standard(app, api, clock):
    """The usual case: the award ran to the old standard's last day and every instalment is paid (completed)."""
    from test_payment_batches import approve, batch, build, export, upload
    from bangfu.money.payment_demo import result_file
    from bangfu.testing import payable_households

    [household] = payable_households(app, [{"worker_name": "张伟", "programme": "living", "amount": "800.00"}])
    built = build(api, due_through="2026-12-01")["batch"]  # November and December
    approve(api, built["id"])
    export(api, built["id"])
    paid = [(line["reference"], Decimal(line["amount"]), True, None) for line in batch(api, built["id"])["lines"]]
    assert upload(api, built["id"], result_file(paid)).status_code == 200
    assert awards_of(app, household)[0][0] == "completed"

    clock.set_to(datetime(2027, 1, 1, 9, tzinfo=timezone.utc))
    body = generate(api, approved_standard(app)).get_json()  # 相对困难 at most 850 a month
    line = lines_by_household(body)[household]
    assert (line["current_amount"], line["proposed_amount"]) == ("800.00", "800.00")
    api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    assert api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1", json={}).status_code == 200
    new = awards_of(app, household)[1]
    assert (new[0], new[1], new[2], new[3]) == ("active", Decimal("800.00"), date(2027, 1, 1), True)
    assert [due for due, _, _ in new[4]] == [date(2027, month, 1) for month in range(1, 7)]


def test_a_household_that_left_the_register_after_the_list_was_made_gets_no_new_award(app, api, case_at):
    from bangfu import clock
    from bangfu.households.register import exit_household

    leaving, staying = filed_with_living_aid(app, case_at)
    body = generate(api, approved_standard(app)).get_json()
    run_in(app, lambda session: exit_household(session, session.get(Household, leaving), "moved_away", None,
                                               clock.now(), on=date(2026, 12, 15)))
    api.post(f"/api/v1/adjustments/{body['id']}/submit", "center1")
    assert api.post(f"/api/v1/adjustments/{body['id']}/approve", "approver1", json={}).status_code == 200
    assert [award[0] for award in awards_of(app, leaving)] == ["ended"]
    assert [award[0] for award in awards_of(app, staying)] == ["ended", "active"]
