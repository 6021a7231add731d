"""Where the parts of issue 8 meet: the bundled models' timers fire through the scheduler's tick (the timer
rows) as they do through fire_timers; a household's exit and the year's end leave no stray rows or 500s."""
import io
from datetime import date, datetime

from sqlalchemy import select

from bangfu import db
from bangfu.config import LOCAL_TIMEZONE
from bangfu.demo import answers, declaration
from bangfu.resources import bundled_models
from bangfu.scheduler.models import Timer
from bangfu.scheduler.tick import tick
from test_annual_review import filed, household_of, models, review_case  # noqa: F401 (models: a fixture)


# A non-interrupting reminder on the review's first step, three days after it opens: a start that reaches it
# cannot be copied, so review._start_one starts each household's case.
REMINDER = ('<bpmn:boundaryEvent id="remind" name="委派提醒" cancelActivity="false" '
            'attachedToRef="assign_review_visit"><bpmn:outgoing>flow_remind</bpmn:outgoing>'
            '<bpmn:timerEventDefinition id="remind_timer"><bpmn:timeDuration>"P3D"</bpmn:timeDuration>'
            '</bpmn:timerEventDefinition></bpmn:boundaryEvent>'
            '<bpmn:endEvent id="end_remind" name="已提醒"><bpmn:incoming>flow_remind</bpmn:incoming></bpmn:endEvent>'
            '<bpmn:sequenceFlow id="flow_remind" sourceRef="remind" targetRef="end_remind" />')


def at_local(clock, day, hour=9):
    clock.set_to(datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TIMEZONE))


def open_names(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


def timer_row(app, case_id):
    with app.app_context():
        row = db.session().get(Timer, case_id)
        return (row.name, row.due_at) if row else None


def test_the_visit_s_escalation_and_the_notice_s_end_fire_through_the_tick(app, api, clock, household, replies):
    at_local(clock, date(2026, 11, 2))  # a Monday
    replies["assign_third_party"]["visit_due_date"] = "2026-11-05"
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", replies["preliminary_review"])
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])
    assert timer_row(app, case_id)[0] == "走访逾期"

    at_local(clock, date(2026, 11, 5), hour=23)
    assert tick(app).timers_fired == 0
    at_local(clock, date(2026, 11, 6))
    assert tick(app).timers_fired == 1
    assert open_names(api, case_id) == ["household_visit", "supervise_visit", "visit_oversight"]
    assert tick(app).timers_fired == 0  # once

    api.complete(case_id, "supervise_visit", {"opinion": "请尽快完成走访"}, user="head1")
    for name in ("household_visit", "visit_oversight", "re_review"):
        api.complete(case_id, name, replies[name])
    api.complete(case_id, "public_notice", {"notice_start": "2026-11-09"})  # Mon: 5 working days end Fri 13th
    assert open_names(api, case_id) == ["notice_objection"]
    assert timer_row(app, case_id)[0] == "公示期满"
    at_local(clock, date(2026, 11, 13), hour=23)
    assert tick(app).timers_fired == 0
    at_local(clock, date(2026, 11, 14), hour=0)
    clock.advance(minutes=1)
    assert tick(app).timers_fired == 1
    assert open_names(api, case_id) == ["open_file"]
    assert timer_row(app, case_id) is None


def test_a_visit_due_in_a_year_without_holidays_asks_for_a_date_instead_of_failing_the_case(
        app, api, clock, household, replies):
    """24 December 2026 + 10 working days falls in 2027, whose holidays are not known: the 督办 timer would have
    no instant. The centre is told to give the 走访完成期限 (or import 2027); with a date the case goes on."""
    at_local(clock, date(2026, 12, 24))
    del replies["assign_third_party"]["visit_due_date"]
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", replies["preliminary_review"])
    refused = api.complete(case_id, "assign_third_party", replies["assign_third_party"], expect=422)
    assert "2027年的节假日安排尚未导入" in str(refused["error"]["fields"]["data.visit_due_date"])
    case = api.case(case_id)
    assert case["status"] == "active" and open_names(api, case_id) == ["assign_third_party"]

    api.complete(case_id, "assign_third_party", dict(replies["assign_third_party"], visit_due_date="2026-12-31"))
    assert api.case(case_id)["status"] == "active"
    assert open_names(api, case_id) == ["household_visit", "visit_oversight"]
    assert timer_row(app, case_id)[0] == "走访逾期"


