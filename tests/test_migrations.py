"""Upgrading a database that already holds cases: tasks open before due dates existed get one, and a
withdrawn declaration is never turned into something else by a downgrade. Each test has its own database."""
import random
import re

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text
from sqlalchemy import inspect as sa_inspect

from bangfu import calendar, db, testing
from bangfu.demo import declaration as demo_declaration
from bangfu.migrate import alembic_config, upgrade
from bangfu.cases.models import Case
from bangfu.households.models import Household
from bangfu.tasks.models import HumanTask
from conftest import INSTANCE_DIR, _postgres_schema_url, make_app, sqlite_file_bytes


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
        # the model as it was then: due dates in calendar days (dueInWorkingDays came with revision 0006)
        xml = conn.execute(text("SELECT bpmn_xml FROM process_model_versions")).scalar()
        conn.execute(text("UPDATE process_model_versions SET bpmn_xml = :x"),
                     {"x": xml.replace('name="dueInWorkingDays"', 'name="dueInDays"')})
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
        # The forms that existed when marks came (0005's list): a form added later was always deployed marked.
        known = set(_revision_0005().MARKED)
        unmarked = {name: json.loads(re.sub(r'(, "x-sensitive": "\w+"|"x-sensitive": "\w+", )', "", json.dumps(form)))
                    if name in known else form for name, form in json.loads(stored).items()}
        assert "x-sensitive" not in json.dumps({name: unmarked[name] for name in known if name in unmarked})
        conn.execute(text("UPDATE process_model_versions SET forms_json = :f"), {"f": json.dumps(unmarked)})
    db.engine_of(app).dispose()

    _alembic(own_database, command.downgrade, "0004")
    _alembic(own_database, command.upgrade, "head")

    with db.engine_of(app).connect() as conn:
        forms = json.loads(conn.execute(text("SELECT forms_json FROM process_model_versions")).scalar())
    db.engine_of(app).dispose()
    # 0005 marks circumstances, 0023 turns the oversight exchange's marks into "oversight"
    assert forms == json.loads(stored), "the marks the bundled forms carry, and nothing else"


def test_versions_deployed_before_the_oversight_mark_let_the_inspectors_read_the_oversight_exchange(own_database):
    """Deployed versions marked the inspector's 审核意见 and the centre's 整改答复 "circumstances", which the
    inspectors no longer read: 0023 marks them "oversight", and nothing else; its downgrade marks them back."""
    import json
    app, _ = _app_with_a_declaration(own_database)
    with db.engine_of(app).connect() as conn:
        stored = json.loads(conn.execute(text("SELECT forms_json FROM process_model_versions")).scalar())
    db.engine_of(app).dispose()

    def marks(forms):
        return {(name, field): forms[name]["properties"][field].get("x-sensitive")
                for name, field in [("visit_oversight.schema.json", "opinion"),
                                    ("answer_irregularity.schema.json", "response"),
                                    ("answer_irregularity.schema.json", "corrective_action"),
                                    ("re_review.schema.json", "opinion")]}

    def deployed():
        with create_engine(own_database).connect() as conn:
            return json.loads(conn.execute(text("SELECT forms_json FROM process_model_versions")).scalar())

    assert set(marks(stored).values()) == {"oversight", "circumstances"}
    _alembic(own_database, command.downgrade, "0020_sign_in_sessions")
    assert set(marks(deployed()).values()) == {"circumstances"}
    _alembic(own_database, command.upgrade, "head")
    assert deployed() == stored


