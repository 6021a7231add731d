"""The audit log: every committed command, sign-in and view of unmasked personal data is appended to a hash
chain in the command's own transaction; `bangfu audit verify` names the first entry changed, removed or moved;
the database refuses to change or delete entries."""
import json
import re
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import DBAPIError

from bangfu import db
from bangfu.audit import chain
from bangfu.audit.labels import detail_text
from bangfu.audit.models import AuditEntry
from bangfu.cli import main
from bangfu.demo import declaration
from bangfu.errors import ValidationFailed
from bangfu.people.operations import create_organisation
from bangfu.unit_of_work import run_in
from conftest import INSTANCE_DIR
from test_cli import bangfu as cli, database  # noqa: F401  (database: a fixture, a fresh database)
from test_pages import Browser


def entries(app):
    with db.engine_of(app).connect() as conn:
        return conn.execute(select(AuditEntry.__table__).order_by(AuditEntry.seq)).all()


def last(app, action=None):
    found = [e for e in entries(app) if action is None or e.action == action]
    return found[-1] if found else None


def verify(database_url, monkeypatch):
    monkeypatch.setenv("BANGFU_DATABASE_URL", database_url)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(INSTANCE_DIR))
    monkeypatch.setenv("BANGFU_SECRET_KEY", "audit-tests-" + "k" * 40)
    return CliRunner().invoke(main, ["audit", "verify"], prog_name="bangfu")


def tamper(app, *statements):
    """Change the log behind the service's back, as someone with the database file or the owner's role would:
    the append-only triggers lifted for the statements, then put back."""
    engine = db.engine_of(app)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            for statement in statements:
                conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER USER"))
            return
        triggers = conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                     "AND tbl_name = 'audit_entries'")).all()
        for name, _ in triggers:
            conn.execute(text(f"DROP TRIGGER {name}"))
        for statement in statements:
            conn.execute(text(statement))
        for _, sql in triggers:
            conn.execute(text(sql))


def add_organisations(app, count):
    for number in range(count):
        run_in(app, create_organisation, f"AUDIT-{number}", f"审计测试工会{number}", "union")


# ---------------------------------------------------------------- what is recorded

def test_a_command_is_recorded_with_who_what_which_case_when_and_from_where(api, app, clock, rng):
    case = api.start("union1")
    entry = last(app, "casework.commands.start_case")
    assert (entry.actor_name, entry.address, entry.subject_kind, entry.subject_id) == \
        ("union1", "127.0.0.1", "case", case["id"])
    assert entry.at == clock.now()
    assert json.loads(entry.detail)["steps"] == ["declaration"]
    assert json.loads(entry.detail)["step_titles"] == ["申报"]

    api.complete(case["id"], "declaration", declaration(rng))
    entry = last(app, "casework.commands.complete_task")
    assert (entry.actor_name, entry.subject_kind, entry.subject_id) == ("union1", "case", case["id"])
    assert entry.household_id is not None, "the declaration files the household: the entry names it"


def test_a_rolled_back_command_leaves_nothing_and_a_read_leaves_nothing(app):
    before = len(entries(app))

    def fails(session):
        create_organisation(session, "AUDIT-X", "不会保存的工会", "union")
        raise ValidationFailed("测试：本操作回滚")

    with pytest.raises(ValidationFailed):
        run_in(app, fails)
    run_in(app, lambda session: session.scalar(select(func.count()).select_from(AuditEntry)))
    assert len(entries(app)) == before


def test_the_cli_and_the_scheduler_are_recorded_as_system(app):
    add_organisations(app, 1)
    entry = last(app)
    assert (entry.action, entry.actor_id, entry.actor_name, entry.address) == \
        ("people.operations.create_organisation", None, "system", None)
    assert entry.subject_kind == "organisation"


