"""Due dates (办理期限): each task's from its model or the centre's visit deadline, the inbox in due order, and
one rule for 逾期 in the inbox, the case list and the dashboard. Time moves by the settable clock."""
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from bangfu.config import LOCAL_TIMEZONE
from bangfu.tasks.models import HumanTask
from bangfu.unit_of_work import run_in
from test_pages import Browser


def due_day(task):
    """The local date a task (as the API gives it) is due, checking it is due at the end of that day."""
    due = datetime.fromisoformat(task["due_at"]).astimezone(LOCAL_TIMEZONE)
    assert (due.hour, due.minute) == (23, 59), "due until the day ends in China"
    return due.date()


def inbox(api, user, **query):
    return api.get("/api/v1/tasks", user, query_string=query).get_json()["items"]


def monday_morning(clock):
    """A fixed, ordinary week: Monday 30 November 2026, 09:00 in China."""
    clock.set_to(datetime(2026, 11, 30, 9, tzinfo=LOCAL_TIMEZONE))


def test_each_task_is_due_the_working_days_its_model_gives_after_it_arrives_across_a_holiday(api, clock, household):
    """Opened on Wednesday 30 September 2026, before National Day (1–7 October off, Saturday 10 October worked):
    the declaration's 10 working days are 8, 9, 10, 12, 13, 14, 15, 16, 19 and 20 October."""
    clock.set_to(datetime(2026, 9, 30, 9, tzinfo=LOCAL_TIMEZONE))
    case_id = api.start()["id"]
    [declaration] = inbox(api, "union1")
    assert due_day(declaration) == date(2026, 10, 20)

    clock.advance(days=2)  # 2 October, a holiday: 初审 has 5 working days from the next working day on
    api.complete(case_id, "declaration", household)
    [review] = inbox(api, "union1")
    assert review["name"] == "preliminary_review"
    assert due_day(review) == date(2026, 10, 13)
    assert api.open_task(case_id, "preliminary_review")["due_at"] == review["due_at"]


def test_the_centres_visit_deadline_is_the_due_date_of_the_visit_and_its_oversight(api, clock, case_at, replies):
    monday_morning(clock)
    deadline = clock.today() + timedelta(days=9)
    case_id = case_at("assign_third_party")
    yesterday = (clock.today() - timedelta(days=1)).isoformat()
    body = api.complete(case_id, "assign_third_party", dict(replies["assign_third_party"], visit_due_date=yesterday),
                        expect=422)
    assert list(body["error"]["fields"]) == ["data.visit_due_date"]
    assert body["error"]["fields"]["data.visit_due_date"][0].startswith("走访完成期限不能早于今天")
    api.complete(case_id, "assign_third_party", dict(replies["assign_third_party"],
                                                     visit_due_date=deadline.isoformat()))
    assert due_day(api.open_task(case_id, "household_visit")) == deadline
    assert due_day(api.open_task(case_id, "visit_oversight")) == deadline

    without = case_at("assign_third_party")
    api.complete(without, "assign_third_party", {"third_party_org": "TP-SUNSHINE"})
    # the model's default: 10 working days after Monday 30 November 2026
    assert due_day(api.open_task(without, "household_visit")) == date(2026, 12, 14), "model default"
    assert due_day(api.open_task(without, "visit_oversight")) == date(2026, 12, 14)


def test_the_inbox_lists_the_earliest_due_first_and_tasks_without_a_due_date_last(app, api, clock, case_at):
    monday_morning(clock)
    notice = case_at("public_notice")  # the centre has 5 working days to publish the notice: Monday 7 December
    clock.advance(days=1)
    assign = case_at("assign_third_party")  # and 3 for the assignment: Friday 4 December, first although newer
    undated = run_in(app, lambda session: session.execute(insert(HumanTask).returning(HumanTask.id), [
        {"case_id": notice, "spiff_task_id": "seeded", "spec_name": "re_review", "title": "复审结论",
         "role": "assistance_center", "state": "open", "created_at": clock.now() - timedelta(days=30)}]).scalar())

    by_due = inbox(api, "center1")
    assert [(t["case_id"], t["name"]) for t in by_due] == [(assign, "assign_third_party"), (notice, "public_notice"),
                                                           (notice, "re_review")]
    assert by_due[-1]["id"] == undated and by_due[-1]["due_at"] is None and by_due[-1]["overdue"] is False
    assert [t["id"] for t in inbox(api, "center1", sort="oldest")] == [t["id"] for t in reversed(by_due)]


def test_a_task_past_its_due_date_is_overdue_alike_in_the_inbox_the_case_list_and_the_dashboard(
        app, api, clock, case_at):
    monday_morning(clock)
    late = case_at("preliminary_review")  # due in 5 working days: Monday 7 December
    waiting = case_at("assign_third_party")
    api.complete(waiting, "assign_third_party", {"third_party_org": "TP-SUNSHINE", "visit_due_date": "2026-12-14"})

    def overdue_everywhere():
        supervisor = Browser(app, "supervisor1")  # signed in that day: a page session ends after 12 hours
        in_inbox = {t["case_id"] for user in ("union1", "thirdparty1") for t in inbox(api, user) if t["overdue"]}
        listed = {c["id"] for c in api.get("/api/v1/cases?overdue=true", "supervisor1").get_json()["items"]}
        dashboard = supervisor.get("/dashboard").get_data(as_text=True).split("逾期任务", 1)[1].split("</table>")[0]
        on_dashboard = {case_id for case_id in (late, waiting) if reference(case_id) in dashboard}
        return in_inbox, listed, on_dashboard

    def reference(case_id):
        return api.case(case_id)["reference"]

    clock.advance(days=5)
    assert overdue_everywhere() == (set(), set(), set()), "the weekend is not counted"
    clock.advance(days=2)
    assert overdue_everywhere() == (set(), set(), set()), "due until the end of its last day"
    clock.advance(days=1)
    assert overdue_everywhere() == ({late}, {late}, {late}), "Tuesday 8 December"
    clock.advance(days=6)
    assert overdue_everywhere() == ({late}, {late}, {late}), "14 December is the centre's deadline: not late"
    clock.advance(days=1)
    assert overdue_everywhere() == ({late, waiting}, {late, waiting}, {late, waiting})


def test_a_model_with_a_due_date_that_makes_no_sense_is_refused_naming_the_task(api):
    from test_process_models import MAIN, upload
    xml = MAIN.read_bytes()
    bad_days = xml.replace(b'name="dueInWorkingDays" value="5"', b'name="dueInWorkingDays" value="five"', 1)
    response = upload(api, bad_days)
    assert response.status_code == 422
    assert "dueInWorkingDays" in response.get_json()["error"]["fields"]["preliminary_review"][0]
    both = xml.replace(b'name="dueInWorkingDays" value="5" />',
                       b'name="dueInWorkingDays" value="5" /><spiffworkflow:property name="dueInDays" value="7" />', 1)
    response = upload(api, both)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["preliminary_review"] == [
        "dueInDays（自然日）和 dueInWorkingDays（工作日）只能选用一个"]
    bad_path = xml.replace(b'value="assign_third_party.visit_due_date"', b'value="visit_due_date"')
    assert "dueDateFrom" in upload(api, bad_path).get_json()["error"]["fields"]["household_visit"][0]
