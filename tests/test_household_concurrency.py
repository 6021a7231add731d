"""One open file per worker under concurrency: several unions submitting a declaration of the same worker at
the same moment, through a real server: one passes, every other is a 409 naming the winner's case, never a
500; and the database itself refuses a second open household of a worker (the partial unique index)."""
import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from bangfu import db
from bangfu.households.models import Household
from http_helpers import post_json

CLIENTS = 4




@pytest.fixture
def unions(app):
    from bangfu.people.operations import create_user
    from bangfu.unit_of_work import run_in
    names = ["union1", "union2"] + [f"union{i}" for i in range(3, CLIENTS + 1)]
    for name in names[2:]:
        run_in(app, create_user, name, "grassroots_union", "U-YANGSHE", "union-secret", hash_profile="fast")
    return names


@pytest.mark.parametrize("round_", range(3))
def test_declarations_of_the_same_worker_at_once_let_exactly_one_through(app, api, server, household, unions, round_):
    drafts = [(user, api.start(user)["id"]) for user in unions]
    targets = [(api.token(user), api.open_task(case_id, "declaration")["id"]) for user, case_id in drafts]
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def client(i):
        token, task_id = targets[i]
        barrier.wait()
        results[i] = post_json(f"{server}/api/v1/tasks/{task_id}/complete", token, {"data": household})

    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (len(targets) - 1), results
    winner = next(i for i, (status, _) in enumerate(results) if status == 200)
    reference = api.case(drafts[winner][1])["reference"]
    for status, body in results:
        if status == 409:
            assert reference in body["error"]["fields"]["data.id_number"][0], body
    with app.app_context():
        assert db.session().scalar(select(func.count()).select_from(Household)) == 1


def test_the_database_refuses_a_second_open_household_of_a_worker_but_not_a_closed_one(app):
    def household(status, organisation_id):
        return Household(organisation_id=organisation_id, worker_name="张三", worker_id_number="X",
                         worker_id_digest="d" * 64, status=status, declared_on=date(2026, 1, 5))

    from sqlalchemy.orm import Session

    from bangfu.people.models import Organisation
    with db.engine_of(app).connect() as conn:
        raw = Session(bind=conn)
        org = raw.scalar(select(Organisation.id).where(Organisation.code == "U-STEEL"))
        raw.add_all([household("exited", org), household("not_filed", org), household("filed", org)])
        raw.flush()
        raw.add(household("declared", org))
        with pytest.raises(IntegrityError):
            raw.flush()
        raw.rollback()