def _revision_0005():
    import importlib.util
    from pathlib import Path

    import bangfu
    path = Path(bangfu.__file__).parent / "migrations" / "versions" / "0005_sensitivity_marks.py"
    spec = importlib.util.spec_from_file_location("revision_0005", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _drive(client, data, stop=None, reject_at=None):
    """A hardship case as union1 with approving answers until `stop` is open (None: paid)."""
    from bangfu.demo import answers
    replies = answers(random.Random(3))
    case_id = client.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"}).get_json()["id"]
    for name in ["declaration", "preliminary_review", "assign_third_party", "household_visit", "visit_oversight",
                 "re_review", "public_notice", "open_file", "approval", "payment"]:
        if name == stop:
            break
        if name == "payment":  # the bank pays it
            testing.pay_case_through_batch(client.app, case_id)
            break
        case = client.get(f"/api/v1/cases/{case_id}", "supervisor1").get_json()
        task = next(t for t in case["open_tasks"] if t["name"] == name)
        answer = data if name == "declaration" else (
            {"decision": "reject", "opinion": "不符合条件"} if name == reject_at else replies[name])
        user = {"grassroots_union": "union1", "assistance_center": "center1", "third_party": "thirdparty1",
                "inspector": "inspector1", "approver": "approver1", "finance": "finance1"}[task["role"]]
        response = client.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": answer})
        assert response.status_code == 200, response.get_json()
        if name == reject_at:
            break
    return case_id


def test_cases_from_before_the_register_get_their_households(own_database, clock):
    from bangfu.demo import declaration
    from bangfu.households import register
    rng = random.Random(11)
    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    client = testing.UserClient(app)
    paid_data, declared_data, refused_data = declaration(rng), declaration(rng), declaration(rng)
    paid = _drive(client, paid_data)
    declared = _drive(client, declared_data, stop="preliminary_review")
    refused = _drive(client, refused_data, reject_at="preliminary_review")
    reentry = _drive(client, refused_data, stop="preliminary_review")  # the refused worker declares again
    draft = client.post("/api/v1/cases", "union1", json={"process": "hardship_assistance"}).get_json()["id"]
    file_number = client.get(f"/api/v1/cases/{paid}", "center1").get_json()["file_number"]
    db.engine_of(app).dispose()

    _alembic(own_database, command.downgrade, "0005")
    with create_engine(own_database).connect() as conn:
        assert "households" not in sa_inspect(conn).get_table_names()
    upgrade(app)  # as `bangfu init` does: the app hands its secret key to the backfill

    with app.app_context():
        session = db.session()
        rows = {case_id: session.scalar(select(Case).where(Case.id == case_id)) for case_id in
                (paid, declared, refused, reentry, draft)}
        households = {case_id: session.get(Household, case.household_id) if case.household_id else None
                      for case_id, case in rows.items()}
        assert households[draft] is None, "a draft never submitted has no household"
        filed = households[paid]
        assert (filed.status, filed.file_number, filed.worker_name) == ("filed", file_number, paid_data["name"])
        assert filed.filed_on == clock.today() and filed.next_review_due == clock.today().replace(
            year=clock.today().year + 1)
        assert [m.name for m in filed.members] == [m["name"] for m in paid_data["family_members"]]
        assert [c.to_status for c in filed.status_changes] == ["declared", "filed"]
        assert households[declared].status == "declared" and households[declared].application_case_id == declared
        assert (households[refused].status, households[refused].exit_reason) == ("not_filed", "not_eligible")
        assert households[reentry].status == "declared"
        assert households[reentry].previous_household_id == households[refused].id
        assert filed.worker_id_digest == register.id_digest(paid_data["id_number"])
    # The backfilled digests are the ones the service computes: the same worker cannot declare again.
    again = client.post("/api/v1/cases", "union2", json={"process": "hardship_assistance"}).get_json()["id"]
    task = client.get(f"/api/v1/cases/{again}", "union2").get_json()["open_tasks"][0]
    response = client.post(f"/api/v1/tasks/{task['id']}/complete", "union2", json={"data": paid_data})
    assert response.status_code == 409 and file_number in response.get_json()["error"]["message"]
    db.engine_of(app).dispose()


def test_a_bare_alembic_upgrade_without_the_secret_key_says_what_it_needs(own_database, monkeypatch):
    from bangfu.demo import declaration
    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    _drive(testing.UserClient(app), declaration(random.Random(5)), stop="preliminary_review")
    db.engine_of(app).dispose()
    _alembic(own_database, command.downgrade, "0005")
    monkeypatch.delenv("BANGFU_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        _alembic(own_database, command.upgrade, "head")


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
    _alembic(own_database, command.downgrade, "0009_households")  # nothing of the review's yet: goes down
    _alembic(own_database, command.upgrade, "head")
    run_in(app, lambda session: deploy(session, services(), (bundled_models() / "annual_review.bpmn").read_bytes()))
    with db.engine_of(app).begin() as conn:
        conn.execute(text("UPDATE households SET status = 'filed', file_number = 'DA-1', filed_on = declared_on"))
    assert run_in(app, lambda session: start_annual_reviews(session, services(), 2027, None)).started == 1
    db.engine_of(app).dispose()

    with pytest.raises(RuntimeError, match="1 annual review case"):
        _alembic(own_database, command.downgrade, "0009_households")
    with app.app_context():
        assert db.session().scalar(select(Household.status)) == "filed"
        assert db.session().execute(text("SELECT review_year FROM cases WHERE review_year IS NOT NULL")).scalar() == 2027
    db.engine_of(app).dispose()


def test_0021_seals_the_personal_data_a_database_holds_and_a_downgrade_opens_it(own_database, clock, monkeypatch):
    from bangfu.demo import declaration
    data = declaration(random.Random(21))
    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    testing.populate(app)
    client = testing.UserClient(app)
    case_id = _drive(client, data)  # paid: a household, members, a payment line, opinions
    household_id = client.get(f"/api/v1/cases/{case_id}", "center1").get_json()["household_id"]
    db.engine_of(app).dispose()
    raw = ("SELECT h.worker_id_number, h.phone, h.bank_card_number, p.account_number FROM households h "
           "JOIN payment_lines p ON p.household_id = h.id")
    whole = (data["id_number"], data["phone"], data["bank_card_number"], data["bank_card_number"])

    _alembic(own_database, command.downgrade, "0025_case_request_keys")
    engine = create_engine(own_database)
    with engine.connect() as connection:
        assert tuple(connection.execute(text(raw)).one()) == whole
        assert connection.execute(text("SELECT count(*) FROM case_events WHERE opinion LIKE 'v1:%'")).scalar() == 0

    monkeypatch.delenv("BANGFU_DATA_KEYS")
    with pytest.raises(RuntimeError, match="BANGFU_DATA_KEYS"):
        _alembic(own_database, command.upgrade, "head")
    with engine.connect() as connection:  # the refused upgrade changed nothing
        assert tuple(connection.execute(text(raw)).one()) == whole
    monkeypatch.undo()

    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    upgrade(app)
    with engine.connect() as connection:
        row = connection.execute(text(raw)).one()
        state = connection.execute(text("SELECT workflow_state FROM cases WHERE id = :id"), {"id": case_id}).scalar()
    assert all(value.startswith("v1:") and value not in whole for value in row) and bytes(state).startswith(b"v1:")
    body = testing.UserClient(app).get(f"/api/v1/households/{household_id}", "center1").get_json()
    assert (body["id_number"], body["bank_account"]["card_number"]) == (data["id_number"], data["bank_card_number"])
    assert testing.UserClient(app).get(f"/api/v1/cases/{case_id}", "center1").get_json()["status_label"] == "已发放"
    db.engine_of(app).dispose()
    engine.dispose()
    if own_database.startswith("sqlite"):  # the plain values are gone from the file, freed pages and WAL included
        on_disk = sqlite_file_bytes(own_database)
        for number in {data["id_number"], data["phone"], data["bank_card_number"]}:
            assert number.encode() not in on_disk, number


def test_versions_deployed_before_named_operations_keep_the_rules_of_their_task_ids(own_database, clock):
    """A version stored before 0031 names no operations: the migration marks it `rules_by_task_id`, and its open
    case's declaration is still checked as its task id was."""
    app, case_id = _app_with_a_declaration(own_database)
    with db.engine_of(app).begin() as conn:
        spec = conn.execute(text("SELECT v.spec_json FROM process_model_versions v JOIN process_models m "
                                 "ON m.id = v.process_model_id WHERE m.key = 'hardship_assistance'")).scalar()
        old = re.sub(r', "operations": "[^"]*"|"operations": "[^"]*", ', "", spec)
        assert '"operations"' in spec and '"operations"' not in old
        conn.execute(text("UPDATE process_model_versions SET spec_json = :old WHERE spec_json = :spec"),
                     {"old": old, "spec": spec})
    db.engine_of(app).dispose()

    _alembic(own_database, command.downgrade, "0028_form_drafts")
    _alembic(own_database, command.upgrade, "head")
    engine = create_engine(own_database)
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT rules_by_task_id FROM process_model_versions")).scalars()) == {True}
    engine.dispose()

    app = make_app(own_database, INSTANCE_PATH=str(INSTANCE_DIR))
    client = testing.UserClient(app)
    task = client.get(f"/api/v1/cases/{case_id}", "union1").get_json()["open_tasks"][0]
    household = demo_declaration(random.Random(5))
    too_many = dict(household, household_size=len(household["family_members"]) + 1)
    refused = client.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": too_many})
    assert refused.status_code == 422
    assert "data.household_size" in refused.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                       json={"data": household}).status_code == 200
    db.engine_of(app).dispose()
