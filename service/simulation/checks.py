"""What must hold after the replay, read from the service's own rows and reports (never from the simulation's
memory alone): money reconciled to the fen, nothing done twice, nothing stuck, a register that agrees with
itself and with the count the simulation kept, and an unbroken audit chain. Each check returns a list of
problems in words; an empty list is a pass."""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .. import clock
from ..audit.chain import verify as verify_chain
from ..cases.models import Case, CaseEvent, CaseStatus
from ..households.models import Household, HouseholdStatus
from ..money import reconciliation, totals
from ..money.models import Instalment, InstalmentStatus, LineState, PaymentLine
from ..money.reports import Period, money_report
from ..people.models import User
from ..scheduler.models import ScheduledFiring, Timer
from ..tasks.models import HumanTask, TaskState

ZERO = Decimal("0.00")
OPEN_STATUSES = (HouseholdStatus.DECLARED, HouseholdStatus.FILED)
# An open task untouched this long is stuck, not waiting: the replay's users take a task up within days, and a
# living-aid case's 发放确认 whose transfer failed waits one month for the next batch.
STALE_TASK_DAYS = 60


@dataclass
class Verdict:
    problems: dict = field(default_factory=dict)  # check name -> [problem]
    figures: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not any(self.problems.values())


def check_all(session, kept, first, last, today):
    """Every check over the replay's years `first`..`last` (dates), as things stand `today`."""
    verdict = Verdict()
    finance = session.scalar(select(User).where(User.role == "finance", User.active.is_(True)).order_by(User.id))
    verdict.problems["money"] = money(session, finance, verdict.figures, first, last, today)
    verdict.problems["twice"] = twice(session)
    verdict.problems["stuck"] = stuck(session, today)
    verdict.problems["register"] = register(session, kept, first, last, today)
    return verdict


def money(session, finance, figures, first, last, today):
    """The bank's paid lines = the reports' paid = the instalments paid; awarded = paid + pending + not yet due."""
    problems = []
    bank_paid = session.scalar(select(func.coalesce(func.sum(PaymentLine.amount), 0))
                               .where(PaymentLine.state == LineState.PAID)) or ZERO
    instalments_paid = session.scalar(select(func.coalesce(func.sum(Instalment.amount), 0))
                                      .where(Instalment.status == InstalmentStatus.PAID)) or ZERO
    years = range(_first_year(session), today.year + 1)
    reported = sum((_report_total(session, year, today).paid for year in years), ZERO)
    if not Decimal(bank_paid) == Decimal(instalments_paid) == reported:
        problems.append(f"发放不符：银行回盘成功 {bank_paid}，报表发放 {reported}，分期已发放 {instalments_paid}")
    books = reconciliation.reconcile(session, finance, date(2000, 1, 1), today)
    if not books.balanced:
        problems.append(f"对账不平：核定 {books.awarded} ≠ 已发放 {books.paid} + 待发放 {books.pending} + "
                        f"未到期 {books.not_yet_due}；差异 {len(books.differences)} 处")
    if books.paid != Decimal(bank_paid):
        problems.append(f"对账的已发放 {books.paid} 与银行回盘成功 {bank_paid} 不符")
    if (diff := totals.differences(session)):
        problems.append(f"月度合计与帮扶项目、分期不符：{len(diff)} 处")
    period = [_report_total(session, year, today) for year in range(first.year, last.year + 1)]
    figures.update(paid=Decimal(bank_paid), awarded=books.awarded, pending=books.pending,
                   not_yet_due=books.not_yet_due, times=sum(t.times for t in period),
                   period_paid=sum((t.paid for t in period), ZERO))
    return problems


def _first_year(session):
    first = session.scalar(select(func.min(Instalment.due_on)))
    return first.year if first else clock.today().year


def _report_total(session, year, today):
    made = money_report(session, Period(year, None), today)
    total = made.money["programme"].total
    return total or _Empty()


class _Empty:
    times, awarded, paid = 0, ZERO, ZERO


