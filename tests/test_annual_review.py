"""Annual review (年度复核), exit (撤档), the 防返困 follow-up and a return, driven as users drive them."""
from datetime import date

import pytest
from sqlalchemy import func, select

from bangfu import clock as service_clock
from bangfu import db
from bangfu.casework.commands import fire_timers
from bangfu.cases.models import Case
from bangfu.demo import declaration
from bangfu.households import review
from bangfu.households.models import Household
from bangfu.process_models.operations import deploy
from bangfu.resources import bundled_models
from bangfu.services import services
from bangfu.unit_of_work import run_in
from test_concurrency import race

VISIT = {"visit_date": None, "visitors": ["周敏", "钱进"], "household_size": 3,
         "verified_monthly_household_income": 3000, "findings": "入户复核，家庭情况稳定",
         "applicant_signed": True, "investigators_signed": True}


@pytest.fixture
def models(app):
    def setup(session):
        for name in ("annual_review.bpmn", "household_exit.bpmn"):
            deploy(session, services(), (bundled_models() / name).read_bytes())
    run_in(app, setup)


def filed(app, api, case_at, count=1, stop="payment"):
    """Drive `count` hardship applications until `stop` (建档 and 审批 done at payment): their households filed."""
    case_ids = [case_at(stop) for _ in range(count)]
    with app.app_context():
        rows = db.session().execute(select(Case.id, Case.household_id).where(Case.id.in_(case_ids))).all()
    return [household for _, household in sorted(rows)]


def household_of(app, household_id):
    with app.app_context():
        session = db.session()
        household = session.get(Household, household_id)
        session.expunge(household)
        return household


def review_case(app, household_id, year):
    with app.app_context():
        return db.session().scalar(select(Case.id).where(Case.household_id == household_id,
                                                         Case.review_year == year))


def visit(months=(), today=None):
    today = today or service_clock.today()
    return dict(VISIT, visit_date=today.isoformat(),
                monthly_incomes=[{"month": m, "monthly_household_income": v} for m, v in months])


def last_months(count, today=None):
    """The `count` months before this one, latest first, as YYYY-MM."""
    today = today or service_clock.today()
    found, year, month = [], today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        found.append(f"{year}-{month:02d}")
    return found


def test_the_review_starts_one_case_per_filed_household_and_none_twice(app, api, case_at, models, clock):
    households = filed(app, api, case_at, 2)
    declared_only = case_at("preliminary_review")  # 申报中, not filed: no review
    response = api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"year": 2027, "started": 2, "already_started": 0, "bulk": True}
    again = api.post("/api/v1/annual-reviews", "center1", json={"year": 2027}).get_json()
    assert (again["started"], again["already_started"]) == (0, 2)
    for household_id in households:
        case = api.case(review_case(app, household_id, 2027))
        assert [t["name"] for t in case["open_tasks"]] == ["assign_review_visit"]
        assert case["status"] == "active" and case["open_tasks"][0]["due_at"]
    assert api.case(declared_only)["status"] == "active"
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Case).where(Case.review_year == 2027)) == 2
    other_year = api.post("/api/v1/annual-reviews", "center1", json={"year": 2028}).get_json()
    assert other_year["started"] == 2
    summary = api.get("/api/v1/annual-reviews/2027", "supervisor1").get_json()
    assert summary == {"year": 2027, "started": 2, "reviewed": 0, "pending": 2, "overdue": 0, "exited": 0,
                       "not_started": 0}
    clock.advance(days=11)  # 委派 is due within 10 days
    assert api.get("/api/v1/annual-reviews/2027", "center1").get_json()["overdue"] == 2


def test_only_the_centre_starts_a_review_and_a_bad_year_is_named(api, models):
    refused = api.post("/api/v1/annual-reviews", "union1", json={"year": 2027})
    assert refused.status_code == 403
    bad = api.post("/api/v1/annual-reviews", "center1", json={"year": "next"})
    assert bad.status_code in (400, 422) and "year" in str(bad.get_json())
    assert api.post("/api/v1/annual-reviews", "center1", json={"year": 1800}).status_code in (400, 422)


