"""Batch builds at once never take the same instalment: finance users building batches at the same moment
through a real server (PostgreSQL: the builds lock what they take and skip what another holds; any backend: the
partial unique index refuses a second live line), every build answered, every due instalment in exactly one
batch."""
import threading

import pytest
from sqlalchemy import func, select, text

from bangfu import db
from bangfu.money.models import PaymentLine
from bangfu.people.operations import create_user
from bangfu.testing import payable_households
from bangfu.unit_of_work import run_in
from http_helpers import post_json

CLIENTS = 4
HOUSEHOLDS = 60




@pytest.fixture
def finance_users(app):
    names = ["finance1", "finance2"] + [f"finance{i}" for i in range(3, CLIENTS + 1)]
    for name in names[2:]:
        run_in(app, create_user, name, "finance", "ZJG-CENTER", "finance-secret", hash_profile="fast")
    return names


@pytest.mark.parametrize("round_", range(3))
def test_builds_at_once_never_take_the_same_instalment(app, api, server, finance_users, round_):
    payable_households(app, [{"worker_name": f"职工{i:03d}"} for i in range(HOUSEHOLDS)])
    tokens = [api.token(user) for user in finance_users]
    barrier = threading.Barrier(len(tokens))
    results = [None] * len(tokens)

    def client(i):
        barrier.wait()
        results[i] = post_json(f"{server}/api/v1/payment-batches", tokens[i], {"due_through": "2026-11-30"})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(status == 201 for status, _ in results), results
    built = [body["batch"]["line_count"] for _, body in results if body["batch"]]
    assert sum(built) == HOUSEHOLDS, results
    with app.app_context():
        session = db.session()
        lines = session.scalar(select(func.count()).select_from(PaymentLine))
        distinct = session.scalar(select(func.count(func.distinct(PaymentLine.instalment_id))))
        assert lines == distinct == HOUSEHOLDS


def test_a_build_skips_the_instalments_another_open_build_holds(app, is_postgres):
    """PostgreSQL: while one build's transaction holds its instalments, a second build takes none of them and
    does not wait for it."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    from sqlalchemy.orm import Session

    from bangfu.money.batches import build_batch
    from bangfu.people.models import User
    payable_households(app, [{"worker_name": "张伟"}, {"worker_name": "李娜"}])
    engine = db.engine_of(app)
    with app.app_context(), Session(engine) as first, Session(engine) as second:
        maker = first.scalar(select(User).where(User.username == "finance1"))
        other = second.scalar(select(User).where(User.username == "finance2"))
        assert build_batch(first, maker, first_day()).batch.line_count == 2
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        assert build_batch(second, other, first_day()).batch is None
        first.commit()
        second.rollback()


def first_day():
    from datetime import date
    return date(2026, 11, 30)


def test_awards_approved_at_once_are_all_counted_in_the_monthly_totals(app):
    """Commands at once that add to the same month's totals row (same programme, fund, category, union) each
    count: the upsert adds to the row, none overwrites another's figure."""
    from decimal import Decimal

    from bangfu import clock
    from bangfu.households.models import Household
    from bangfu.money import totals
    from bangfu.money.awards import Grant, create_award

    ids = payable_households(app, [{"worker_name": f"职工{i:03d}"} for i in range(CLIENTS * 5)])
    barrier = threading.Barrier(CLIENTS)
    errors = []

    def client(i):
        barrier.wait()
        try:
            for household_id in ids[i::CLIENTS]:
                run_in(app, lambda s: create_award(s, s.get(Household, household_id),
                                                   Grant("sudden", Decimal("100.01")), approved_on=clock.today()))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        stored = totals.stored(db.session())
        assert totals.differences(db.session()) == {}
        assert sum(times for times, _, _ in stored.values()) == len(ids) * 2  # payable_households' own + ours
        assert sum(awarded for _, awarded, _ in stored.values()) == len(ids) * (Decimal("1000.00") + Decimal("100.01"))
