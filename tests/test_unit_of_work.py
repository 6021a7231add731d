"""Every command commits through one unit of work: all or nothing, and a lost version race is run again."""
import pytest
from sqlalchemy import create_engine, select, update

from bangfu import db
from bangfu.cases.models import Case
from bangfu.people.models import Organisation
from bangfu.people.operations import create_organisation
from bangfu.unit_of_work import StaleState, run, run_in


def organisation_codes(app):
    with app.app_context():
        return set(db.session().scalars(select(Organisation.code)))


def test_a_commit_outside_the_unit_of_work_is_refused(app):
    with app.app_context():
        session = db.session()
        create_organisation(session, "U-NEW", "新工会", "union")
        with pytest.raises(RuntimeError, match="unit_of_work"):
            session.commit()
    assert "U-NEW" not in organisation_codes(app)


def test_a_command_that_fails_half_way_leaves_nothing_behind(app):
    def half_done(session):
        create_organisation(session, "U-HALF", "半途工会", "union")
        raise ValueError("boom")
    with pytest.raises(ValueError):
        run_in(app, half_done)
    assert "U-HALF" not in organisation_codes(app)


def test_a_command_that_lost_a_version_race_runs_again_on_fresh_state(app, api, case_at, is_postgres):
    """Another process moves the case between this command's read and its write: the write is refused by
    the version check, rolled back, and the command runs again on what the other process committed."""
    if not is_postgres:
        pytest.skip("SQLite takes the write lock at a command's first read: no other writer gets in between")
    case_id = case_at("preliminary_review")
    other = create_engine(app.config["DATABASE_URL"])
    attempts = []

    def rename(session):
        case = session.get(Case, case_id)
        attempts.append(case.version)
        if len(attempts) == 1:
            with other.begin() as conn:  # the other process commits first
                conn.execute(update(Case).where(Case.id == case_id).values(
                    version=Case.version + 1, employer="另一进程写入"))
        case.household_name = f"{case.employer}之后"
        session.flush()

    try:
        run_in(app, rename)
    finally:
        other.dispose()
    assert attempts[1] == attempts[0] + 1
    assert api.case(case_id)["household_name"] == "另一进程写入之后"


def test_a_command_that_keeps_losing_gives_up_with_a_conflict(app):
    calls = []

    def always_stale(session):
        calls.append(1)
        raise StaleState()
    with app.app_context(), pytest.raises(StaleState):
        run(always_stale)
    assert len(calls) == 3


def test_a_command_run_inside_another_is_refused_and_nothing_is_committed(app):
    def outer(session):
        create_organisation(session, "U-OUTER", "外层工会", "union")
        run(create_organisation, "U-INNER", "内层工会", "union")
    with pytest.raises(RuntimeError, match="inside another"):
        run_in(app, outer)
    assert not {"U-OUTER", "U-INNER"} & organisation_codes(app)


def test_a_command_postgresql_picks_as_a_deadlock_victim_runs_again(app, is_postgres):
    """Two commands lock the same two rows in opposite orders: PostgreSQL aborts one (deadlock_detected); the
    unit of work runs it again on fresh state, so both commands take effect and neither caller sees an error."""
    import threading
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time: its commands never hold rows in a cycle")
    run_in(app, create_organisation, "U-A", "甲工会", "union")
    run_in(app, create_organisation, "U-B", "乙工会", "union")
    both_hold_one = threading.Barrier(2)
    attempts, errors = [], []

    def rename(first, second, suffix):
        def command(session):
            attempts.append(suffix)
            for code in (first, second):
                session.execute(update(Organisation).where(Organisation.code == code)
                                .values(name=Organisation.name + suffix))
                if code == first and len(attempts) <= 2:
                    both_hold_one.wait(timeout=10)
        try:
            run_in(app, command)
        except Exception as error:  # noqa: BLE001 (asserted below)
            errors.append(error)

    threads = [threading.Thread(target=rename, args=("U-A", "U-B", "①")),
               threading.Thread(target=rename, args=("U-B", "U-A", "②"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(attempts) >= 3  # the victim ran again (both may have, if PostgreSQL chose twice)
    with app.app_context():
        names = dict(db.session().execute(select(Organisation.code, Organisation.name)
                                          .where(Organisation.code.in_(["U-A", "U-B"]))).all())
    assert {code: sorted(name[3:]) for code, name in names.items()} == {"U-A": ["①", "②"], "U-B": ["①", "②"]}