def test_a_review_concluded_stays_filed_with_a_changed_category(app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at)
    assert household_of(app, household_id).category == "relative"
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    case_id = review_case(app, household_id, 2027)
    api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
    api.complete(case_id, "review_visit_center", visit([(m, 1500) for m in last_months(3)]))
    task = api.open_task(case_id, "review_conclusion")
    detail = api.get(f"/api/v1/tasks/{task['id']}", "center1").get_json()
    assert detail["exit_suggestion"]["suggested"] is False and detail["exit_suggestion"]["months_above"] == 0
    api.complete(case_id, "review_conclusion", {"decision": "stay", "category": "deep", "opinion": "收入下降"})
    case = api.case(case_id)
    assert case["status"] == "completed" and case["open_tasks"] == []
    household = household_of(app, household_id)
    assert (household.status, household.category) == ("filed", "deep")
    assert household.next_review_due == review.add_months(service_clock.today(), 12)
    summary = api.get("/api/v1/annual-reviews/2027", "center1").get_json()
    assert (summary["reviewed"], summary["pending"]) == (1, 0)


def test_a_third_party_visits_the_households_assigned_to_it_and_a_union_sees_only_its_own(
        app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at)
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    case_id = review_case(app, household_id, 2027)
    assert api.get(f"/api/v1/cases/{case_id}", "union1").status_code == 200  # union1 declared it
    assert api.get(f"/api/v1/cases/{case_id}", "union2").status_code == 403
    assert api.get("/api/v1/annual-reviews/2027", "union2").get_json()["started"] == 0
    assert api.get("/api/v1/annual-reviews/2027", "union1").get_json()["started"] == 1
    missing_org = api.complete(case_id, "assign_review_visit", {"visit_by": "third_party"}, expect=422)
    assert "third_party_org" in str(missing_org)
    api.complete(case_id, "assign_review_visit", {"visit_by": "third_party", "third_party_org": "TP-SUNSHINE"})
    task = api.open_task(case_id, "review_visit_third_party")
    shown = api.get(f"/api/v1/tasks/{task['id']}", "thirdparty1").get_json()["household_file"]
    household = household_of(app, household_id)
    assert (shown["file_number"], shown["union"], shown["status_label"]) == (household.file_number, "江苏沙钢集团工会",
                                                                               "在档")
    assert shown["phone"] == household.phone and shown["people"] == 3
    masked = api.get(f"/api/v1/tasks/{task['id']}", "supervisor1").get_json()["household_file"]["phone"]
    assert masked != household.phone and masked[-4:] == household.phone[-4:]
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", "thirdparty2",
                    json={"data": visit()}).status_code == 403
    twice = visit([(last_months(1)[0], 100), (last_months(1)[0], 200)])
    refused = api.post(f"/api/v1/tasks/{task['id']}/complete", "thirdparty1", json={"data": twice})
    assert refused.status_code == 422 and "monthly_incomes.1.month" in str(refused.get_json())
    assert api.post(f"/api/v1/tasks/{task['id']}/complete", "thirdparty1", json={"data": visit()}).status_code == 200
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["review_conclusion"]


def test_the_service_suggests_out_of_hardship_after_six_months_above_the_line(app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at)
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    case_id = review_case(app, household_id, 2027)
    api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
    months = last_months(6)
    # 3 people: 3,700 a month is 1,233.33 each, above the 1,208 line; one month at 3,600 (1,200) breaks the run.
    api.complete(case_id, "review_visit_center",
                 visit([(m, 3700) for m in months[:5]] + [(months[5], 3600)]))
    task = api.open_task(case_id, "review_conclusion")
    found = api.get(f"/api/v1/tasks/{task['id']}", "center1").get_json()["exit_suggestion"]
    assert (found["suggested"], found["months_above"]) == (False, 5)
    assert any("1,233.33" in note for note in found["income_notes"])
    hidden = api.get(f"/api/v1/tasks/{task['id']}", "finance1").get_json()["exit_suggestion"]
    assert hidden["income_notes"] is None and hidden["per_capita_income"] is None
    # The exit can be started from the household at any time; its request shows the same suggestion, and a
    # month verified again replaces the earlier figure.
    exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()
    from decimal import Decimal

    from bangfu.households import incomes
    again = [incomes.MonthIncome(incomes.parse_month(months[5]), Decimal("3700"), 3)]
    run_in(app, incomes.record, household_id, again, None, service_clock.now())
    request = api.open_task(exit_case["id"], "exit_request")
    found = api.get(f"/api/v1/tasks/{request['id']}", "center1").get_json()["exit_suggestion"]
    assert (found["suggested"], found["months_above"]) == (True, 6)


