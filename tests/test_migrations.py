"""Upgrading a database that already holds cases: tasks open before due dates existed get one, and a
withdrawn declaration is never turned into something else by a downgrade. Each test has its own database."""
import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from bangfu import calendar, db, testing
from bangfu.migrate import alembic_config, upgrade
from bangfu.tasks.models import HumanTask
from conftest import INSTANCE_DIR, _postgres_schema_url, make_app


@pytest.fixture
def own_database(database_url, tmp_path):
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    base = database_url.split("?")[0]
    url, admin, schema = _postgres_schema_url(base)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _alembic(url, action, revision):
    engine = create_engine(url)
    cfg = alembic_config(url)
    with engine.connect() as connection:
        cfg.attributes["connection"] = connection
        action(cfg, revision)
        connection.commit()
    engine.dispose()


def _app_with_a_declaration(url):
    app = make_app(url, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    client = testing.UserClient(app)
    response = client.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"})
    assert response.status_code == 201
    return app, response.get_json()["id"]


def test_a_task_open_before_due_dates_existed_gets_the_due_date_its_model_gives(own_database, clock):
    app, case_id = _app_with_a_declaration(own_database)
    with db.engine_of(app).begin() as conn:
        conn.execute(text("UPDATE human_tasks SET due_at = NULL"))
    db.engine_of(app).dispose()

    _alembic(own_database, command.downgrade, "0001")
    _alembic(own_database, command.upgrade, "head")

    with app.app_context():
        task = db.session().scalar(select(HumanTask).where(HumanTask.case_id == case_id))
        assert task.spec_name == "declaration"
        assert task.due_at == calendar.due_after(task.created_at, 10), "申报 is due in 10 days by the model"
    clock.advance(days=11)
    inbox = testing.UserClient(app).get("/api/v1/tasks", "union1").get_json()["items"]
    assert [(t["name"], t["overdue"]) for t in inbox] == [("declaration", True)]
    db.engine_of(app).dispose()


def test_a_downgrade_refuses_to_turn_withdrawn_declarations_into_another_status(own_database):
    app, case_id = _app_with_a_declaration(own_database)
    client = testing.UserClient(app)
    assert client.post(f"/api/v1/cases/{case_id}/withdraw", "union1").status_code == 200
    db.engine_of(app).dispose()

    with pytest.raises(RuntimeError, match="withdrawn"):
        _alembic(own_database, command.downgrade, "0002")
    with db.engine_of(app).connect() as conn:
        assert conn.execute(text("SELECT status FROM cases")).scalar() == "withdrawn"
    db.engine_of(app).dispose()


def test_versions_deployed_before_sensitivity_marks_get_them(own_database):
    import json
    app, _ = _app_with_a_declaration(own_database)
    with db.engine_of(app).begin() as conn:
        stored = conn.execute(text("SELECT forms_json FROM process_model_versions")).scalar()
        unmarked = stored.replace(', "x-sensitive": "circumstances"', "").replace('"x-sensitive": "circumstances", ', "")
        assert "x-sensitive" not in unmarked
        conn.execute(text("UPDATE process_model_versions SET forms_json = :f"), {"f": unmarked})
    db.engine_of(app).dispose()

    _alembic(own_database, command.downgrade, "0004")
    _alembic(own_database, command.upgrade, "head")

    with db.engine_of(app).connect() as conn:
        forms = json.loads(conn.execute(text("SELECT forms_json FROM process_model_versions")).scalar())
    db.engine_of(app).dispose()
    assert forms == json.loads(stored), "the marks the bundled forms carry, and nothing else"


def test_a_downgrade_refuses_to_drop_the_annual_reviews_a_database_holds(own_database, clock):
    from bangfu.households.review import start_annual_reviews
    from bangfu.households.models import Household
    from bangfu.process_models.operations import deploy
    from bangfu.resources import bundled_models
    from bangfu.services import services
    from bangfu.unit_of_work import run_in
    import random

    from bangfu.demo import declaration
    app, case_id = _app_with_a_declaration(own_database)
    client = testing.UserClient(app)
    task = client.get(f"/api/v1/cases/{case_id}", "union1").get_json()["open_tasks"][0]
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                       json={"data": declaration(random.Random(3))}).status_code == 200
    _alembic(own_database, command.downgrade, "0008_households")  # nothing of the review's yet: goes down
    _alembic(own_database, command.upgrade, "head")
    run_in(app, lambda session: deploy(session, services(), (bundled_models() / "annual_review.bpmn").read_bytes()))
    with db.engine_of(app).begin() as conn:
        conn.execute(text("UPDATE households SET status = 'filed', file_number = 'DA-1', filed_on = declared_on"))
    assert run_in(app, lambda session: start_annual_reviews(session, services(), 2027, None)).started == 1
    db.engine_of(app).dispose()

    with pytest.raises(RuntimeError, match="1 annual review case"):
        _alembic(own_database, command.downgrade, "0008_households")
    with app.app_context():
        assert db.session().scalar(select(Household.status)) == "filed"
        assert db.session().execute(text("SELECT review_year FROM cases WHERE review_year IS NOT NULL")).scalar() == 2027
    db.engine_of(app).dispose()