def test_sign_ins_and_failed_sign_ins_are_recorded(api, app):
    client = app.test_client()
    assert client.post("/api/v1/auth/token", json={"username": "union1", "password": "wrong-password"}
                       ).status_code == 401
    failed = last(app)
    assert (failed.action, failed.actor_id, failed.actor_name, json.loads(failed.detail)["via"]) == \
        ("people.sign_in_failed", None, "union1", "api")
    assert client.post("/api/v1/auth/token", json={"username": "union1", "password": "union1-secret"}
                       ).status_code == 200
    signed = last(app)
    assert (signed.action, signed.actor_name, signed.subject_kind) == ("people.sign_in", "union1", "user")

    Browser(app, "center1")
    page = last(app)
    assert (page.action, page.actor_name, json.loads(page.detail)["via"]) == ("people.sign_in", "center1", "pages")
    browser = app.test_client()
    token = Browser._token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"username": "center1", "password": "nope", "csrf_token": token}
                        ).status_code == 401
    assert (last(app).action, last(app).actor_name) == ("people.sign_in_failed", "center1")


def test_the_failure_that_locks_is_recorded_and_a_flood_while_locked_writes_nothing(app):
    """Password guessing leaves its trace (each failure, and the one that locked the name), but the attempts the
    lock refuses unchecked add no entry: a flood of them must not grow the log or queue behind its writer."""
    client = app.test_client()
    guess = {"username": "approver1", "password": "guess"}
    codes = [client.post("/api/v1/auth/token", json=guess).status_code for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    before = len(entries(app))
    for password in ("approver1-secret", "guess", "guess"):
        assert client.post("/api/v1/auth/token", json={"username": "approver1", "password": password}
                           ).status_code == 429
    assert len(entries(app)) == before
    tail = entries(app)[-5:]
    assert [e.action for e in tail] == ["people.sign_in_failed"] * 4 + ["people.sign_in_locked"]
    assert {e.actor_name for e in tail} == {"approver1"} and json.loads(tail[-1].detail)["locked_for_seconds"] > 0


def test_a_failed_sign_in_under_a_name_no_one_has_keeps_no_trace_of_what_was_typed(app):
    """Someone types their password into the name field: neither the audit log nor the throttle keeps it."""
    from bangfu.people.models import SignInThrottle
    client = app.test_client()
    assert client.post("/api/v1/auth/token", json={"username": "Mima-2026!", "password": "x"}).status_code == 401
    assert last(app).actor_name == "（未知用户名）"
    with db.engine_of(app).connect() as conn:
        keys = conn.execute(select(SignInThrottle.key)).scalars().all()
        logged = conn.execute(select(AuditEntry.__table__)).all()
    assert keys and not any("Mima" in key for key in keys)
    assert not any("Mima" in str(row) for row in logged)


def test_a_view_of_unmasked_personal_data_is_recorded_and_a_masked_one_is_not(api, app, rng):
    case = api.start("union1")
    api.complete(case["id"], "declaration", declaration(rng))
    before = len(entries(app))
    assert api.get(f"/api/v1/cases/{case['id']}", "supervisor1").status_code == 200  # sees ID numbers masked
    assert len(entries(app)) == before

    assert api.get(f"/api/v1/cases/{case['id']}", "union1").status_code == 200
    view = last(app)
    assert (view.action, view.actor_name, view.subject_kind, view.subject_id) == \
        ("privacy.viewed_unmasked", "union1", "case", case["id"])
    assert {"id_number", "phone", "bank_card_number"} <= set(json.loads(view.detail)["fields"])


def test_the_log_holds_no_personal_numbers(api, app, rng):
    case = api.start("union1")
    data = declaration(rng)
    api.complete(case["id"], "declaration", data)
    api.get(f"/api/v1/cases/{case['id']}", "union1")
    with db.engine_of(app).connect() as conn:
        dump = " ".join(str(value) for row in conn.execute(select(AuditEntry.__table__)) for value in row)
    for number in (data["id_number"], data["phone"], data["bank_card_number"]):
        assert number not in dump


# ---------------------------------------------------------------- the chain

def test_verify_counts_an_intact_chain(app, database_url, monkeypatch):
    add_organisations(app, 3)
    result = verify(database_url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert f"共 {len(entries(app))} 条" in result.output and entries(app)[-1].hash in result.output


def test_verify_names_an_entry_whose_field_was_changed(app, database_url, monkeypatch):
    add_organisations(app, 4)
    tamper(app, "UPDATE audit_entries SET actor_name = 'someone_else' WHERE seq = 3")
    result = verify(database_url, monkeypatch)
    assert result.exit_code == 1
    assert "审计日志第 3 条被改动" in result.output and "Traceback" not in result.output


def test_verify_names_an_entry_changed_with_its_hash_recomputed(app, database_url, monkeypatch):
    add_organisations(app, 4)
    with db.engine_of(app).connect() as conn:
        row = conn.execute(select(AuditEntry.__table__).where(AuditEntry.seq == 3)).one()
    fields = {**row._mapping, "actor_name": "someone_else"}
    forged = chain.entry_hash(fields, row.prev_hash)
    tamper(app, f"UPDATE audit_entries SET actor_name = 'someone_else', hash = '{forged}' WHERE seq = 3")
    result = verify(database_url, monkeypatch)
    assert result.exit_code == 1 and "审计日志第 3 条被改动" in result.output


def test_verify_names_a_removed_entry(app, database_url, monkeypatch):
    add_organisations(app, 4)
    tamper(app, "DELETE FROM audit_entries WHERE seq = 3")
    result = verify(database_url, monkeypatch)
    assert result.exit_code == 1
    assert "审计日志第 3 条已被删除" in result.output


def test_verify_names_entries_whose_order_was_swapped(app, database_url, monkeypatch):
    add_organisations(app, 5)
    tamper(app, "UPDATE audit_entries SET seq = -1 WHERE seq = 2",
           "UPDATE audit_entries SET seq = 2 WHERE seq = 5",
           "UPDATE audit_entries SET seq = 5 WHERE seq = -1")
    result = verify(database_url, monkeypatch)
    assert result.exit_code == 1
    assert "审计日志第 2 条的位置被改动" in result.output


def test_the_database_refuses_to_change_or_delete_entries(app):
    add_organisations(app, 1)
    engine = db.engine_of(app)
    for statement in ("UPDATE audit_entries SET actor_name = 'x'", "DELETE FROM audit_entries"):
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text(statement))
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE audit_entries"))
    assert len(entries(app)) > 1


def test_concurrent_commands_append_one_unbroken_chain(app, database_url, monkeypatch):
    before = len(entries(app))
    errors = []

    def worker(number):
        try:
            for round_ in range(5):
                run_in(app, create_organisation, f"C-{number}-{round_}", "并发工会", "union")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = [e.seq for e in entries(app)]
    assert seqs == list(range(1, before + 21))
    assert verify(database_url, monkeypatch).exit_code == 0


# ---------------------------------------------------------------- the inspectors' search

def test_inspectors_search_the_log_by_case_user_action_and_date(api, app, clock, rng):
    case = api.start("union1")
    api.complete(case["id"], "declaration", declaration(rng))
    clock.advance(days=3)
    other = api.start("union2")
    reference = api.case(case["id"])["reference"]

    found = api.get(f"/api/v1/audit?reference={reference}", "inspector1").get_json()
    assert {(e["action_label"], e["actor_name"]) for e in found["items"]} >= {("发起申报", "union1"),
                                                                              ("办理任务", "union1")}
    assert all(e["subject_reference"] == reference or e["household_file_number"] for e in found["items"])
    assert other["id"] not in {e["subject_id"] for e in found["items"] if e["subject_kind"] == "case"}

    by_union2 = api.get("/api/v1/audit?actor=union2&action=casework.commands.start_case", "supervisor1").get_json()
    assert [(e["subject_id"], e["action_label"]) for e in by_union2["items"]] == [(other["id"], "发起申报")]

    today = clock.today().isoformat()
    todays = api.get(f"/api/v1/audit?date_from={today}&date_to={today}", "head1").get_json()
    assert {e["subject_id"] for e in todays["items"] if e["subject_kind"] == "case"} == {other["id"]}

    paged = api.get("/api/v1/audit?page=2&page_size=2", "inspector1").get_json()
    assert paged["total"] > 4 and len(paged["items"]) == 2
    assert paged["items"][0]["seq"] == paged["total"] - 2, "newest first"


def test_the_search_refuses_a_reversed_date_range_naming_the_field(api):
    response = api.get("/api/v1/audit?date_from=2026-12-01&date_to=2026-11-01", "inspector1")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["date_to"] == ["结束日期不能早于开始日期"]


@pytest.mark.parametrize("user", ["union1", "center1", "approver1", "finance1", "thirdparty1", "designer1"])
def test_other_roles_may_not_read_the_log(api, user):
    assert api.get("/api/v1/audit", user).status_code == 403


def test_the_audit_page_searches_and_exports_for_inspectors_only(api, app):
    from io import BytesIO

    from openpyxl import load_workbook
    case = api.start("union1")
    inspector = Browser(app, "inspector1")
    page = inspector.get("/audit?actor=union1").get_data(as_text=True)
    assert "审计日志" in page and "发起申报" in page and api.case(case["id"])["reference"] in page
    assert "步骤：申报" in page and "经接口" not in page

    export = inspector.get("/audit.xlsx?actor=union1")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.values)
    header = next(row for row in rows if row and row[0] == "序号")
    assert header[:5] == ("序号", "时间", "用户", "来源地址", "操作")
    assert any(row[2] == "union1" and row[4] == "发起申报" for row in rows)

    center = Browser(app, "center1")
    assert center.get("/audit").status_code == 403
    assert center.get("/audit.xlsx").status_code == 403
    assert "审计日志" not in center.get("/cases").get_data(as_text=True)
    assert 'href="/audit"' in inspector.get("/cases").get_data(as_text=True)