def test_a_month_missing_from_the_record_breaks_the_run_and_a_month_not_yet_over_is_refused():
    from decimal import Decimal

    from bangfu.households.incomes import MonthIncome, month_problems, suggestion
    line = Decimal("1208")

    def months(*pairs):
        return [MonthIncome(date(2026, m, 1), Decimal(v), 2) for m, v in pairs]
    six = months((5, 2500), (6, 2500), (7, 2500), (8, 2500), (9, 2500), (10, 2500))
    assert suggestion(six, line)["suggested"] is True
    gap = months((4, 2500), (5, 2500), (6, 2500), (8, 2500), (9, 2500), (10, 2500))
    assert (suggestion(gap, line)["suggested"], suggestion(gap, line)["months_above"]) == (False, 3)
    at_the_line = months((5, 2416), (6, 2500), (7, 2500), (8, 2500), (9, 2500), (10, 2500))  # 1,208 each in May
    assert suggestion(at_the_line, line)["months_above"] == 5
    assert suggestion(six + months((10, 2000)), line)["months_above"] == 0, "a later figure for a month wins"
    assert suggestion([], line) is None
    assert month_problems({"monthly_incomes": [{"month": "2026-11", "monthly_household_income": 1}]},
                          date(2026, 11, 30)) == {"monthly_incomes.0.month": ["只能填写已经结束的月份"]}


def test_an_approved_exit_closes_the_file_ends_open_aid_and_the_follow_up_falls_due_six_months_on(
        app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at, stop="payment")
    application = review_case(app, household_id, None) or _application(app, household_id)
    assert api.post(f"/api/v1/households/{household_id}/exit", "union1").status_code == 403
    exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1")
    assert exit_case.status_code == 201, exit_case.get_json()
    case_id = exit_case.get_json()["id"]
    again = api.post(f"/api/v1/households/{household_id}/exit", "center1")
    assert again.status_code == 409 and exit_case.get_json()["reference"] in again.get_json()["error"]["message"]
    other = api.complete(case_id, "exit_request", {"exit_reason": "other", "opinion": "情况变化"}, expect=422)
    assert "exit_reason_text" in str(other)
    api.complete(case_id, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "连续6个月收入高于低保"})
    api.complete(case_id, "exit_approval", {"decision": "return", "opinion": "请补充收入证明"})
    api.complete(case_id, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "已补充收入证明"})
    api.complete(case_id, "exit_approval", {"decision": "approve"})

    household = household_of(app, household_id)
    exited_on = service_clock.today()
    assert (household.status, household.exit_reason, household.closed_on) == ("out_of_hardship", "out_of_hardship",
                                                                              exited_on)
    assert household.follow_up_due == review.add_months(exited_on, 6)
    aid = api.case(application)
    assert aid["status"] == "closed_on_exit" and aid["open_tasks"] == []
    assert aid["history"][-1]["action"] == "closed_on_exit" and "脱困" in aid["history"][-1]["opinion"]
    case = api.case(case_id)
    assert case["status"] == "active" and case["open_tasks"] == []  # waiting for the follow-up

    def fire():
        run_in(app, lambda session: fire_timers(session, services(), case_id))
    clock.advance(days=(household.follow_up_due - exited_on).days - 1)
    fire()
    assert api.case(case_id)["open_tasks"] == []
    clock.advance(days=1, hours=2)  # 09:00 China time on the due day has passed
    fire()
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["follow_up_visit"]
    api.complete(case_id, "follow_up_visit", {"visit_date": service_clock.today().isoformat(),
                                              "situation": "配偶再次患病，收入下降", "returned_to_hardship": True})
    assert api.case(case_id)["status"] == "completed"
    household = household_of(app, household_id)
    assert (household.follow_up_result, household.follow_up_done_on) == ("returned", service_clock.today())

    # 返困: the union declares the worker again; the new file links to the closed one.
    worker = _declaration_of(api, application)
    new_case = api.start()["id"]
    api.complete(new_case, "declaration", worker)
    with app.app_context():
        new_household = db.session().scalar(select(Household).where(Household.application_case_id == new_case))
        assert (new_household.status, new_household.previous_household_id) == ("declared", household_id)