def test_the_follow_up_after_an_exit_fires_through_the_tick_once(app, api, clock, case_at, models, replies, rng):
    at_local(clock, date(2026, 11, 2))
    replies.update(answers(rng))  # dated from the clock just set
    (household_id,) = filed(app, api, case_at, stop="payment")
    exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
    api.complete(exit_case, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "连续6个月收入高于低保"})
    api.complete(exit_case, "exit_approval", {"decision": "approve"})
    assert timer_row(app, exit_case)[0] == "回访到期"
    follow_up_due = household_of(app, household_id).follow_up_due
    assert follow_up_due == date(2027, 5, 2)

    at_local(clock, follow_up_due, hour=8)
    assert tick(app).timers_fired == 0
    at_local(clock, follow_up_due, hour=10)
    assert tick(app).timers_fired == 1
    assert open_names(api, exit_case) == ["follow_up_visit"]
    assert tick(app).timers_fired == 0 and timer_row(app, exit_case) is None


def test_a_review_model_whose_start_reaches_a_timer_gets_timer_rows_and_the_tick_fires_them(
        app, api, clock, case_at, models):
    """A start that reaches a timer cannot be copied: each household's case is started on its own
    (review._start_one), and each must get its timer row, or the scheduler never fires the timer."""
    at_local(clock, date(2026, 11, 30))
    households = filed(app, api, case_at, 2)
    xml = (bundled_models() / "annual_review.bpmn").read_text(encoding="utf-8")
    boundary = REMINDER
    xml = xml.replace('<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="assign_review_visit" />',
                      '<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="assign_review_visit" />'
                      + boundary)
    deployed = api.post("/api/v1/process-models", "designer1", data={"file": (io.BytesIO(xml.encode()),
                        "annual_review.bpmn")}, content_type="multipart/form-data")
    assert deployed.status_code == 201, deployed.get_json()
    done = api.post("/api/v1/annual-reviews", "center1", json={"year": 2027}).get_json()
    assert (done["started"], done["bulk"]) == (2, False)
    cases = [review_case(app, household_id, 2027) for household_id in households]
    assert [timer_row(app, case_id)[0] for case_id in cases] == ["委派提醒", "委派提醒"]

    clock.advance(days=3, minutes=1)
    assert tick(app).timers_fired == 2
    for case_id in cases:
        assert [e["task_title"] for e in api.case(case_id)["history"] if e["action"] == "timer_fired"] == ["委派提醒"]
        assert open_names(api, case_id) == ["assign_review_visit"]


def test_a_household_s_exit_ends_its_open_review_and_the_review_s_timer_row_with_it(app, api, clock, case_at, models):
    at_local(clock, date(2026, 11, 30))
    (household_id,) = filed(app, api, case_at, 1)
    xml = (bundled_models() / "annual_review.bpmn").read_text(encoding="utf-8")
    flow = '<bpmn:sequenceFlow id="flow_start" sourceRef="start" targetRef="assign_review_visit" />'
    xml = xml.replace(flow, flow + REMINDER)
    assert api.post("/api/v1/process-models", "designer1", data={"file": (io.BytesIO(xml.encode()),
                    "annual_review.bpmn")}, content_type="multipart/form-data").status_code == 201
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    review_id = review_case(app, household_id, 2027)
    assert timer_row(app, review_id) is not None

    exit_case = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
    api.complete(exit_case, "exit_request", {"exit_reason": "moved_away", "opinion": "已迁出本市"})
    api.complete(exit_case, "exit_approval", {"decision": "approve"})
    assert api.case(review_id)["status"] == "closed_on_exit"
    assert timer_row(app, review_id) is None


