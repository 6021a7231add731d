"""The aid programmes' own processes: applied for by the union or the centre, reviewed, approved into an award;
each held to the standard in force; 送温暖 started for every filed household at once, once per festival."""
import pytest
from sqlalchemy import func, select

from bangfu.cases.models import Case
from bangfu.households.models import Household
from bangfu.money.models import Award
from bangfu.unit_of_work import run_in
from money_helpers import deploy_programmes


@pytest.fixture
def programmes(app):
    deploy_programmes(app)


@pytest.fixture
def filed(app, api, case_at, household, rng, programmes):
    """A household filed by union1 (its hardship case approved), with its declared members."""
    case_at("payment")
    return run_in(app, lambda s: s.scalar(select(Household.id)))


def _apply(api, household_id, process, user="union1", expect=201):
    response = api.post(f"/api/v1/households/{household_id}/programme-applications", user, json={"process": process})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def _education(household, **changes):
    student = household["family_members"][2]
    return {"student_name": student["name"], "id_number": student["id_number"], "school_level": "high_school",
            "school_name": "张家港市第一中学", "school_year": "2026-2027", **changes}


def _bills(household, **changes):
    """A 医疗救助 application for the worker's spouse (the household's second listed member)."""
    patient = household["family_members"][1]
    return {"patient_name": patient["name"], "patient_id_number": patient["id_number"], "illness": "尿毒症",
            "hospital": "张家港市第一人民医院", "bill_count": 12, "total_cost": 50000.10, "insurance_paid": 35000.05,
            "self_paid": 15000.05, "requested_amount": 15000.05, **changes}


def _review_and_approve(api, case_id, approval=None):
    api.complete(case_id, "programme_review", {"decision": "pass", "opinion": "材料齐全"}, user="center1")
    return api.complete(case_id, "programme_approval", approval or {"decision": "approve", "opinion": "同意"},
                        user="approver1")


def _award(api, case_id):
    items = api.get("/api/v1/awards", "center1").get_json()["items"]
    found = [a for a in items if a["case_id"] == case_id]
    assert len(found) == 1
    return api.get(f"/api/v1/awards/{found[0]['id']}", "center1").get_json()


def test_education_grant_from_the_union_to_an_award_of_the_levels_fixed_amount(api, filed, household):
    case = _apply(api, filed, "education_grant")
    assert [t["name"] for t in case["open_tasks"]] == ["application"]
    api.complete(case["id"], "application", _education(household), user="union1")
    _review_and_approve(api, case["id"])
    award = _award(api, case["id"])
    assert (award["programme"], award["amount"], award["school_level"]) == ("education", "3000.00", "high_school")
    assert award["student_name"] == household["family_members"][2]["name"]
    assert award["period_end"] == "2027-07-31"
    assert [(i["due_on"], i["amount"]) for i in award["instalments"]] == [("2026-11-30", "3000.00")]
    assert api.case(case["id"])["status"] == "completed"


def test_education_grant_for_a_student_not_in_the_household_is_refused(api, filed, household, rng):
    from bangfu.demo import resident_id
    case = _apply(api, filed, "education_grant")
    refused = api.complete(case["id"], "application", _education(household, id_number=resident_id(rng, 2008)),
                           user="union1", expect=422)
    assert refused["error"]["fields"]["data.id_number"] == [
        "该学生不是本家庭档案所列家庭成员，不能申请金秋助学（请先核实家庭成员）"]


def test_education_exclusions_refuse_and_one_grant_per_student_per_school_year(api, filed, household):
    case = _apply(api, filed, "education_grant", user="center1")
    assert [t["name"] for t in case["open_tasks"]] == ["application_centre"]  # the centre applies itself
    refused = api.complete(case["id"], "application_centre",
                           _education(household, aided_elsewhere=True, military_or_free_teacher=True),
                           user="center1", expect=422)["error"]["fields"]
    assert refused["data.aided_elsewhere"] == ["本学年已获其他助学资助的学生不再资助"]
    assert refused["data.military_or_free_teacher"] == ["军校生、公费师范生不在金秋助学资助范围"]
    api.complete(case["id"], "application_centre", _education(household), user="center1")
    _review_and_approve(api, case["id"])
    again = _apply(api, filed, "education_grant")
    twice = api.complete(again["id"], "application", _education(household), user="union1", expect=422)
    assert twice["error"]["fields"]["data.school_year"] == ["该学生2026-2027学年已获金秋助学，每生每学年一次"]
    api.complete(again["id"], "application", _education(household, school_year="2027-2028"), user="union1")