def test_an_exit_for_another_reason_has_no_follow_up_and_a_closed_file_cannot_exit_again(
        app, api, case_at, models, clock):
    (household_id,) = filed(app, api, case_at)
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    case_id = review_case(app, household_id, 2027)
    api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
    api.complete(case_id, "review_visit_center", visit())
    api.complete(case_id, "review_conclusion", {"decision": "exit", "exit_reason": "retired",
                                                "opinion": "职工已退休"})
    api.complete(case_id, "exit_approval", {"decision": "approve"})
    case = api.case(case_id)
    assert case["status"] == "completed"
    household = household_of(app, household_id)
    assert (household.status, household.exit_reason, household.follow_up_due) == ("exited", "retired", None)
    assert api.post(f"/api/v1/households/{household_id}/exit", "center1").status_code == 409
    summary = api.get("/api/v1/annual-reviews/2027", "center1").get_json()
    assert (summary["reviewed"], summary["exited"]) == (1, 1)
    assert api.post("/api/v1/annual-reviews", "center1", json={"year": 2028}).get_json()["started"] == 0


def test_a_model_whose_start_runs_a_script_is_started_one_instance_per_household(app, api, case_at, models):
    households = filed(app, api, case_at, 2)
    xml = (bundled_models() / "annual_review.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="assign_review_visit" />',
                      '<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="prepare" />'
                      '<bpmn:scriptTask id="prepare" name="准备"><bpmn:incoming>flow_start</bpmn:incoming>'
                      '<bpmn:outgoing>flow_prepare</bpmn:outgoing><bpmn:script>checked = 1</bpmn:script></bpmn:scriptTask>'
                      '<bpmn:sequenceFlow id="flow_prepare" sourceRef="prepare" targetRef="assign_review_visit" />')
    xml = xml.replace("<bpmn:incoming>flow_start</bpmn:incoming>\n      <bpmn:outgoing>flow_assign_gw",
                      "<bpmn:incoming>flow_prepare</bpmn:incoming>\n      <bpmn:outgoing>flow_assign_gw")
    assert api.post("/api/v1/process-models", "designer1", data={"file": (__import__("io").BytesIO(xml.encode()),
                    "annual_review.bpmn")}, content_type="multipart/form-data").status_code == 201
    done = api.post("/api/v1/annual-reviews", "center1", json={"year": 2027}).get_json()
    assert (done["started"], done["bulk"]) == (2, False)
    for household_id in households:
        case = api.case(review_case(app, household_id, 2027))
        assert [t["name"] for t in case["open_tasks"]] == ["assign_review_visit"]
        assert case["data"]["checked"] == 1


def test_the_yearly_start_falls_due_on_the_configured_day_and_starts_that_year_once(app, api, case_at, models, clock):
    from datetime import datetime, timezone
    households = filed(app, api, case_at, 1)
    day = (12, 1)
    before = datetime(2027, 11, 30, 12, 0, tzinfo=timezone.utc)
    assert review.next_annual_review_at(before, day) == datetime(2027, 12, 1, 1, 0, tzinfo=timezone.utc)
    at_it = datetime(2027, 12, 1, 1, 0, tzinfo=timezone.utc)
    assert review.next_annual_review_at(at_it, day) == datetime(2028, 12, 1, 1, 0, tzinfo=timezone.utc)
    clock.set_to(datetime(2028, 1, 3, 2, 0, tzinfo=timezone.utc))  # the scheduler was down over New Year
    done = run_in(app, lambda session: review.scheduled_annual_review(session, services()))
    assert (done.year, done.started) == (2027, 1)
    assert run_in(app, lambda session: review.scheduled_annual_review(session, services())).started == 0
    assert review_case(app, households[0], 2027)


def test_two_concurrent_starts_start_each_review_once(app, api, server, case_at, models):
    from bangfu.people.operations import create_user
    filed(app, api, case_at, 3)
    run_in(app, create_user, "center2", "assistance_center", "ZJG-CENTER", "center-secret", hash_profile="fast")
    results = race(f"{server}/api/v1/annual-reviews", [api.token("center1"), api.token("center2")], {"year": 2027})
    assert sorted(status for status, _ in results) == [200, 200], results
    assert sorted(body["started"] for _, body in results) == [0, 3]
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Case).where(Case.review_year == 2027)) == 3


def _application(app, household_id):
    with app.app_context():
        return db.session().scalar(select(Household.application_case_id).where(Household.id == household_id))


def _declaration_of(api, case_id):
    return api.case(case_id, "center1")["data"]["declaration"]


