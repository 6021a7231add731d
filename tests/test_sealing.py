"""Personal data sealed at rest: raw rows hold no ID, card or phone number; a changed value or a missing key
is refused with the key named; lookups by ID still work; `bangfu keys rotate` moves every value onto a new key
while both stay readable, after which the old key can go; the README walk-through leaves no number in the
database file or in a pg_dump."""
import os
import re
import subprocess
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from bangfu import db
from bangfu.cli import main
from bangfu.households.models import Household
from bangfu.key_rotation import census, rotate
from bangfu.models import metadata
from bangfu.sealing import Keyring, SealError, new_key
from conftest import make_app, sqlite_file_bytes
from test_households import drive

OLD = os.environ["BANGFU_DATA_KEYS"]  # the run's key (conftest): what the app fixture sealed with
NEW = f"rot2:{new_key()}"
# Every sealed column and what the raw value must not be.
RAW_QUERIES = {
    "households": "SELECT worker_id_number, phone, bank_card_number FROM households",
    "household_members": "SELECT id_number FROM household_members",
    "payment_lines": "SELECT account_number, phone FROM payment_lines",
    "case_events": "SELECT opinion FROM case_events WHERE opinion IS NOT NULL",
}


def _raw(app, sql):
    with db.engine_of(app).connect() as connection:
        return connection.execute(text(sql)).all()


# ---------------------------------------------------------------- the cipher


def test_a_sealed_value_opens_only_unchanged_in_its_own_column_with_its_own_key():
    keyring = Keyring.parse(f"a1:{new_key()}")
    sealed = keyring.seal_text("320582199202091201", "households.worker_id_number")
    assert sealed.startswith("v1:a1:") and "320582199202091201" not in sealed
    assert keyring.open_text(sealed, "households.worker_id_number") == "320582199202091201"
    assert keyring.seal_text("same", "x") != keyring.seal_text("same", "x")  # a fresh nonce each time
    head, body = sealed.rsplit(":", 1)
    flipped = head + ":" + ("B" if body[5] != "B" else "C").join((body[:5], body[6:]))
    with pytest.raises(SealError, match="无法通过校验"):
        keyring.open_text(flipped, "households.worker_id_number")
    with pytest.raises(SealError, match="无法通过校验"):  # moved into another column
        keyring.open_text(sealed, "households.phone")
    with pytest.raises(SealError, match="数据密钥 a1 未配置"):
        Keyring.parse(f"b1:{new_key()}").open_text(sealed, "households.worker_id_number")
    with pytest.raises(SealError, match="无法通过校验.*a1"):  # another key under the same id
        Keyring.parse(f"a1:{new_key()}").open_text(sealed, "households.worker_id_number")
    with pytest.raises(SealError, match="未加密"):
        keyring.open_text("320582199202091201", "households.worker_id_number")


def test_sql_may_not_compare_a_sealed_column_which_would_silently_match_nothing():
    with pytest.raises(TypeError, match="households.worker_id_number"):
        select(Household).where(Household.worker_id_number == "320582199202091201")
    with pytest.raises(TypeError, match="households.phone"):
        select(Household).where(Household.phone.contains("1363"))
    assert "IS NOT NULL" in str(select(Household.id).where(Household.phone.is_not(None)))


# ---------------------------------------------------------------- the database


@pytest.fixture
def paid(api, household, replies):
    """union1's household declared, approved and paid through a bank batch; the case id."""
    return drive(api, replies, household)


def test_the_raw_rows_hold_no_id_card_or_phone_number_and_the_api_still_shows_them(app, api, paid, household):
    numbers = {household["id_number"], household["bank_card_number"], household["phone"]}
    numbers |= {m["id_number"] for m in household["family_members"]}
    for table, sql in RAW_QUERIES.items():
        rows = _raw(app, sql)
        assert rows, f"{table} has no rows to check"
        for row in rows:
            for value in row:
                assert value is None or value.startswith("v1:"), (table, value[:12])
                assert not any(number in (value or "") for number in numbers), table
    [state] = _raw(app, f"SELECT workflow_state FROM cases WHERE id = {paid}")[0]
    assert bytes(state).startswith(b"v1:")
    body = api.get(f"/api/v1/households/{api.case(paid)['household_id']}", "center1").get_json()
    assert (body["id_number"], body["bank_account"]["card_number"]) == (household["id_number"],
                                                                       household["bank_card_number"])
    assert api.case(paid)["status_label"] == "已发放"  # the sealed workflow state ran the whole process