def test_medical_aid_at_most_the_self_paid_part_checked_to_the_fen(api, filed, household):
    case = _apply(api, filed, "medical_aid")
    bills = _bills(household, requested_amount=15000.06)
    over = api.complete(case["id"], "application", bills, user="union1", expect=422)["error"]["fields"]
    assert over == {"data.requested_amount": ["救助金额不超过个人自付部分 ¥15,000.05"]}
    wrong = api.complete(case["id"], "application", dict(bills, self_paid=15000.04, requested_amount=100),
                         user="union1", expect=422)["error"]["fields"]
    assert wrong == {"data.self_paid": ["个人自付应为医疗总费用减医保报销：¥15,000.05"]}
    api.complete(case["id"], "application", dict(bills, requested_amount=15000.05), user="union1")
    api.complete(case["id"], "programme_review", {"decision": "pass"}, user="center1")
    refused = api.complete(case["id"], "programme_approval", {"decision": "approve", "approved_amount": 15000.06},
                           user="approver1", expect=422)["error"]["fields"]
    assert refused == {"data.approved_amount": ["批准金额不超过申请金额 ¥15,000.05"]}
    api.complete(case["id"], "programme_approval", {"decision": "approve", "approved_amount": 12000},
                 user="approver1")
    assert _award(api, case["id"])["amount"] == "12000.00"


def test_medical_aid_over_the_standards_cap_is_refused(api, filed, household):
    case = _apply(api, filed, "medical_aid")
    bills = _bills(household, illness="肿瘤", hospital="苏州大学附属第一医院", bill_count=30, total_cost=90000,
                   insurance_paid=50000, self_paid=40000, requested_amount=25000)
    over = api.complete(case["id"], "application", bills, user="union1", expect=422)["error"]["fields"]
    assert over == {"data.requested_amount": [
        "医疗救助按资金标准（苏工党〔2025〕12号）最高 ¥20,000.00 元/次，不能超过 ¥20,000.00"]}


def test_medical_aid_for_a_patient_not_in_the_household_is_refused(api, filed, household, rng):
    from bangfu.demo import resident_id
    case = _apply(api, filed, "medical_aid")
    refused = api.complete(case["id"], "application", _bills(household, patient_id_number=resident_id(rng, 1960)),
                           user="union1", expect=422)["error"]["fields"]
    assert refused == {"data.patient_id_number": [
        "该患者不是本家庭档案所列家庭成员，不能申请医疗救助（请先核实家庭成员）"]}
    api.complete(case["id"], "application", _bills(household), user="union1")
    shown = api.case(case["id"], user="approver1")["data"]["application"]["patient_id_number"]
    assert "*" in shown and shown != household["family_members"][1]["id_number"]  # an ID number, masked


def test_medical_aid_is_not_approved_for_a_patient_no_longer_in_the_household(app, api, filed, household):
    from bangfu.households.models import HouseholdMember
    from bangfu.households.register import id_digest
    case = _apply(api, filed, "medical_aid")
    api.complete(case["id"], "application", _bills(household), user="union1")
    api.complete(case["id"], "programme_review", {"decision": "pass"}, user="center1")

    def remove_the_patient(session):  # as a new declaration would, between the application and the approval
        digest = id_digest(household["family_members"][1]["id_number"])
        session.delete(session.scalar(select(HouseholdMember).where(HouseholdMember.id_digest == digest)))
    run_in(app, remove_the_patient)
    refused = api.complete(case["id"], "programme_approval", {"decision": "approve"}, user="approver1", expect=422)
    assert refused["error"]["fields"] == {"data.approved_amount": ["该患者已不是本家庭档案所列家庭成员"]}


def test_sudden_aid_from_application_to_award(api, filed):
    case = _apply(api, filed, "sudden_aid", user="center1")
    data = {"accident_date": "2026-11-20", "accident_description": "家中失火，财物损毁", "requested_amount": 8000}
    over = api.complete(case["id"], "application_centre", dict(data, requested_amount=10000.01), user="center1",
                        expect=422)["error"]["fields"]
    assert over == {"data.requested_amount": [
        "意外致困按资金标准（苏工党〔2025〕12号）最高 ¥10,000.00 元/次，不能超过 ¥10,000.00"]}
    api.complete(case["id"], "application_centre", data, user="center1")
    _review_and_approve(api, case["id"])
    award = _award(api, case["id"])
    assert (award["programme_label"], award["amount"], award["fund_source"]) == ("意外致困", "8000.00", "hardship_fund")


def test_a_refused_review_creates_no_award(api, filed):
    case = _apply(api, filed, "sudden_aid")
    api.complete(case["id"], "application", {"accident_date": "2026-11-20", "accident_description": "车祸",
                                             "requested_amount": 5000}, user="union1")
    api.complete(case["id"], "programme_review", {"decision": "reject", "opinion": "已获保险赔付"}, user="center1")
    assert api.case(case["id"])["status"] == "not_approved"
    assert api.get("/api/v1/awards", "center1", query_string={"programme": "sudden"}).get_json()["total"] == 0


def test_who_may_apply(api, filed):
    assert _apply(api, filed, "sudden_aid", user="union2", expect=404)["error"]["message"] == "家庭档案不存在"
    assert _apply(api, filed, "sudden_aid", user="finance1", expect=403)
    assert _apply(api, filed, "festival_warmth", user="center1", expect=422)


