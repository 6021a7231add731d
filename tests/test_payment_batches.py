"""Payment batches: finance builds one from what is due, a second finance user approves it, the bank file is
exported, the bank's result is imported (failures held for the centre), the centre verifies the worker's
account and the next batch pays it. Only filed households, only the worker's own account, never twice."""
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bangfu import db
from bangfu.money import totals
from bangfu.money.payment_demo import result_file
from bangfu.money.models import Instalment, PaymentBatch, PaymentLine
from bangfu import create_app
from bangfu.testing import payable_households, populate
from test_cli import database, ok, refused  # noqa: F401  (database: a fresh database for the CLI)

TODAY = date(2026, 11, 30)


def build(api, user="finance1", expect=201, **body):
    response = api.post("/api/v1/payment-batches", user, json={"due_through": TODAY.isoformat(), **body})
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def batch(api, batch_id, user="finance1"):
    return api.get(f"/api/v1/payment-batches/{batch_id}", user).get_json()


def approve(api, batch_id, user="finance2", expect=200):
    response = api.post(f"/api/v1/payment-batches/{batch_id}/approve", user)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def export(api, batch_id, fmt="csv", layout="generic", expect=200):
    response = api.get(f"/api/v1/payment-batches/{batch_id}/file?format={fmt}&layout={layout}", "finance1")
    assert response.status_code == expect, response.get_json()
    return response


def upload(api, batch_id, content, name="回盘.csv", user="finance1"):
    from io import BytesIO
    return api.post(f"/api/v1/payment-batches/{batch_id}/results", user,
                    data={"file": (BytesIO(content), name)}, content_type="multipart/form-data")


def statuses(app):
    with app.app_context():
        return {i.household_id: (i.status, i.paid_on) for i in db.session().scalars(select(Instalment))}


def test_a_batch_is_approved_exported_and_a_failed_line_is_verified_and_paid_in_the_next_batch(app, api):
    ids = payable_households(app, [{"worker_name": "张伟", "amount": "1000.00"},
                                   {"worker_name": "李娜", "amount": "2500.50"}])
    built = build(api)
    first = built["batch"]
    assert (first["status"], first["line_count"], first["total_amount"], built["excluded"]) == \
        ("draft", 2, "3500.50", [])
    export(api, first["id"], expect=409)  # nothing leaves before the check
    approve(api, first["id"])
    csv_text = export(api, first["id"]).data.decode("utf-8-sig")
    assert "1000.00" in csv_text and "2500.50" in csv_text and "6228480402564890018" in csv_text
    lines = batch(api, first["id"])["lines"]
    assert lines[0]["account_number"] == "6228***********0018"  # masked in the API; whole in the file

    result = upload(api, first["id"], result_file([(lines[0]["reference"], Decimal("1000.00"), True, None),
                                                   (lines[1]["reference"], Decimal("2500.50"), False, "账户已销户")]))
    assert result.status_code == 200, result.get_json()
    assert (result.get_json()["paid"], result.get_json()["failed"]) == (1, 1)
    assert batch(api, first["id"])["batch"]["status"] == "settled"
    assert statuses(app) == {ids[0]: ("paid", TODAY), ids[1]: ("held", None)}
    assert build(api)["batch"] is None  # a held instalment waits for the centre

    failed = lines[1]
    refused = api.post("/api/v1/account-verifications", "center1", json={
        "line_id": failed["id"], "bank_name": "中国银行张家港支行", "account_number": "6216610200016587010",
        "account_holder": "李娜的丈夫", "verified_with": "phone"})
    assert refused.status_code == 422 and "account_holder" in refused.get_json()["error"]["fields"]
    verified = api.post("/api/v1/account-verifications", "center1", json={
        "line_id": failed["id"], "bank_name": "中国银行张家港支行", "account_number": "6216610200016587010",
        "account_holder": "李娜", "verified_with": "phone", "note": "职工来电确认新卡"})
    assert verified.status_code == 201, verified.get_json()

    second = build(api)["batch"]
    approve(api, second["id"])
    assert "6216610200016587010" in export(api, second["id"]).data.decode("utf-8-sig")
    line = batch(api, second["id"])["lines"][0]
    assert (line["payee_name"], line["bank_name"], line["amount"]) == ("李娜", "中国银行张家港支行", "2500.50")
    assert upload(api, second["id"], result_file([(line["reference"], Decimal("2500.50"), True, None)])) \
        .status_code == 200
    assert statuses(app) == {ids[0]: ("paid", TODAY), ids[1]: ("paid", TODAY)}
    with app.app_context():  # the report's monthly totals counted each payment once, the failure not at all
        assert totals.differences(db.session()) == {}
        assert sum(paid for _, _, paid in totals.stored(db.session()).values()) == Decimal("3500.50")


