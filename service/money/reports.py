"""Reports upward (上报报表): what the centre tells a higher union about a year, or one month of it.

What is counted, and when:
- **The register** (在档): a household is in it from its change to `filed` until its change away from
  `filed` (an exit 已脱困/已解困/已退出, or 审批未通过 undoing a filing), by the status changes' dates, so
  the size at a month's end is every entry up to that day minus every exit: it goes down with exits.
  期末 = 期初 + 新建档 − 退出, per union (the union keeping the file today) and in total.
- **户次 (household-times helped)**: one per award approved in the period (`approved_on`), whatever its
  programme; a living-aid award counts once however many months it pays. An award that only continues
  another under a new standard (the half-yearly adjustment, `supersedes_id`) is no new 户次: its yuan
  count, the household was already counted when first helped.
- **Awarded (审批金额)**: the amounts of the awards approved in the period (an award ended early counts what
  it kept). **Paid (发放金额)**: the instalments paid in the period (`paid_on`), whenever their award was
  approved; each line is grouped by its award's programme, fund source, category and union.
- **Education grants (金秋助学)**: one line per education award approved in the period.

Every total is computed from its lines (`Table.total`), so a report's total is the sum of its lines, to the
fen. The money is read from the monthly totals (money/totals.py: written in the same transactions as the
awards and payments they count, so they agree with them to the fen; `totals.differences` shows that they
do), grouped by all four dimensions at once; the by-programme, by-fund, by-category and by-union tables are
folded from those rows.
"""
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select

from ..households.assessment import CATEGORY_LABELS
from ..households.models import EXIT_REASONS, Household, HouseholdStatus, HouseholdStatusChange
from ..people.models import Organisation
from ..people.roles import OrgKind
from .standards import SCHOOL_LEVELS
from .models import FUND_SOURCE_LABELS, PROGRAMME_LABELS, Award, MoneyTotal, Programme
from .report_lines import (ZERO, GrantLine, MonthLine, MoneyLine, MoneyReport, Period, RegisterLine, RegisterMonth,
                           Table)

__all__ = ["Period", "money_report", "register_table", "money_tables", "grants_table", "months_table",
           "register_sizes", "exits_by_reason", "yearly_totals"]
FILED = HouseholdStatus.FILED
# 金秋助学 school levels as the education programme records them; an unknown key is shown as it is.
DIMENSIONS = {  # table key (in the order of the award keys read below): its title, the label of one value
    "programme": ("按帮扶项目", lambda key: PROGRAMME_LABELS.get(key, key)),
    "fund_source": ("按资金来源", lambda key: FUND_SOURCE_LABELS.get(key, key)),
    "category": ("按困难类别", lambda key: CATEGORY_LABELS.get(key, "未定类别") if key else "未定类别"),
    "organisation": ("按基层工会", None),  # labelled with the organisation's name
}


def money_report(session, period, today):
    """The report for `period`; months after `today` are left out of the monthly register."""
    names = _union_names(session)
    return MoneyReport(period=period, centre=centre_name(session), register=register_table(session, period, names),
                       money=money_tables(session, period, names), grants=grants_table(session, period, names),
                       months=months_table(session, period, today))


def centre_name(session):
    return session.scalar(select(Organisation.name).where(Organisation.kind == OrgKind.CENTER)
                          .order_by(Organisation.id).limit(1)) or "职工援助服务中心"


# ---------------------------------------------------------------- the register

def _entries(upto=None, since=None):
    """Status changes into the register (to filed) and out of it (from filed), as SQL conditions."""
    dates = [HouseholdStatusChange.changed_on <= upto] if upto else []
    if since:
        dates.append(HouseholdStatusChange.changed_on >= since)
    entered = and_(HouseholdStatusChange.to_status == FILED, HouseholdStatusChange.from_status.is_distinct_from(FILED),
                   *dates)
    exited = and_(HouseholdStatusChange.from_status == FILED, HouseholdStatusChange.to_status != FILED, *dates)
    return entered, exited