def twice(session):
    problems = []
    doubled = session.scalar(select(func.count()).select_from(
        select(PaymentLine.instalment_id).where(PaymentLine.state == LineState.PAID)
        .group_by(PaymentLine.instalment_id).having(func.count() > 1).subquery()))
    if doubled:
        problems.append(f"{doubled} 笔分期被发放两次")
    fired = session.scalar(select(func.count()).select_from(
        select(ScheduledFiring.job_name).group_by(ScheduledFiring.job_name, ScheduledFiring.due_at)
        .having(func.count() > 1).subquery()))
    if fired:
        problems.append(f"{fired} 个定时作业在同一到期时间触发了两次")
    # A case's timer fires once per time the case reaches it: the notice's end once per notice posted.
    firings = Counter(session.execute(select(CaseEvent.case_id, CaseEvent.task_name)
                                      .where(CaseEvent.action == "timer_fired")).all())
    notices = Counter(session.scalars(select(CaseEvent.case_id).where(
        CaseEvent.action == "completed", CaseEvent.task_name == "public_notice")).all())
    again = [key for key, count in firings.items()
             if count > (notices[key[0]] if key[1] == "notice_period_over" else 1)]
    if again:
        problems.append(f"{len(again)} 个案件的定时器触发次数多于它到达该定时器的次数")
    open_twice = session.scalar(select(func.count()).select_from(
        select(Household.worker_id_digest).where(Household.status.in_(OPEN_STATUSES))
        .group_by(Household.worker_id_digest).having(func.count() > 1).subquery()))
    if open_twice:
        problems.append(f"{open_twice} 名职工同时有两份未关闭的档案")
    return problems


def stuck(session, today):
    problems = []
    incidents = session.scalar(select(func.count()).select_from(Case).where(Case.status == CaseStatus.INCIDENT))
    if incidents:
        problems.append(f"{incidents} 个案件处于流程异常")
    overdue = session.scalar(select(func.count()).select_from(Timer).where(Timer.due_at <= clock.now()))
    if overdue:
        problems.append(f"{overdue} 个已到期的定时器未触发")
    active = select(Case.id).where(Case.status == CaseStatus.ACTIVE)
    waiting = select(HumanTask.case_id).where(HumanTask.state == TaskState.OPEN)
    idle = session.scalar(select(func.count()).select_from(Case).where(
        Case.id.in_(active), ~Case.id.in_(waiting), ~Case.id.in_(select(Timer.case_id))))
    if idle:
        problems.append(f"{idle} 个办理中的案件既无待办任务也无定时器")
    stale = session.scalars(select(HumanTask.spec_name).where(
        HumanTask.state == TaskState.OPEN, HumanTask.spec_name != "notice_objection",
        HumanTask.created_at < clock.now() - timedelta(days=STALE_TASK_DAYS))).all()
    if stale:
        problems.append(f"{len(stale)} 个待办任务超过 {STALE_TASK_DAYS} 天无人办理（{'、'.join(sorted(set(stale)))}）")
    return problems


def register(session, kept, first, last, today):
    problems = []
    for year in range(first.year, last.year + 1):
        months = money_report(session, Period(year, None), today).months.lines
        for line in months:
            key = (year, line.month)
            if key in kept.month_ends and kept.month_ends[key] != line.at_end:
                problems.append(f"{year}年{line.month}月末在档：报表 {line.at_end} 户，模拟记数 {kept.month_ends[key]} 户")
    filed = session.scalar(select(func.count()).select_from(Household).where(Household.status == HouseholdStatus.FILED))
    if filed != kept.register:
        problems.append(f"当前在档 {filed} 户，模拟记数 {kept.register} 户")
    closed = (HouseholdStatus.OUT_OF_HARDSHIP, HouseholdStatus.RELIEVED, HouseholdStatus.EXITED)
    unexplained = session.scalar(select(func.count()).select_from(Household).where(
        Household.status.in_(closed), (Household.exit_reason.is_(None)) | (Household.closed_on.is_(None))))
    if unexplained:
        problems.append(f"{unexplained} 户退出档案缺少退出原因或日期")
    for case_id, old in kept.returns.items():
        household_id = session.scalar(select(Case.household_id).where(Case.id == case_id))
        household = session.get(Household, household_id) if household_id else None
        if household is None or household.previous_household_id != old:
            problems.append(f"返困再申报的案件 {case_id} 没有链接到原档案 {old}")
    return problems


def audit(engine):
    """`bangfu audit verify` over the whole log, on a connection of its own (outside any command)."""
    with engine.connect() as connection:
        verdict = verify_chain(connection)
    return [f"审计日志：{verdict.broken.message}（此前 {verdict.count} 条完好）"] if verdict.broken else []