def test_the_register_finds_a_household_by_a_whole_id_number_never_by_a_part(app, api, paid, household):
    household_id = api.case(paid)["household_id"]

    def found(search):
        return [h["id"] for h in api.get("/api/v1/households", "center1", query_string={"text": search})
                .get_json()["items"]]
    assert found(household["id_number"]) == [household_id]
    assert found(household["family_members"][1]["id_number"]) == [household_id]  # the spouse's
    assert found(household["id_number"][:10]) == []


def test_only_the_roles_that_read_id_numbers_whole_find_a_household_by_one(app, api, paid, household):
    """A whole ID finds the household for the union and the centre, who read the numbers; an inspector, approver
    or supervisor, who reads them masked, would otherwise learn by searching whether a number is in the register."""
    def found(user, search):
        return len(api.get("/api/v1/households", user, query_string={"text": search}).get_json()["items"])
    for user in ("union1", "center1"):
        assert found(user, household["id_number"]) == 1
    for user in ("inspector1", "approver1", "supervisor1"):
        assert found(user, household["id_number"]) == 0
        assert found(user, household["name"]) == 1  # by name, as everyone


def test_a_second_declaration_with_the_same_id_is_still_refused(api, paid, household):
    case_id = api.start("union1")["id"]
    task = api.open_task(case_id, "declaration")
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": household})
    assert response.status_code == 409, response.get_json()


def test_rotation_moves_every_value_onto_the_new_key_reading_both_meanwhile(app, api, paid, household, migrated):
    household_id = api.case(paid)["household_id"]
    both = make_app(migrated, DATA_KEYS=f"{NEW},{OLD}")
    before = census(db.engine_of(both), metadata)
    assert set(before) == {OLD.split(":")[0]} and before[OLD.split(":")[0]] > 0

    seen_midway = []

    def read_midway(context, _count):  # after each column: some values under the new key, the rest under the old
        seen_midway.append(api_as(both).get(f"/api/v1/households/{household_id}", "center1").get_json()["id_number"])
    rotation = rotate(db.engine_of(both), both.config["DATA_KEYRING"], metadata, batch=2, progress=read_midway)
    assert rotation.total == sum(before.values()) and set(seen_midway) == {household["id_number"]}
    assert census(db.engine_of(both), metadata) == {"rot2": rotation.total}
    assert rotate(db.engine_of(both), both.config["DATA_KEYRING"], metadata).total == 0  # nothing left to move

    only_new = make_app(migrated, DATA_KEYS=NEW)  # the old key dropped
    client = api_as(only_new)
    assert client.get(f"/api/v1/households/{household_id}", "center1").get_json()["id_number"] == \
        household["id_number"]
    assert client.case(paid)["status_label"] == "已发放"
    only_old = make_app(migrated, DATA_KEYS=OLD)
    with only_old.app_context(), pytest.raises(SealError, match="数据密钥 rot2 未配置"):
        db.session().get(Household, household_id).worker_id_number
    for each in (both, only_new, only_old):
        db.engine_of(each).dispose()


def api_as(app):
    from conftest import Api
    return Api(app)


def test_bangfu_keys_rotate_reports_counts_audits_and_names_a_missing_key(app, api, paid, migrated, monkeypatch):
    monkeypatch.setenv("BANGFU_DATABASE_URL", migrated)
    monkeypatch.setenv("BANGFU_SECRET_KEY", "sealing-tests-" + "k" * 40)
    runner = CliRunner()
    monkeypatch.setenv("BANGFU_DATA_KEYS", f"{NEW},{OLD}")
    result = runner.invoke(main, ["keys", "rotate", "--batch", "3"], prog_name="bangfu")
    assert result.exit_code == 0, result.output
    moved = int(re.search(r"已用当前密钥 rot2 重新加密 (\d+) 项数据", result.output).group(1))
    assert moved > 0 and "households.worker_id_number：1 项" in result.output
    [(action, detail)] = _raw(app, "SELECT action, detail FROM audit_entries WHERE action = 'keys.rotated'")
    assert f'"values":{moved}' in detail and "rot2" in detail and NEW.split(":")[1] not in detail
    status = runner.invoke(main, ["keys", "status"], prog_name="bangfu")
    assert f"rot2（当前）：{moved} 项" in status.output and "test1（仅解密）：0 项" in status.output

    monkeypatch.setenv("BANGFU_DATA_KEYS", f"other:{new_key()}")  # rot2 lost
    for command in (["keys", "rotate"], ["keys", "status"]):
        result = runner.invoke(main, command, prog_name="bangfu")
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        [line] = [line for line in result.output.splitlines() if line.startswith("错误：")]
        assert "rot2" in line and "未配置" in line and "Traceback" not in result.output