def test_a_verified_account_takes_the_household_s_lines_out_of_a_batch_not_yet_checked(app, api):
    """李娜's November transfer failed; December's was already in a draft batch with the same old account. The
    centre's verification releases December's line from the draft (张伟's stays), and the next batch pays both
    of her months into the verified account."""
    payable_households(app, [{"worker_name": "张伟", "programme": "living", "amount": "800.00"},
                             {"worker_name": "李娜", "programme": "living", "amount": "500.00"}])
    first = build(api)["batch"]
    approve(api, first["id"])
    export(api, first["id"])
    lines = {line["payee_name"]: line for line in batch(api, first["id"])["lines"]}
    assert upload(api, first["id"], result_file([(lines["张伟"]["reference"], Decimal("800.00"), True, None),
                                                 (lines["李娜"]["reference"], Decimal("500.00"), False, "账户已销户")])) \
        .status_code == 200
    december = build(api, due_through="2026-12-01")["batch"]
    assert december["line_count"] == 2

    verified = api.post("/api/v1/account-verifications", "center1", json={
        "line_id": lines["李娜"]["id"], "bank_name": "中国银行张家港支行", "account_number": "6216610200016587010",
        "account_holder": "李娜", "verified_with": "phone"})
    assert verified.status_code == 201, verified.get_json()
    shown = batch(api, december["id"])
    assert (shown["batch"]["status"], shown["batch"]["line_count"], shown["batch"]["total_amount"]) == \
        ("draft", 1, "800.00")
    assert [(line["payee_name"], line["state"]) for line in shown["lines"]] == [("张伟", "pending"), ("李娜", "released")]
    approve(api, december["id"])
    assert "6228480402564890018" in export(api, december["id"]).data.decode("utf-8-sig")  # 张伟's own account

    again = build(api, due_through="2026-12-01")["batch"]
    approve(api, again["id"])
    text = export(api, again["id"]).data.decode("utf-8-sig")
    assert [(line["payee_name"], line["bank_name"], line["amount"]) for line in batch(api, again["id"])["lines"]] \
        == [("李娜", "中国银行张家港支行", "500.00")] * 2
    assert text.count("6216610200016587010") == 2 and "6228480402564890018" not in text


def test_the_maker_cannot_approve_their_own_batch_and_other_roles_cannot_build(app, api):
    payable_households(app, [{"worker_name": "张伟"}])
    made = build(api)["batch"]
    refused = approve(api, made["id"], user="finance1", expect=409)
    assert "制单人不能复核" in refused["error"]["message"]
    assert batch(api, made["id"])["batch"]["status"] == "draft"
    assert api.post("/api/v1/payment-batches", "center1", json={"due_through": "2026-11-30"}).status_code == 403
    with app.app_context(), pytest.raises(IntegrityError):  # the database's own four eyes
        row = db.session().get(PaymentBatch, made["id"])
        row.approved_by_id = row.built_by_id
        db.session().flush()


def test_a_household_whose_account_holder_is_not_the_worker_or_not_filed_is_listed_and_never_paid(app, api):
    payable_households(app, [{"worker_name": "王强", "account_holder": "王强的儿子"},
                             {"worker_name": "赵敏", "status": "exited"}, {"worker_name": "刘洋"}])
    built = build(api)
    reasons = {row["worker_name"]: row["reason"] for row in built["excluded"]}
    assert "不是职工本人" in reasons["王强"] and "不在档" in reasons["赵敏"]
    assert [line["payee_name"] for line in batch(api, built["batch"]["id"])["lines"]] == ["刘洋"]


def test_an_instalment_is_never_in_two_open_batches(app, api):
    payable_households(app, [{"worker_name": "张伟"}])
    first = build(api)["batch"]
    again = build(api)
    assert again["batch"] is None
    with app.app_context(), pytest.raises(IntegrityError):  # the partial unique index, not only the code
        session = db.session()
        line = session.scalar(select(PaymentLine))
        session.add(PaymentLine(batch_id=first["id"], sequence=2, reference="X-2", instalment_id=line.instalment_id,
                                household_id=line.household_id, payee_name="张伟", account_number="1" * 16,
                                bank_name="x", amount=line.amount, purpose=line.purpose))
        session.flush()


def test_a_cancelled_draft_releases_its_instalments_into_the_next_batch(app, api):
    payable_households(app, [{"worker_name": "张伟"}])
    first = build(api)["batch"]
    assert api.post(f"/api/v1/payment-batches/{first['id']}/cancel", "finance2").status_code == 200
    assert export(api, first["id"], expect=409)
    second = build(api)["batch"]
    assert second["line_count"] == 1 and batch(api, first["id"])["batch"]["status"] == "cancelled"


