"""The inbox: earliest due date first (or by waiting time), paged, and counted exactly up to a thousand."""
from datetime import timedelta

import pytest

from sqlalchemy import insert

from bangfu.unit_of_work import run_in
from bangfu.db import utcnow
from bangfu.tasks.models import HumanTask


def add_centre_tasks(app, case_id, count):
    start = utcnow() - timedelta(days=30)
    run_in(app, lambda session: session.execute(insert(HumanTask), [
            {"case_id": case_id, "spiff_task_id": f"seeded-{i}", "spec_name": "re_review", "title": "复审结论",
             "role": "assistance_center", "state": "open", "created_at": start + timedelta(minutes=i)}
            for i in range(count)]))


def test_inbox_sorted_by_waiting_time_lists_the_oldest_tasks_first_with_an_exact_count(app, api, case_at):
    case_id = case_at("assign_third_party")
    add_centre_tasks(app, case_id, 3)
    inbox = api.get("/api/v1/tasks?sort=oldest&page_size=2", "center1").get_json()
    assert inbox["total"] == 4 and inbox["total_exact"] is True
    assert [t["title"] for t in inbox["items"]] == ["复审结论", "复审结论"]
    second = api.get("/api/v1/tasks?sort=oldest&page_size=2&page=2", "center1").get_json()
    assert [t["name"] for t in second["items"]] == ["re_review", "assign_third_party"], "newest task last"


def test_a_very_long_inbox_is_counted_as_a_thousand_and_more(app, api, case_at):
    case_id = case_at("assign_third_party")
    add_centre_tasks(app, case_id, 1200)
    inbox = api.get("/api/v1/tasks", "center1").get_json()
    assert inbox["total"] == 1000
    assert inbox["total_exact"] is False
    assert len(inbox["items"]) == 50


@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "%%"])
def test_a_search_for_a_wildcard_character_matches_it_literally_not_everything(api, case_at, wildcard):
    case_at("preliminary_review")
    assert api.get("/api/v1/cases", "supervisor1", query_string={"text": wildcard}).get_json()["total"] == 0
    assert api.get("/api/v1/tasks", "union1", query_string={"text": wildcard}).get_json()["total"] == 0


def test_a_search_finds_a_household_by_part_of_its_name(api, case_at, household):
    case_id = case_at("preliminary_review")
    part = household["name"][1:]
    cases = api.get("/api/v1/cases", "supervisor1", query_string={"text": part}).get_json()
    tasks = api.get("/api/v1/tasks", "union1", query_string={"text": part}).get_json()
    assert [c["id"] for c in cases["items"]] == [case_id]
    assert [t["case_id"] for t in tasks["items"]] == [case_id]