def test_a_value_under_a_key_the_service_lacks_is_a_clear_503_naming_nothing_personal(
        app, api, paid, household, migrated, caplog):
    """An operator who drops a key still in use: requests that meet such a value are refused with a message the
    user can pass on, the log names the column and the key (never the value), and pages answer the same."""
    from test_pages import Browser
    household_id = api.case(paid)["household_id"]
    lacking = make_app(migrated, DATA_KEYS=f"other:{new_key()}")
    response = api_as(lacking).get(f"/api/v1/households/{household_id}", "center1")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["code"] == "data_unreadable" and "密钥" in error["message"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "数据密钥 test1 未配置" in logged and household["id_number"] not in logged
    page = Browser(lacking, "center1").get(f"/households/{household_id}")
    assert page.status_code == 503 and "无法解密" in page.get_data(as_text=True)
    db.engine_of(lacking).dispose()


def test_bangfu_keys_new_prints_a_key_the_service_accepts():
    result = CliRunner().invoke(main, ["keys", "new", "--id", "k2027"], prog_name="bangfu")
    assert result.exit_code == 0
    keyring = Keyring.parse(result.output)
    assert keyring.current == "k2027" and len(keyring.keys["k2027"]) == 32
    refused = CliRunner().invoke(main, ["keys", "new", "--id", "bad id"], prog_name="bangfu")
    assert refused.exit_code == 1 and "密钥编号只能含" in refused.output


# ---------------------------------------------------------------- the proof: the README walk-through


WALKTHROUGH_NUMBERS = ("320582199202091201", "320582198507262142", "320582201008019142",  # the family's IDs
                       "6228486690743915003", "13631969374")  # the bank card, the phone


def test_after_the_readme_walkthrough_the_database_holds_none_of_its_numbers(app, server, tmp_path, database_url):
    from test_readme_walkthrough import test_readme_walkthrough_pays_a_household, walkthrough_script
    script = walkthrough_script()
    assert all(number in script for number in WALKTHROUGH_NUMBERS), "the walk-through's numbers changed"
    test_readme_walkthrough_pays_a_household(app, server, tmp_path)
    db.engine_of(app).dispose()  # everything written out: no connection holds pages back
    if database_url.startswith("sqlite"):
        dumped = sqlite_file_bytes(database_url)
    else:
        base, query = database_url.split("?", 1)
        schema = re.search(r"search_path%3D(\w+)", query).group(1)
        dumped = subprocess.run(["pg_dump", "--schema", schema, "--data-only", unquote(
            base.replace("postgresql+psycopg://", "postgresql://"))], capture_output=True, check=True).stdout
        assert b"COPY " in dumped and b"v1:test1:" in dumped  # the dump holds the sealed rows
    assert len(dumped) > 10_000
    for number in WALKTHROUGH_NUMBERS:
        assert number.encode() not in dumped, number
        assert number.encode("utf-16-le") not in dumped, number


# ---------------------------------------------------------------- the lookup key


def test_after_the_lookup_key_changes_bangfu_keys_rehash_makes_ids_findable_again(app, api, paid, household, migrated,
                                                                                   monkeypatch):
    household_id = api.case(paid)["household_id"]
    new_lookup = "lookup-" + "n" * 40
    moved = make_app(migrated, LOOKUP_KEY=new_lookup)
    client = api_as(moved)

    def found(search):
        return [h["id"] for h in client.get("/api/v1/households", "center1", query_string={"text": search})
                .get_json()["items"]]
    assert found(household["id_number"]) == []  # the digests are still the old key's
    monkeypatch.setenv("BANGFU_DATABASE_URL", migrated)
    monkeypatch.setenv("BANGFU_SECRET_KEY", "sealing-tests-" + "k" * 40)
    monkeypatch.setenv("BANGFU_LOOKUP_KEY", new_lookup)
    result = CliRunner().invoke(main, ["keys", "rehash"], prog_name="bangfu")
    assert result.exit_code == 0, result.output
    assert "家庭 1 户，成员 3 人" in result.output
    assert found(household["id_number"]) == [household_id]
    assert found(household["family_members"][2]["id_number"]) == [household_id]
    case_id = client.start("union1")["id"]  # the one-file-per-worker check finds the worker again
    task = client.open_task(case_id, "declaration")
    assert client.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                       json={"data": household}).status_code == 409
    [(detail,)] = _raw(app, "SELECT detail FROM audit_entries WHERE action = 'keys.rehashed'")
    assert '"households":1' in detail and new_lookup not in detail
    db.engine_of(moved).dispose()