def test_the_same_result_file_twice_changes_nothing(app, api):
    payable_households(app, [{"worker_name": "张伟"}, {"worker_name": "李娜"}])
    made = build(api)["batch"]
    approve(api, made["id"])
    export(api, made["id"], fmt="xlsx")
    lines = batch(api, made["id"])["lines"]
    content = result_file([(lines[0]["reference"], Decimal("1000.00"), True, None)])
    assert upload(api, made["id"], content).status_code == 200
    before = statuses(app)
    again = upload(api, made["id"], content)
    assert again.status_code == 409 and "此回盘文件已导入" in again.get_json()["error"]["message"]
    assert statuses(app) == before and batch(api, made["id"])["batch"]["status"] == "exported"


def test_a_hardship_case_is_paid_by_the_bank_result_and_never_by_hand(app, api, case_at, replies):
    from bangfu.testing import pay_case_through_batch
    case_id = case_at("payment")
    refused = api.complete(case_id, "payment", replies["payment"], expect=422)
    assert "发放由银行代发批次完成" in refused["error"]["fields"]["data.paid_amount"][0]
    reference = pay_case_through_batch(app, case_id)
    case = api.case(case_id)
    assert (case["status"], case["paid_amount"], case["open_tasks"]) == ("paid", "800.00", [])
    from bangfu.cases.models import Case
    with app.app_context():
        row = db.session().get(Case, case_id)
        assert (row.paid_on, row.bank_reference) == (TODAY, "B" + reference)
    history = [entry for entry in case["history"] if entry.get("task") == "payment"]
    assert history and history[-1]["actor_name"] == "系统", history


def test_the_bank_s_paid_amount_reaches_the_case_exact_to_the_fen(app, api, case_at, replies):
    """1234.10 paid by the bank is recorded on the case's payment step as the text 1234.10, never a binary float
    (1234.1), and shown as ¥1,234.10."""
    from bangfu.testing import pay_case_through_batch
    replies["open_file"] = {"aid_type": "medical", "proposed_amount": 1234.10, "proposal_notes": "住院自付部分"}
    replies["approval"] = {"decision": "approve", "approved_amount": 1234.10, "opinion": "同意"}
    case_id = case_at("payment")
    pay_case_through_batch(app, case_id)
    case = api.case(case_id)
    assert (case["status"], case["paid_amount"], case["data"]["payment"]["paid_amount"]) == \
        ("paid", "1234.10", "1234.10")


def test_a_monthly_run_from_the_command_line(database, tmp_path):
    """build → approve (the maker refused in one line) → export → results → reconcile, as scripts run it: each
    command signed in by the user's API token (BANGFU_TOKEN) or their password, never by a name alone."""
    ok("init")
    app = create_app({"DATABASE_URL": database})
    populate(app)
    payable_households(app, [{"worker_name": "张伟", "amount": "1234.50"}])
    db.engine_of(app).dispose()
    maker = ok("token", "finance1").strip()
    assert "没有可发放" in ok("payments", "build", "--through", "2026-11-29", token=maker)
    assert "已生成批次 1" in ok("payments", "build", "--as", "finance1", token=maker)  # due by today
    assert refused("payments", "approve", "1", token=maker) == \
        "错误：制单人不能复核自己制作的批次，请由另一位财务人员复核"
    assert refused("payments", "approve", "1", "--as", "finance2", token=maker) == \
        "错误：环境变量 BANGFU_TOKEN 中是 finance1 的访问令牌，与 --as finance2 不符"
    assert refused("payments", "approve", "1", "--as", "finance2", password="finance1-secret") == \
        "错误：用户名或密码错误"
    ok("payments", "approve", "1", "--as", "finance2", password="finance2-secret")
    out = tmp_path / "bank.csv"
    ok("payments", "export", "1", "--format", "csv", "--layout", "icbc", "--out", out, token=maker)
    reference = out.read_bytes().decode("gbk").splitlines()[1].split(",")[-1]
    result = tmp_path / "result.csv"
    result.write_bytes(result_file([(reference, Decimal("1234.50"), True, None)]))
    assert "成功 1 笔，失败 0 笔" in ok("payments", "results", "1", result, token=maker)
    assert refused("payments", "results", "1", result, token=maker).startswith("错误：此回盘文件已导入")
    assert "相符" in ok("payments", "reconcile", "--from", "2026-11-01", "--to", "2026-11-30", token=maker)