def test_the_follow_up_falls_due_after_the_configured_months(migrated, clock, rng):
    from conftest import Api, make_app, prepare
    app = make_app(migrated, FOLLOW_UP_MONTHS="3")
    try:
        prepare(app)
        api = Api(app)
        run_in(app, lambda session: [deploy(session, services(), (bundled_models() / name).read_bytes())
                                     for name in ("annual_review.bpmn", "household_exit.bpmn")])
        case_id = api.start()["id"]
        api.complete(case_id, "declaration", declaration(rng))
        household_id = run_in(app, lambda session: session.get(Case, case_id).household_id)
        run_in(app, lambda session: session.execute(  # filed, as 建档 would have it, without driving the whole case
            Household.__table__.update().values(status="filed", file_number="DA-T1")))
        exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
        api.complete(exit_case, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "收入稳定"})
        api.complete(exit_case, "exit_approval", {"decision": "approve"})
        due = household_of(app, household_id).follow_up_due
        assert due == review.add_months(service_clock.today(), 3)
        clock.advance(days=(due - service_clock.today()).days + 1)
        run_in(app, lambda session: fire_timers(session, services(), exit_case))
        assert [t["name"] for t in api.case(exit_case)["open_tasks"]] == ["follow_up_visit"]
    finally:
        db.engine_of(app).dispose()


def test_a_first_step_in_the_union_lane_reaches_only_the_household_s_own_union(app, api, case_at, models):
    """A designer may give the review's first step to the unions: each copy's task belongs to its household's
    union, as a one-by-one start would have it."""
    import io
    (household_id,) = filed(app, api, case_at)  # declared by union1 (U-STEEL)
    xml = (bundled_models() / "annual_review.bpmn").read_text(encoding="utf-8")
    xml = xml.replace('<bpmn:lane id="lane_assistance_center" name="援助中心">',
                      '<bpmn:lane id="lane_assistance_center" name="基层工会">')
    assert api.post("/api/v1/process-models", "designer1", data={"file": (io.BytesIO(xml.encode()), "r.bpmn")},
                    content_type="multipart/form-data").status_code == 201
    assert api.post("/api/v1/annual-reviews", "center1", json={"year": 2027}).get_json()["bulk"] is True
    mine = api.get("/api/v1/tasks?step=assign_review_visit", "union1").get_json()["items"]
    assert [t["case_id"] for t in mine] == [review_case(app, household_id, 2027)]
    assert api.get("/api/v1/tasks?step=assign_review_visit", "union2").get_json()["items"] == []
    assert api.get("/api/v1/tasks?step=assign_review_visit", "center1").get_json()["items"] == []


def test_the_scheduler_starts_the_year_s_review_once_on_its_day(app, api, case_at, models, clock, only_yearly):
    """The registered yearly job, through the tick as the scheduler runs it: nothing before the day, one case
    per filed household at it, nothing more on the next ticks."""
    from datetime import datetime, timezone

    from bangfu.scheduler.tick import tick
    households = filed(app, api, case_at, 2)
    clock.set_to(datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc))
    tick(app)  # creates the job's row, first due 2026-12-01 09:00 in China
    assert not any(review_case(app, household, 2026) for household in households)
    clock.set_to(datetime(2026, 12, 1, 1, 0, 1, tzinfo=timezone.utc))
    assert tick(app).jobs_fired == 1
    assert tick(app).jobs_fired == 0
    assert all(review_case(app, household, 2026) for household in households)
    with app.app_context():
        assert len(db.session().scalars(select(Case.id).where(Case.review_year == 2026)).all()) == 2


@pytest.fixture
def only_yearly(monkeypatch):
    """The nightly delegations job (people/schedule.py) left out: these tests count the yearly job's firings."""
    from bangfu.scheduler import jobs
    jobs.registered()
    monkeypatch.delitem(jobs._registry, "delegations_lapsed")


def test_without_the_review_model_the_scheduler_passes_the_year_over_and_stays_scheduled(app, clock, only_yearly):
    from datetime import datetime, timezone

    from bangfu.scheduler.models import ScheduledJob
    from bangfu.scheduler.tick import tick
    clock.set_to(datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc))
    tick(app)
    clock.set_to(datetime(2026, 12, 1, 1, 0, 1, tzinfo=timezone.utc))
    result = tick(app)
    assert (result.jobs_fired, result.failures) == (1, [])
    with app.app_context():
        row = db.session().get(ScheduledJob, "annual_review")
        assert row.next_due_at == datetime(2027, 12, 1, 1, 0, tzinfo=timezone.utc) and row.last_error is None