def register_sizes(session, first, last, households=None):
    """在档户数 at each month's end from `first`'s month through `last`'s (dates): a RegisterMonth each (the month's
    first day, its entries and exits, the size at its end). `households`: an SQL condition on Household limiting
    whose register it is (a union's own households); None: the whole register. The one count of the register
    over time: the report's months table and the dashboard's chart both read it."""
    first = date(first.year, first.month, 1)
    if last < first:
        return []
    changes = select(HouseholdStatusChange.changed_on).select_from(HouseholdStatusChange)
    if households is not None:
        changes = changes.join(Household, Household.id == HouseholdStatusChange.household_id).where(households)

    def count(condition):
        return session.scalar(select(func.count()).select_from(changes.where(condition).subquery()))
    before_in, before_out = _entries(upto=first - timedelta(days=1))
    size = count(before_in) - count(before_out)
    through = date(last.year + last.month // 12, last.month % 12 + 1, 1) - timedelta(days=1)  # last's month's end
    within_in, within_out = _entries(upto=through, since=first)
    entered, exited = (_count_by_month(session, changes, condition) for condition in (within_in, within_out))
    lines, month = [], first
    while month <= last:
        key = (month.year, month.month)
        size += entered.get(key, 0) - exited.get(key, 0)
        lines.append(RegisterMonth(month, f"{month.year}年{month.month}月", entered.get(key, 0), exited.get(key, 0),
                                   size))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return lines


def _count_by_month(session, changes, condition):
    """{(year, month): count} of the status changes meeting `condition`."""
    rows = changes.where(condition).subquery()
    year, month = func.extract("year", rows.c.changed_on), func.extract("month", rows.c.changed_on)
    return {(int(y), int(m)): count for y, m, count in
            session.execute(select(year, month, func.count()).group_by(year, month)).all()}


def exits_by_reason(session, period):
    """Exits from the register (退出在档) in the period by reason, most first: [(label, count)]. A filing undone
    (审批未通过) has no exit reason and is shown as such."""
    _, exited = _entries(upto=period.last, since=period.first)
    rows = session.execute(select(HouseholdStatusChange.reason, func.count()).where(exited)
                           .group_by(HouseholdStatusChange.reason)).all()
    return sorted(((EXIT_REASONS.get(reason, reason) if reason else "撤销建档", count) for reason, count in rows),
                  key=lambda row: (-row[1], row[0]))


def register_table(session, period, names):
    """在档家庭 per union: at the period's start, entered (新建档), exited (退出), at its end. Read from the
    households' filed_on and closed_on, the dates register.py gives the status changes into and out of 在档
    (one filed spell per household: a returning worker gets a new file), so it agrees with months_table."""
    first, last = period.first, period.last
    filed, closed = Household.filed_on, Household.closed_on
    count = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    query = (select(Household.organisation_id,
                    count(and_(filed < first, or_(closed.is_(None), closed >= first))),
                    count(filed >= first), count(and_(closed >= first, closed <= last)))
             .where(filed.is_not(None), filed <= last).group_by(Household.organisation_id))
    lines = [RegisterLine(key, names.get(key, str(key)), int(at_start), int(entered), int(exited))
             for key, at_start, entered, exited in session.execute(query)]
    lines = [line for line in lines if line.at_start or line.entered or line.exited]
    return Table("register", "在档家庭（按基层工会）", sorted(lines, key=lambda line: line.label))


def months_table(session, period, today):
    """在档户数 at each month's end of the period's year, through `today`'s month in the current year."""
    year = period.year
    last_month = 12 if year < today.year else (today.month if year == today.year else 0)
    sizes = register_sizes(session, date(year, 1, 1), date(year, last_month, 1)) if last_month else []
    return Table("months", "在档户数（逐月末）",
                 [MonthLine(line.month.month, line.label, line.entered, line.exited, line.at_end) for line in sizes])


# ---------------------------------------------------------------- money

def _total_rows(session, period):
    """户次, awarded and paid per programme, fund source, category and union over the period's months, from the
    monthly totals the approving, ending and paying commands keep (money/totals.py): at most a few thousand rows
    a year, however many awards and instalments."""
    keys = (MoneyTotal.programme, MoneyTotal.fund_source, MoneyTotal.category, MoneyTotal.organisation_id)
    query = (select(*keys, func.sum(MoneyTotal.times), func.sum(MoneyTotal.awarded), func.sum(MoneyTotal.paid))
             .where(MoneyTotal.month >= period.first, MoneyTotal.month <= period.last).group_by(*keys))
    for programme, fund, category, organisation, times, awarded, paid in session.execute(query):
        yield programme, fund, category or None, organisation, int(times or 0), awarded or ZERO, paid or ZERO


def yearly_totals(session, years):
    """户次, awarded and paid of each year of `years` (the same monthly totals as the report), in one query:
    [(year, MoneyLine)], in the order given; a year without any help has a line of zeros."""
    if not years:
        return []
    year = func.extract("year", MoneyTotal.month)
    query = (select(year, func.sum(MoneyTotal.times), func.sum(MoneyTotal.awarded), func.sum(MoneyTotal.paid))
             .where(MoneyTotal.month >= date(min(years), 1, 1), MoneyTotal.month <= date(max(years), 12, 1))
             .group_by(year))
    found = {int(y): (int(times or 0), awarded or ZERO, paid or ZERO) for y, times, awarded, paid in session.execute(query)}
    return [(y, MoneyLine(y, f"{y}年", *found.get(y, (0, ZERO, ZERO)))) for y in years]


def money_tables(session, period, names):
    """户次, awarded and paid by programme, fund source, category and union."""
    folded = {key: defaultdict(lambda: [0, ZERO, ZERO]) for key in DIMENSIONS}
    for *keys, times, awarded, paid in _total_rows(session, period):
        for dimension, value in zip(DIMENSIONS, keys):
            cell = folded[dimension][value]
            cell[0] += times
            cell[1] += awarded
            cell[2] += paid
    tables = {}
    for dimension, (title, label) in DIMENSIONS.items():
        label = label or (lambda key: names.get(key, str(key)))
        lines = [MoneyLine(key, label(key), *values) for key, values in folded[dimension].items()]
        tables[dimension] = Table(dimension, title, sorted(lines, key=_order(dimension)))
    return tables


def _order(dimension):
    """Programmes, fund sources and categories in their own order (unknown ones after); unions by name."""
    known = {"programme": list(PROGRAMME_LABELS), "fund_source": list(FUND_SOURCE_LABELS),
             "category": list(CATEGORY_LABELS)}.get(dimension)
    if known:
        return lambda line: (known.index(line.key) if line.key in known else len(known), line.label)
    return lambda line: line.label


def grants_table(session, period, names=None):
    """金秋助学: one line per education award approved in the period, by union and file number (sorted here: the
    same order on every database, whatever its collation). `names`: the unions' names by id, if read already.
    Read through the connection (plain rows, no ORM row processing): a year is thousands of lines."""
    names = names if names is not None else _union_names(session)
    query = (select(Award.student_name, Award.school_level, Award.amount, Household.file_number,
                    Household.worker_name, Award.organisation_id, Award.approved_on, Award.id)
             .join(Household, Household.id == Award.household_id)
             .where(Award.programme == Programme.EDUCATION, Award.approved_on >= period.first,
                    Award.approved_on <= period.last))
    rows = [(student, level, amount, number, worker, names.get(union, str(union)), approved_on, award_id)
            for student, level, amount, number, worker, union, approved_on, award_id
            in session.connection().execute(query)]
    rows.sort(key=lambda row: (row[5], row[3] or "", row[7]))
    lines = [GrantLine(student, level, SCHOOL_LEVELS.get(level, level or "—"), amount, number, worker, union,
                       approved_on)
             for student, level, amount, number, worker, union, approved_on, _ in rows]
    return Table("grants", "金秋助学（按学生）", lines)


def _union_names(session):
    return dict(session.execute(select(Organisation.id, Organisation.name)).all())


def report_years(session, today, asked):
    """The years to offer, latest first: from the register's first declaration to this year, and the year
    asked for wherever it lies."""
    first = session.scalar(select(func.min(Household.declared_on)))
    earliest = min(first.year if first else today.year, today.year, asked)
    return range(max(today.year, asked), earliest - 1, -1)