def test_every_export_of_a_bank_file_is_recorded_even_a_repeated_one(api, app):
    from bangfu.testing import payable_households
    payable_households(app, [{"worker_name": "王芳"}])
    built = api.post("/api/v1/payment-batches", "finance1", json={})
    assert built.status_code in (200, 201), built.get_json()
    batch_id = built.get_json()["batch"]["id"]
    assert api.post(f"/api/v1/payment-batches/{batch_id}/approve", "finance2").status_code == 200
    for _ in range(2):
        assert api.get(f"/api/v1/payment-batches/{batch_id}/file?format=csv&layout=generic",
                       "finance1").status_code == 200
    exports = [e for e in entries(app) if e.action == "money.bank.export_batch"]
    assert [(e.subject_kind, e.subject_id, e.actor_name) for e in exports] == [("batch", batch_id, "finance1")] * 2


def test_the_audit_answer_matches_the_openapi_document(api, rng):
    from test_openapi import document, response_problems
    case = api.start("union1")
    api.complete(case["id"], "declaration", declaration(rng))
    api.get(f"/api/v1/cases/{case['id']}", "union1")
    answer = api.get("/api/v1/audit", "inspector1").get_json()
    assert {e["action"] for e in answer["items"]} >= {"privacy.viewed_unmasked", "casework.commands.complete_task"}
    assert response_problems(document(api), "/api/v1/audit", "get", 200, answer) == []


