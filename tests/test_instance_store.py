"""The per-process instance cache never lets a command run on a state another process has moved past."""
from conftest import Api, make_app, prepare

from bangfu import db

COMPLETED_IN_ORDER = ["declaration", "preliminary_review", "assign_third_party", "household_visit"]


def completed(api, case_id):
    return [e["task"] for e in api.case(case_id)["history"] if e["action"] == "completed"]


def test_a_second_service_process_moving_the_case_on_is_seen_by_the_first(app, api, case_at, replies):
    case_id = case_at("assign_third_party")  # this process now holds the case's instance in its cache
    other = make_app(app.config["DATABASE_URL"])
    try:
        task = api.open_task(case_id, "assign_third_party")
        response = Api(other).post(f"/api/v1/tasks/{task['id']}/complete", "center1",
                                   json={"data": replies["assign_third_party"]})
        assert response.status_code == 200, response.get_json()
    finally:
        db.engine_of(other).dispose()

    done = api.complete(case_id, "household_visit", replies["household_visit"])
    assert [t["name"] for t in done["next_tasks"]] == ["visit_oversight"]
    assert completed(api, case_id) == COMPLETED_IN_ORDER


def test_without_the_cache_every_command_restores_the_instance(migrated, household, replies):
    app = make_app(migrated, INSTANCE_CACHE="0")
    try:
        prepare(app)
        api = Api(app)
        case_id = api.start()["id"]
        api.complete(case_id, "declaration", household)
        api.complete(case_id, "preliminary_review", replies["preliminary_review"])
        api.complete(case_id, "assign_third_party", replies["assign_third_party"])
        done = api.complete(case_id, "household_visit", replies["household_visit"])
        assert [t["name"] for t in done["next_tasks"]] == ["visit_oversight"]
        assert completed(api, case_id) == COMPLETED_IN_ORDER
    finally:
        db.engine_of(app).dispose()
