"""The report's monthly totals (money_totals), written in the same transaction as what they count.

Three things change a report's money: an award approved (one 户次 unless it continues another, and its
amount awarded, in the month of `approved_on`), an award ended early (its amount becomes what it kept: the
difference leaves the month it was approved in) and instalments paid by the bank's result (in the month of
`paid_on`). `awards.create_award`, `awards.end_award` and `bank.import_result` call `add` for each; `add`
gathers the changes of the whole transaction and they are written just before it commits, one upsert per
key that adds to the row (`times = times + excluded.times`), so transactions writing the same month and keys
at once both count: PostgreSQL serialises them on the row, SQLite on the file. Written together and in key
order, a transaction's rows are locked in one order whatever order its awards were approved or ended in (a
half-yearly list ending and creating hundreds), so two transactions wait on each other, never in a cycle.

`rebuild` computes the table from the awards and instalments (the migration that created it, a bulk load);
`differences` compares the two, for tests and for an auditor who wants to see that they agree. A household
purged after its retention period (households/purge.py) takes its awards with it but not its share of the
totals: a past year's report keeps the figures it was given, and `differences` shows those months.
"""
from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import case, delete, event, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Award, Instalment, InstalmentStatus, MoneyTotal

ZERO = Decimal("0.00")
KEYS = ("month", "programme", "fund_source", "category", "organisation_id")
VALUES = ("times", "awarded", "paid")
_PENDING = "bangfu.money.totals.pending"


def month_of(day):
    return date(day.year, day.month, 1)


def key(day, programme, fund_source, category, organisation_id):
    return (month_of(day), programme, fund_source, category or "", organisation_id)


def add(session, changes):
    """Add `changes` ({key: (times, awarded, paid)}) to the table when the transaction commits."""
    pending = session.info.setdefault(_PENDING, defaultdict(lambda: [0, ZERO, ZERO]))
    for k, (times, awarded, paid) in changes.items():
        cell = pending[k]
        cell[0] += times
        cell[1] += awarded
        cell[2] += paid


@event.listens_for(Session, "before_commit")
def _write_pending(session):
    pending = session.info.pop(_PENDING, None)
    if pending:
        _upsert(session, pending)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session):
    session.info.pop(_PENDING, None)


def _upsert(session, changes):
    """One upsert per key, in key order."""
    rows = [dict(zip(KEYS, k), times=v[0], awarded=v[1], paid=v[2])
            for k, v in sorted(changes.items()) if any(v)]
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    for row in rows:
        statement = dialect.insert(MoneyTotal).values(**row)
        statement = statement.on_conflict_do_update(
            index_elements=list(KEYS),
            set_={name: getattr(MoneyTotal, name) + getattr(statement.excluded, name) for name in VALUES})
        session.execute(statement)


def award_changes(award, times, awarded):
    return {key(award.approved_on, award.programme, award.fund_source, award.category, award.organisation_id):
            (times, awarded, ZERO)}


def paid_changes(session, condition):
    """The paid amounts of the instalments matching `condition` (a SQL condition), by month paid and keys."""
    query = (select(Instalment.paid_on, Instalment.programme, Instalment.fund_source, Instalment.category,
                    Instalment.organisation_id, func.sum(Instalment.amount))
             .where(condition, Instalment.status == InstalmentStatus.PAID)
             .group_by(Instalment.paid_on, Instalment.programme, Instalment.fund_source, Instalment.category,
                       Instalment.organisation_id))
    changes = defaultdict(lambda: [0, ZERO, ZERO])
    for paid_on, *keys, amount in session.execute(query):
        changes[key(paid_on, *keys)][2] += amount
    return {k: tuple(v) for k, v in changes.items()}


def computed(session):
    """The totals as the awards and instalments give them now: {key: (times, awarded, paid)}."""
    totals = defaultdict(lambda: [0, ZERO, ZERO])
    awards = (select(Award.approved_on, Award.programme, Award.fund_source, Award.category, Award.organisation_id,
                     func.sum(case((Award.supersedes_id.is_(None), 1), else_=0)), func.sum(Award.amount))
              .group_by(Award.approved_on, Award.programme, Award.fund_source, Award.category,
                        Award.organisation_id))
    for approved_on, *keys, times, amount in session.execute(awards):
        cell = totals[key(approved_on, *keys)]
        cell[0] += int(times)
        cell[1] += amount
    for k, (_, _, paid) in paid_changes(session, Instalment.paid_on.is_not(None)).items():
        totals[k][2] += paid
    return {k: tuple(v) for k, v in totals.items() if any(v)}


def stored(session):
    _write_pending(session)
    rows = session.execute(select(*(getattr(MoneyTotal, name) for name in KEYS + VALUES)))
    return {tuple(row[:5]): tuple(row[5:]) for row in rows if any(row[5:])}


def rebuild(session):
    """Replace the table by what the awards and instalments give."""
    session.info.pop(_PENDING, None)
    session.execute(delete(MoneyTotal))
    rows = [dict(zip(KEYS + VALUES, k + v)) for k, v in sorted(computed(session).items())]
    if rows:
        session.execute(insert(MoneyTotal), rows)


def differences(session):
    """{key: (stored, computed)} wherever the table and the awards and instalments disagree."""
    have, want = stored(session), computed(session)
    nothing = (0, ZERO, ZERO)
    return {k: (have.get(k, nothing), want.get(k, nothing))
            for k in set(have) | set(want) if have.get(k, nothing) != want.get(k, nothing)}