def test_warmth_starts_for_every_filed_household_once_per_festival_and_year(app, api, case_at, programmes):
    for _ in range(3):
        case_at("payment")
    case_at("re_review")  # not filed: no 送温暖
    started = api.post("/api/v1/warmth", "center1", json={"year": 2026, "festival": "spring"}).get_json()
    assert (started["started"], started["already_started"]) == (3, 0)
    again = api.post("/api/v1/warmth", "center1", json={"year": 2026, "festival": "spring"}).get_json()
    assert (again["started"], again["already_started"]) == (0, 3)
    assert api.post("/api/v1/warmth", "union1", json={"year": 2026, "festival": "spring"}).status_code == 403
    count = run_in(app, lambda s: s.scalar(select(func.count()).select_from(Case).where(
        Case.reference.like("WM2026C%"))))
    assert count == 3
    inbox = api.get("/api/v1/tasks", "approver1").get_json()
    titles = [t["title"] for t in inbox["items"]] if isinstance(inbox, dict) else [t["title"] for t in inbox]
    assert titles.count("送温暖审批") == 3
    # one household refused one by one, the rest approved as a list
    first = run_in(app, lambda s: s.scalar(select(Case.id).where(Case.reference.like("WM2026C%")).order_by(Case.id)))
    api.complete(first, "warmth_approval", {"decision": "reject", "opinion": "已另行慰问"}, user="approver1")
    assert api.post("/api/v1/warmth/2026/spring/approval", "center1").status_code == 403
    approved = api.post("/api/v1/warmth/2026/spring/approval", "approver1").get_json()
    assert approved == {"approved": 2}
    amounts = run_in(app, lambda s: s.scalars(select(Award.amount).where(Award.programme == "warmth")).all())
    assert [str(a) for a in amounts] == ["1000.00", "1000.00"]  # the standard's fixed amount per household
    autumn = api.post("/api/v1/warmth", "center1", json={"year": 2026, "festival": "mid_autumn"}).get_json()
    assert autumn["started"] == 3  # another festival: again every filed household


def test_warmth_without_a_standard_is_refused(app, api, case_at, clock):
    from datetime import datetime, timezone
    deploy_programmes(app)
    case_at("payment")
    clock.set_to(datetime(2026, 12, 31, 16, 0, tzinfo=timezone.utc))  # 1 January 2027: 2026's standard is over
    refused = api.post("/api/v1/warmth", "center1", json={"year": 2027, "festival": "spring"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["fields"]["festival"] == [
        "2027年1月1日没有已批准生效的资金标准，不能核定送温暖金额；请先制定并审批资金标准"]


def test_the_database_refuses_a_second_warmth_case_of_a_household_for_the_festival(app, api, case_at, programmes):
    from sqlalchemy.exc import IntegrityError

    from bangfu import db
    case_at("payment")
    api.post("/api/v1/warmth", "center1", json={"year": 2026, "festival": "spring"})
    with db.engine_of(app).connect() as conn:
        row = conn.execute(select(Case.__table__).where(Case.reference.like("WM2026C%"))).mappings().one()
        copy = {k: v for k, v in row.items() if k != "id"}
        with pytest.raises(IntegrityError):
            conn.execute(Case.__table__.insert().values(**copy))
        conn.rollback()


def test_two_centre_users_starting_warmth_at_once_start_each_household_once(app, api, server, case_at, programmes,
                                                                            is_postgres):
    import threading

    from bangfu.people.operations import create_user
    from http_helpers import post_json as _post
    if not is_postgres:
        pytest.skip("concurrent clients run on PostgreSQL")
    for _ in range(3):
        case_at("payment")
    run_in(app, create_user, "center2", "assistance_center", "ZJG-CENTER", "center2-secret", hash_profile="fast")
    tokens = [api.token("center1"), api.token("center2")]
    barrier, results = threading.Barrier(2), [None, None]

    def client(i):
        barrier.wait()
        results[i] = _post(f"{server}/api/v1/warmth", tokens[i], {"year": 2026, "festival": "spring"})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in results) == [200, 200], results
    assert sorted(body["started"] for _, body in results) == [0, 3]
    count = run_in(app, lambda s: s.scalar(select(func.count()).select_from(Case).where(
        Case.reference.like("WM2026C%"))))
    assert count == 3


def test_an_approval_of_nothing_is_refused_not_an_award_nobody_pays(api, filed):
    case = _apply(api, filed, "sudden_aid", user="center1")
    api.complete(case["id"], "application_centre", {"accident_date": "2026-11-20", "accident_description": "车祸",
                                                    "requested_amount": 5000}, user="center1")
    api.complete(case["id"], "programme_review", {"decision": "pass", "opinion": "材料齐全"}, user="center1")
    refused = api.complete(case["id"], "programme_approval", {"decision": "approve", "opinion": "同意",
                                                              "approved_amount": 0}, user="approver1", expect=422)
    assert refused["error"]["fields"] == {"data.approved_amount": ["意外致困的批准金额应大于 0；不予帮扶请选择不予通过"]}
    assert api.get("/api/v1/awards", "center1", query_string={"programme": "sudden"}).get_json()["total"] == 0