def test_a_money_command_without_a_password_or_a_valid_token_does_nothing(database):
    """`--as` names a user but proves nothing: without the password (or with a wrong one, or a token that is no
    token) the command fails in one line and no batch is built."""
    ok("init")
    app = create_app({"DATABASE_URL": database})
    populate(app)
    payable_households(app, [{"worker_name": "张伟"}])
    db.engine_of(app).dispose()
    assert refused("payments", "build") == \
        "错误：请用 --as 指明用户并输入其密码，或在环境变量 BANGFU_TOKEN 中提供访问令牌"
    assert refused("payments", "build", "--as", "finance1", password="guess") == "错误：用户名或密码错误"
    assert refused("payments", "build", "--as", "finance1", token="not-a-token") == \
        "错误：环境变量 BANGFU_TOKEN 中的访问令牌无效或已过期"
    assert "已生成批次 1" in ok("payments", "build", "--as", "finance1", password="finance1-secret")


def test_a_batch_built_without_a_date_takes_what_is_due_today_in_china(app, api, clock):
    """At 00:30 in Beijing the server's UTC date is still yesterday: what was approved this Beijing morning is
    due, and a batch built without a date takes it (the README's walk-through failed on exactly that)."""
    from datetime import datetime, timezone
    clock.set_to(datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc))
    payable_households(app, [{"worker_name": "王芳", "amount": "800.00"}])
    response = api.post("/api/v1/payment-batches", "finance1", json={})
    assert response.status_code == 201, response.get_json()
    made = response.get_json()["batch"]
    assert (made["due_through"], made["line_count"], made["total_amount"]) == ("2026-12-01", 1, "800.00")


def test_a_verification_of_a_line_id_out_of_range_is_refused_naming_the_field(api):
    response = api.post("/api/v1/account-verifications", "center1", json={
        "line_id": 2 ** 70, "bank_name": "中国银行", "account_number": "6216610200016587010",
        "account_holder": "李娜", "verified_with": "phone"})
    assert response.status_code == 422, response.get_json()
    assert "line_id" in response.get_json()["error"]["fields"]


def test_an_exit_takes_the_instalments_from_the_exit_day_out_of_a_batch_not_yet_checked(app, api, clock):
    """A draft batch has sent nothing to the bank: the household's exit releases its later instalments from it
    (an approved or exported batch keeps them: the bank decides)."""
    from bangfu import clock as service_clock
    from bangfu.households import register
    from bangfu.households.models import Household
    from bangfu.people.models import User
    from bangfu.unit_of_work import run_in

    [household] = payable_households(app, [{"worker_name": "张伟", "programme": "living", "amount": "800.00"}])
    made = build(api, due_through="2026-12-01")["batch"]  # November's and December's
    clock.advance(days=1)

    def leave(session):
        register.exit_household(session, session.get(Household, household), "retired",
                                session.scalar(select(User).where(User.username == "center1")), service_clock.now())
    run_in(app, leave)
    shown = batch(api, made["id"])["batch"]
    assert (shown["line_count"], shown["total_amount"]) == (1, "800.00")
    approve(api, made["id"])
    text = export(api, made["id"]).data.decode("utf-8-sig")
    assert "2026年11月生活救助" in text and "2026年12月" not in text
    with app.app_context():
        assert sorted(i.status for i in db.session().scalars(select(Instalment))) == ["cancelled", "open"]


def test_an_instalment_due_before_the_exit_and_not_yet_paid_is_still_paid(app, api, clock):
    """张伟's November aid was due while he was in the register, but no batch had taken it when he retired on
    1 December: the next batch still pays November's (the family was owed it), and December's, due from the
    exit day on, is cancelled, never paid."""
    from bangfu import clock as service_clock
    from bangfu.households import register
    from bangfu.households.models import Household
    from bangfu.people.models import User
    from bangfu.unit_of_work import run_in

    [household] = payable_households(app, [{"worker_name": "张伟", "programme": "living", "amount": "800.00"}])
    clock.advance(days=1)

    def leave(session):
        register.exit_household(session, session.get(Household, household), "retired",
                                session.scalar(select(User).where(User.username == "center1")), service_clock.now())
    run_in(app, leave)
    built = build(api, due_through="2026-12-31")
    assert built["excluded"] == []
    lines = batch(api, built["batch"]["id"])["lines"]
    assert [(line["payee_name"], line["amount"]) for line in lines] == [("张伟", "800.00")]
    approve(api, built["batch"]["id"])
    text = export(api, built["batch"]["id"]).data.decode("utf-8-sig")
    assert "2026年11月生活救助" in text and "2026年12月" not in text
    with app.app_context():
        dues = {i.due_on.month: i.status for i in db.session().scalars(select(Instalment))}
        assert dues[11] == "open" and dues[12] == "cancelled"
    assert build(api, due_through="2027-06-30")["batch"] is None  # nothing else is ever paid to him
