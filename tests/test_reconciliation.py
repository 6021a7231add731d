"""Reconciliation: awarded = paid + pending (held, in an open batch, due awaiting a batch) + not yet due, to
the fen, for the awards approved in a period; a row that does not agree is listed line by line."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from bangfu import db
from bangfu.money.payment_demo import result_file
from bangfu.money.models import Instalment
from bangfu.testing import payable_households
from test_payment_batches import approve, batch, build, export, upload


def reconcile(api, query="from=2026-11-01&to=2026-11-30", user="finance1", expect=200):
    response = api.get(f"/api/v1/reconciliation?{query}", user)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def test_awarded_equals_paid_pending_and_not_yet_due_to_the_fen(app, api):
    # living aid approved today: 1,234.56 due today and 1,234.56 due on 1 December (after the period)
    payable_households(app, [{"worker_name": "张伟", "programme": "living", "amount": "1234.56"},
                             {"worker_name": "李娜", "amount": "0.01"}, {"worker_name": "王芳", "amount": "999.99"},
                             {"worker_name": "赵敏", "amount": "300.33"}])
    made = build(api)["batch"]
    approve(api, made["id"])
    export(api, made["id"])
    lines = {line["payee_name"]: line for line in batch(api, made["id"])["lines"]}
    upload(api, made["id"], result_file([(lines["张伟"]["reference"], Decimal("1234.56"), True, None),
                                         (lines["李娜"]["reference"], Decimal("0.01"), False, "账户冻结")]))
    figures = reconcile(api)
    assert {k: figures[k] for k in ("awarded", "paid", "pending", "not_yet_due", "balanced", "differences")} == {
        "awarded": "3769.45", "paid": "1234.56", "pending": "1300.33", "not_yet_due": "1234.56",
        "balanced": True, "differences": []}
    assert reconcile(api, "from=2026-11-01&to=2026-11-30&programme=living")["awarded"] == "2469.12"
    assert reconcile(api, "from=2026-12-01&to=2026-12-31")["awarded"] == "0.00"


def test_an_instalment_marked_paid_without_the_banks_payment_is_listed(app, api):
    payable_households(app, [{"worker_name": "张伟", "amount": "500.00"}])
    with db.engine_of(app).begin() as conn:  # behind the service's back, as a bad script would
        conn.execute(update(Instalment).values(status="paid", paid_on=date(2026, 11, 30)))
        instalment_id = conn.scalar(select(Instalment.id))
    figures = reconcile(api)
    assert (figures["awarded"], figures["paid"], figures["balanced"]) == ("500.00", "0.00", False)
    assert figures["differences"] == [{
        "award_id": 1, "instalment_id": instalment_id, "household_id": 1, "purpose": "2026年意外致困",
        "reason": "分期标记为已发放，但没有银行发放成功的明细", "amount": "500.00"}]


def test_reconciliation_is_for_finance_and_the_centres_overseers(api):
    assert reconcile(api, user="union1", expect=403)["error"]["message"] == "只有财务、督查和中心负责人可以查看对账"
    assert reconcile(api, user="supervisor1")["balanced"] is True
    assert "from" in reconcile(api, "from=2026-12-01&to=2026-11-01", expect=422)["error"]["fields"]