def test_purge_takes_the_rows_other_parts_keep_of_the_cases_it_removes(app, api, rng, clock, monkeypatch, tmp_path):
    """A purged household's cases also had a timer row, a scheduled start's firing record, message reads of their
    tasks and verified monthly incomes: all go (or lose their link) with it, on SQLite and PostgreSQL alike."""
    from decimal import Decimal

    from sqlalchemy import func

    from bangfu.households.incomes import HouseholdIncome
    from bangfu.households.purge import purge
    from bangfu.messages.models import MessageRead
    from bangfu.people.models import User
    from bangfu.scheduler.models import ScheduledFiring
    from bangfu.tasks.models import HumanTask
    from bangfu.testing import approved_standard
    from bangfu.unit_of_work import run_in
    from test_households import drive, exit_as_center

    clock.set_to(datetime(2015, 3, 2, 2, 0, tzinfo=LOCAL_TIMEZONE))
    approved_standard(app, start=date(2015, 1, 1), kind="year", number="苏工党〔2014〕9号")  # 建档's amount is held to it
    case_id = drive(api, answers(rng), declaration(rng))
    household_id = api.case(case_id, "center1")["household_id"]

    def extra_rows(session):
        union = session.scalar(select(User).where(User.username == "union1"))
        task = session.scalar(select(HumanTask).where(HumanTask.case_id == case_id))
        session.add_all([
            Timer(case_id=case_id, due_at=datetime(2030, 1, 1, tzinfo=LOCAL_TIMEZONE), name="x", attempts=0),
            ScheduledFiring(job_name="start:x", due_at=datetime(2015, 3, 2, tzinfo=LOCAL_TIMEZONE), case_id=case_id),
            MessageRead(user_id=union.id, task_id=task.id, kind="arrived"),
            HouseholdIncome(household_id=household_id, month=date(2015, 1, 1), household_income=Decimal("2000.00"),
                            household_size=3, per_capita_income=Decimal("666.67"), case_id=case_id)])
        session.flush()
    run_in(app, extra_rows)
    exit_as_center(app, household_id, "died")
    clock.set_to(datetime(2026, 3, 2, 10, 0, tzinfo=LOCAL_TIMEZONE))
    assert run_in(app, purge, date(2026, 3, 2)).cases == 1

    with app.app_context():
        session = db.session()
        left = {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Timer, MessageRead, HouseholdIncome)}
        assert left == {"Timer": 0, "MessageRead": 0, "HouseholdIncome": 0}
        assert session.scalar(select(ScheduledFiring.case_id)) is None


def test_a_review_started_in_bulk_in_december_waits_for_next_year_s_holidays_and_is_dated_by_their_import(
        app, api, clock, case_at, models, replies, rng):
    """A review model whose first step is due in working days, started for every household at once (review._insert)
    on 24 December 2026: its tasks say 期限待定 as a task opened one by one does, and importing 2027 dates them."""
    from bangfu import calendar
    from bangfu.unit_of_work import run_in
    at_local(clock, date(2026, 12, 4))
    replies.update(answers(rng))
    households = filed(app, api, case_at, 2)
    xml = (bundled_models() / "annual_review.bpmn").read_text(encoding="utf-8")
    first = ('<spiffworkflow:property name="formUiSchemaFilename" value="assign_review_visit.uischema.json" />\n'
             '          <spiffworkflow:property name="dueInDays" value="10" />')
    assert first in xml
    xml = xml.replace(first, first.replace('"dueInDays" value="10"', '"dueInWorkingDays" value="10"'))
    assert api.post("/api/v1/process-models", "designer1", data={"file": (io.BytesIO(xml.encode()),
                    "annual_review.bpmn")}, content_type="multipart/form-data").status_code == 201
    at_local(clock, date(2026, 12, 24))
    api._tokens.clear()
    done = api.post("/api/v1/annual-reviews", "center1", json={"year": 2027}).get_json()
    assert (done["started"], done["bulk"]) == (2, True)
    cases = [review_case(app, household_id, 2027) for household_id in households]
    for case_id in cases:
        task = api.open_task(case_id, "assign_review_visit")
        assert (task["due_at"], task["due_pending"]) == (None, "期限待定：2027年节假日安排尚未导入")

    run_in(app, calendar.import_days, "2027-01-01,休,元旦\n", "2027.csv")
    for case_id in cases:
        task = api.open_task(case_id, "assign_review_visit")
        assert task["due_pending"] is None and task["due_at"].startswith("2027-01-08")  # 10 working days on
