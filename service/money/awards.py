"""Awards and their instalments: what an approval grants a household, and when each part falls due.

Living aid (生活救助) is paid monthly: the first instalment is due the day it is approved, then one on the
first day of each later month through the award's period end (the standard's period, at the latest the end
of the year; the half-yearly adjustment or an exit ends it sooner). Every other programme is one instalment,
due on approval. The award's amount is always the sum of its instalments, to the fen.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update

from . import totals
from .batches import release_from_drafts
from .models import (DEFAULT_FUND_SOURCE, PROGRAMME_LABELS, Award, AwardStatus, Instalment, InstalmentStatus,
                     LineState, PaymentLine, Programme, ProgrammeBudget)

FEN = Decimal("0.01")


@dataclass(frozen=True)
class Grant:
    """What an approval grants, before it is an award. `amount` is monthly for living aid, else the total."""
    programme: str
    amount: Decimal
    period_end: date | None = None  # living aid: last day paid for; default: the standard's, or 31 December
    standard_id: int | None = None
    standard_item_id: int | None = None
    category: str | None = None
    student_name: str | None = None
    student_id_digest: str | None = None
    school_level: str | None = None


def fund_source(session, programme, year):
    """The fund a programme pays from in a year: its budget row's, else the programme's default."""
    budget = session.scalar(select(ProgrammeBudget).where(ProgrammeBudget.programme == programme,
                                                          ProgrammeBudget.year == year))
    return budget.fund_source if budget else DEFAULT_FUND_SOURCE[Programme(programme)]


def month_starts(first, last):
    """Due days of a monthly award approved on `first`: that day, then the 1st of each month through `last`."""
    days, current = [first], date(first.year, first.month, 1)
    while True:
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
        if current > last:
            return days
        days.append(current)


def create_award(session, household, grant, approved_on, approved_by=None, case=None, supersedes=None,
                 starts_on=None):
    """Write the award and its instalments; flushes and returns the award. It pays from `starts_on` (default: the
    day it is approved; the half-yearly adjustment approves ahead of the new period) and counts in that year's
    budget."""
    starts_on = starts_on or approved_on
    amount = Decimal(grant.amount).quantize(FEN)
    label = PROGRAMME_LABELS[Programme(grant.programme)]
    if grant.programme == Programme.LIVING:
        period_end = grant.period_end or date(starts_on.year, 12, 31)
        due_days = month_starts(starts_on, period_end)
        parts = [(day, amount, f"{day.year}年{day.month}月{label}") for day in due_days]
    else:
        period_end = grant.period_end or starts_on
        parts = [(starts_on, amount, f"{starts_on.year}年{label}")]
    award = Award(household_id=household.id, case_id=case.id if case else None, programme=grant.programme,
                  category=grant.category or household.category, organisation_id=household.organisation_id,
                  amount=sum((part[1] for part in parts), Decimal("0.00")),
                  monthly_amount=amount if grant.programme == Programme.LIVING else None,
                  period_start=starts_on, period_end=period_end, standard_id=grant.standard_id,
                  standard_item_id=grant.standard_item_id,
                  fund_source=fund_source(session, grant.programme, starts_on.year),
                  budget_year=starts_on.year, student_name=grant.student_name,
                  student_id_digest=grant.student_id_digest, school_level=grant.school_level,
                  purpose=parts[0][2], approved_by_id=approved_by.id if approved_by else None,
                  approved_on=approved_on, supersedes_id=supersedes.id if supersedes else None)
    session.add(award)
    session.flush()
    session.add_all(Instalment(award_id=award.id, household_id=household.id, programme=grant.programme,
                               fund_source=award.fund_source, category=award.category,
                               organisation_id=award.organisation_id,
                               sequence=number, due_on=day, amount=value, purpose=purpose)
                    for number, (day, value, purpose) in enumerate(parts, start=1) if value > 0)
    session.flush()
    totals.add(session, totals.award_changes(award, 0 if supersedes else 1, award.amount))
    return award


def end_award(session, award, on, reason):
    """End an award from `on`: instalments due on or after that day that are not paid are cancelled (one held
    after a failed transfer is cancelled too). One in a batch still to be checked (待复核) leaves it first:
    nothing has gone to the bank yet. One in an approved or exported batch stays, the bank decides it. Its
    amount becomes what it kept."""
    release_from_drafts(session, select(Instalment.id).where(Instalment.award_id == award.id, Instalment.due_on >= on))
    session.execute(update(Instalment).where(
        Instalment.award_id == award.id, Instalment.due_on >= on,
        Instalment.status.in_((InstalmentStatus.OPEN, InstalmentStatus.HELD)),
        ~select(PaymentLine.id).where(PaymentLine.instalment_id == Instalment.id,
                                      PaymentLine.state == LineState.PENDING).exists(),
    ).values(status=InstalmentStatus.CANCELLED))
    kept = session.scalars(select(Instalment.amount).where(
        Instalment.award_id == award.id, Instalment.status != InstalmentStatus.CANCELLED)).all()
    was, award.amount = award.amount, sum(kept, Decimal("0.00"))
    totals.add(session, totals.award_changes(award, 0, award.amount - was))
    award.status, award.ended_on, award.end_reason = AwardStatus.ENDED, on, reason
    session.flush()


def active_awards(session, household_id, programme=None):
    query = select(Award).where(Award.household_id == household_id, Award.status == AwardStatus.ACTIVE)
    if programme:
        query = query.where(Award.programme == programme)
    return session.scalars(query.order_by(Award.id)).all()