@pytest.mark.parametrize("query", ["date_from=0001-01-01", "date_to=9999-12-31", "page=0", "page_size=1000"])
def test_a_search_out_of_range_is_a_422_naming_the_field(api, query):
    response = api.get(f"/api/v1/audit?{query}", "inspector1")
    assert response.status_code == 422
    assert query.split("=")[0] in response.get_json()["error"]["fields"]


def test_commands_run_from_the_cli_are_recorded_and_the_chain_verifies(database):
    """A fresh database through the `bangfu` command: init, an organisation, a user, a token; then verify."""
    for args in (["init"], ["org", "add", "U-AUDIT", "--name", "审计工会", "--kind", "union"],
                 ["user", "add", "auditunion", "--role", "grassroots_union", "--org", "U-AUDIT", "--password",
                  "auditunion-2026"], ["token", "auditunion"]):
        assert cli(*args).exit_code == 0
    result = cli("audit", "verify")
    assert result.exit_code == 0 and "审计日志完整" in result.output
    engine = create_engine(database)
    with engine.connect() as conn:
        rows = conn.execute(select(AuditEntry.actor_name, AuditEntry.action).order_by(AuditEntry.seq)).all()
    engine.dispose()
    assert rows[-3:] == [("system", "people.operations.create_organisation"),
                         ("system", "people.operations.create_user"),
                         ("system", "people.operations.token_for_username")]
    assert f"共 {len(rows)} 条" in result.output


def test_a_household_file_number_finds_every_entry_of_its_cases(api, app, case_at):
    case_id = case_at("approval")
    file_number = api.case(case_id)["file_number"]
    assert file_number
    found = api.get(f"/api/v1/audit?reference={file_number}&page_size=200", "inspector1").get_json()["items"]
    labels = {e["action_label"] for e in found}
    assert {"发起申报", "办理任务"} <= labels
    steps = {step for e in found for step in e["detail"].get("steps", [])}
    assert {"declaration", "household_visit", "open_file"} <= steps
    assert {e["subject_id"] for e in found if e["subject_kind"] == "case"} == {case_id}


def test_reading_a_message_is_logged_under_its_own_name_and_found_by_it(api, app, case_at):
    """Opening a message marks it read, a command the log names 消息标为已读 (it read 其他操作: the label was
    kept under a function that is not the command), and the page's action filter finds it."""
    case_at("household_visit")
    inspector = Browser(app, "inspector1")
    [message] = api.get("/api/v1/messages", "inspector1").get_json()["items"]
    assert inspector.get(f"/messages/{message['id']}").status_code == 302

    [entry] = api.get("/api/v1/audit?actor=inspector1", "inspector1").get_json()["items"][:1]
    assert entry["action_label"] == "消息标为已读"
    page = inspector.get("/audit").get_data(as_text=True)
    option = re.search(r'<option value="([^"]+)"[^>]*>消息标为已读</option>', page)
    assert option, "the page offers the action to filter by"
    found = api.get(f"/api/v1/audit?actor=inspector1&action={option.group(1)}", "inspector1").get_json()
    assert [e["seq"] for e in found["items"]] == [entry["seq"]]


def test_an_inspector_reading_the_oversight_exchange_is_logged_as_that_not_as_family_circumstances(api, app,
                                                                                                   case_at, replies):
    """Inspectors read no family circumstances; the oversight's own opinions and the centre's answers are what a
    case shows them whole. The log said 情况说明等敏感文字, as if they had read the family's situation."""
    case_id = case_at("household_visit")
    api.complete(case_id, "visit_oversight", {"decision": "return", "opinion": "走访人员未出示工作证件"})
    assert Browser(app, "inspector1").get(f"/cases/{case_id}").status_code == 200
    view = last(app)
    assert (view.action, view.actor_name) == ("privacy.viewed_unmasked", "inspector1")
    shown = detail_text(json.loads(view.detail))
    assert "显示：走访监督意见和整改答复" in shown and "情况说明" not in shown
    assert shown in Browser(app, "supervisor1").get("/audit").get_data(as_text=True)

    assert Browser(app, "center1").get(f"/cases/{case_id}").status_code == 200
    assert "情况说明等敏感文字" in detail_text(json.loads(last(app).detail)), "the centre reads the family's"
