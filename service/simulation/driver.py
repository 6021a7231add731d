"""The month driver: each simulated day the scheduler ticks (morning and evening) and, on working days, the
centre's users take up the tasks in their inboxes, declare, pay, review and exit, each through the command a
user of that role and organisation would use. Nothing is written to a table here; what the simulation reads
(open tasks, filed households, failed lines) it reads as those users' lists would.

The simulation keeps its own count of the register (a filing adds one, an approved exit takes one away) and
of the links a returning household must carry, so that the end checks can hold the service to them."""
import random
import time as wall
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from .. import calendar, clock
from ..cases.models import Case
from ..casework.commands import complete_task, start_case
from ..config import LOCAL_TIMEZONE
from ..errors import DomainError
from ..households import review as reviews
from ..households.models import Household, HouseholdStatus
from ..money import adjustments, bank, batches, programmes, verification
from ..money.models import AdjustmentList, AdjustmentStatus, LineState, PaymentLine, Programme
from ..money.payment_demo import result_file
from ..money.standards import in_force, item_for
from ..people.models import Organisation, User
from ..process_models.models import ProcessModel, ProcessModelVersion as ProcessVersion
from ..scheduler.tick import tick
from ..services import services
from ..tasks.models import HumanTask, TaskState
from ..unit_of_work import run_in
from . import population
from .people import People, student_of

HARDSHIP = "hardship_assistance"
EXIT_OPINIONS = {"out_of_hardship": "家庭人均收入连续6个月高于低保标准，已脱困", "relieved": "家庭困难已解除",
                 "retired": "职工已退休，转由社区救助", "moved_away": "职工已迁出本市", "died": "职工已去世",
                 "gave_up": "职工本人申请放弃帮扶"}
NOT_BANK_PAID = ("legal", "training", "employment")


@dataclass
class MonthLine:
    year: int
    month: int
    register: int
    opened: int
    closed: int
    paid: Decimal
    failed: int
    seconds: float
    cpu_seconds: float = 0.0  # this process's CPU time (the database's own work on PostgreSQL is not in it)


@dataclass
class Kept:
    """What the simulation itself counted, to hold the service's figures against."""
    register: int = 0
    opening: int = 0  # the register when the replay begins
    month_ends: dict = field(default_factory=dict)  # (year, month) -> register size at the month's end
    returns: dict = field(default_factory=dict)  # case id of a returning worker's declaration -> old household id
    refusals: list = field(default_factory=list)  # (day, what, message): a command the service refused
    incidents: list = field(default_factory=list)
    exits: Counter = field(default_factory=Counter)


class Simulation:
    def __init__(self, app, params, echo=print):
        self.app, self.p, self.echo = app, params, echo
        self.rng = random.Random(params.seed)
        self.people = People(random.Random(params.seed * 7919 + 1))
        self.kept = Kept()
        self.declarations = {}  # case id -> declaration data
        self.plans = defaultdict(dict)  # case id -> what the simulation decided for it
        self.workers = {}  # household id -> (declaration, union code)
        self.waiting_returns = []  # (declaration, union code, old household id) to declare again
        self.months = []
        self.done = set()  # the year's events already done: ("standard", year, month), ("education", year), ...
        self.warmth_stage = {}  # year -> 1 once the festival's cases are started, 2 once the list is signed
        self.at_bank = []  # (batch id, day exported): batches whose result file the bank has still to send
        self.exit_quotas = {}  # year -> [exits still to make, reviews still to conclude] (_review_exits)

    # ------------------------------------------------------------------ running

    def run(self):
        """Prepare, build the opening register, then drive the months; returns the MonthLines."""
        with self.app.app_context():
            self.svc = services()
            start = self.p.start
            opening = date(start.year, start.month, 1) - timedelta(days=75)
            self._at(opening, time(8, 0))
            self._prepare(opening)
            self._opening_register(opening, start)
            day = start
            while day < self.p.end:
                self._month(day)
                day = _next_month(day)
            self._at(self.p.end, time(0, 30))
            tick(self.app)
        return self.months

    def _prepare(self, opening):
        self.do(population.create_people, self.svc, self.p.unions)
        self._load_users()
        last = self.p.end - timedelta(days=1)
        # The years the replay counts working days in: its own, and the next when it runs through December.
        years = range(opening.year, last.year + (2 if last.month == 12 else 1))
        self.do(population.ensure_calendar_years, years, "center1")
        half = date(opening.year, 1 if opening.month < 7 else 7, 1)
        self.do(population.approve_half_year, self.p, half, self.user("center1"), self.user("approver1"))
        nxt = _half_after(half)
        self.do(population.approve_half_year, self.p, nxt, self.user("center1"), self.user("approver1"))
        for year in {opening.year, opening.year + 1}:
            self.do(population.set_budgets, self.user("center1"), year)

    def _load_users(self):
        """The users, loaded in the commands' own session (the audit log names the user a command is given)."""
        users = run_in(self.app, lambda session: session.scalars(select(User).where(User.active.is_(True))).all())
        self.users = {u.username: u for u in users}
        self.by_role = defaultdict(list)
        self.by_org = {}
        for user in sorted(users, key=lambda u: u.username):
            self.by_role[user.role].append(user)
            self.by_org.setdefault((user.role, user.organisation_id), user)
        self.orgs = self.read(lambda s: {o.code: o.id for o in s.scalars(select(Organisation))})
        self.union_codes = population.union_codes(self.p.unions)

    def read(self, query):
        """A read of the simulation's own (open tasks, filed households), in a transaction of its own."""
        return run_in(self.app, query)

    def user(self, username):
        return self.users[username]

    def do(self, command, *args, what=None):
        """Run one command as the service runs it (its own transaction); a refusal is kept, not hidden."""
        try:
            return run_in(self.app, command, *args)
        except DomainError as exc:
            self.kept.refusals.append((clock.today(), what or getattr(command, "__name__", str(command)),
                                       exc.message + "".join(f" {k}: {v}" for k, v in exc.fields.items())))
            return None

    def _at(self, day, at):
        clock.set_to(datetime.combine(day, at, LOCAL_TIMEZONE))

    def _tick(self):
        result = tick(self.app)
        for key, error in result.failures:
            self.kept.refusals.append((clock.today(), f"scheduler {key}", error))

    # ------------------------------------------------------------------ the opening register

    def _opening_register(self, opening, start):
        """The households already on the register when the replay begins: declared over the first weeks before
        it and driven through the whole hardship process, as any case; none refused."""
        day, declared, per_day = opening, 0, -(-self.p.households // 15)
        while day < start:
            count = 0
            if self._working(day):
                count = min(per_day, self.p.households - declared)
                declared += count
            self._day(day, opening=True, declare=count)
            day += timedelta(days=1)
        self.kept.opening = self.kept.register

    # ------------------------------------------------------------------ a month

    def _month(self, first):
        began, cpu = wall.perf_counter(), wall.process_time()
        day = first
        while day.month == first.month:
            self._day(day)
            day += timedelta(days=1)
        self.kept.month_ends[(first.year, first.month)] = self.kept.register
        seconds = wall.perf_counter() - began
        line = self._month_line(first, seconds)
        line.cpu_seconds = wall.process_time() - cpu
        self.months.append(line)
        self.echo(f"{first.year}-{first.month:02d}  在档 {line.register:4d} 户  新开案件 {line.opened:4d}  "
                  f"办结 {line.closed:4d}  发放 ¥{line.paid:>12,.2f}  转账失败 {line.failed:3d}  "
                  f"用时 {seconds:6.1f} s（CPU {line.cpu_seconds:5.1f} s）")

    def _day(self, day, opening=False, declare=None):
        self._at(day, time(8, 30))
        self._tick()
        if self._working(day):
            self._at(day, time(10, 0))
            self._work(day, opening, declare)
        self._at(day, time(20, 0))
        self._tick()

    def _work(self, day, opening, declare):
        working = self._working_days(day)
        index = working.index(day)
        if not opening:
            self._yearly(day)
        self._bank_results(day)
        if index == 0:
            self._adjustments()
            self._build_batch(day)
        if index == 4:
            self._verify_accounts()
        count = declare if declare is not None else self._poisson(self.p.declarations_per_month / len(working))
        union_codes = self.union_codes
        for _ in range(count):
            code = self.rng.choice(union_codes)
            self._declare(self.people.declaration(population.employer_of(code)), code)
        if not opening:
            while self.waiting_returns:
                declaration, code, old = self.waiting_returns.pop()
                case = self._declare(declaration, code)
                if case is not None:
                    self.kept.returns[case] = old
            if self.rng.random() < self.p.exits_any_time_per_month / len(working):
                self._exit_any_time()
        self._take_up_tasks(day, opening)

    def _working(self, day):
        known = self.__dict__.setdefault("_working_cache", {})
        if day not in known:
            known[day] = self.read(lambda s: calendar.current(s).is_working_day(day))
        return known[day]

    def _working_days(self, day):
        first = date(day.year, day.month, 1)
        return [first + timedelta(days=n) for n in range(31) if (first + timedelta(days=n)).month == day.month
                and self._working(first + timedelta(days=n))]

    def _poisson(self, mean):
        count, threshold, product = 0, pow(2.718281828459045, -mean), self.rng.random()
        while product > threshold:
            count += 1
            product *= self.rng.random()
        return count

    # ------------------------------------------------------------------ the year's events

    def _yearly(self, day):
        centre, approver = self.user("center1"), self.user("approver1")
        if day.month in (6, 12) and day.day >= 10 and ("standard", day.year, day.month) not in self.done:
            self.done.add(("standard", day.year, day.month))
            following = date(day.year, 7, 1) if day.month == 6 else date(day.year + 1, 1, 1)
            self.do(population.approve_half_year, self.p, following, centre, approver)
            if day.month == 12:
                self.do(population.set_budgets, centre, day.year + 1)
        festival = population.SPRING_FESTIVAL.get(day.year)
        if festival and festival - timedelta(days=21) <= day < festival:
            stage = self.warmth_stage.get(day.year, 0)
            if stage == 0:
                self.do(programmes.start_warmth, self.svc, centre, day.year, "spring")
                self.warmth_stage[day.year] = 1
            elif stage == 1:
                self._warmth_list(day.year)
                self.warmth_stage[day.year] = 2
        if day.month == 9 and day.day >= 5 and ("education", day.year) not in self.done:
            self.done.add(("education", day.year))
            self._education(day.year)

    def _warmth_list(self, year):
        """The approver refuses the few households the centre will not visit, one by one, then signs the list."""
        approver = self.user("approver2")
        ids = self.read(lambda s: s.scalars(select(HumanTask.id).join(Case, Case.id == HumanTask.case_id).where(
            Case.reference.like(f"WM{year}%"), HumanTask.state == TaskState.OPEN,
            HumanTask.spec_name == "warmth_approval").order_by(HumanTask.id)).all())
        for task_id in ids:
            if self.rng.random() < self.p.warmth_refused:
                self.do(complete_task, self.svc, approver, task_id,
                        {"decision": "reject", "opinion": "该户已享受其他慰问，本次不重复慰问"})
        self.do(programmes.approve_warmth, self.svc, approver, year, "spring")
        # Paid before the festival in a batch of its own (a household whose January review ends in 退出 a few
        # days later still gets what it was approved: the bank has the line, as for any exported batch).
        self._build_batch(clock.today(), Programme.WARMTH, "送温暖")

    def _education(self, year):
        """金秋助学: the union applies for a household's student of age (the centre reviews, an approver approves)."""
        filed = self.read(lambda s: s.execute(select(Household.id, Household.organisation_id).where(
            Household.status == HouseholdStatus.FILED).order_by(Household.id)).all())
        for household_id, org_id in filed:
            declaration = self.workers.get(household_id, (None,))[0]
            if declaration is None or self.rng.random() >= self.p.education_share:
                continue
            student, level = student_of(declaration, year)
            if student is None:
                continue
            union = self.by_org[("grassroots_union", org_id)]
            case = self.do(programmes.apply, self.svc, union, household_id, programmes.EDUCATION)
            if case is not None:
                self.plans[case.id]["education"] = {
                    "student_name": student["name"], "id_number": student["id_number"], "school_level": level,
                    "school_name": "苏州大学" if level == "university" else "张家港市梁丰高级中学",
                    "school_year": f"{year}-{year + 1}"}

    def _exit_any_time(self):
        filed = self.read(lambda s: s.scalars(select(Household.id).where(Household.status == HouseholdStatus.FILED)
                                              .order_by(Household.id)).all())
        if not filed:
            return
        reason = self._choice(self.p.exit_reasons)
        case = self.do(reviews.start_household_exit, self.svc, self.user("center1"), self.rng.choice(filed),
                       what="start_household_exit")
        if case is not None:
            self.plans[case.id]["exit_reason"] = reason

    # ------------------------------------------------------------------ declarations

    def _declare(self, declaration, code):
        union = self.by_org[("grassroots_union", self.orgs[code])]
        case = self.do(start_case, self.svc, union, HARDSHIP)
        if case is None:
            return None
        self.declarations[case.id] = (declaration, code)
        self.plans[case.id]["category"] = self._choice(self.p.categories)
        return case.id

    # ------------------------------------------------------------------ money

    def _adjustments(self):
        """The half-year's list (made by the scheduler on the 1st): the centre submits it, an approver decides."""
        lists = self.read(lambda s: s.execute(select(AdjustmentList.id, AdjustmentList.status).where(
            AdjustmentList.status.in_((AdjustmentStatus.DRAFT, AdjustmentStatus.SUBMITTED)))).all())
        for list_id, status in lists:
            if status == AdjustmentStatus.DRAFT:
                self.do(adjustments.submit, self.user("center1"), list_id)
            self.do(adjustments.decide, self.user("approver2"), list_id)

    def _build_batch(self, day, programme=None, note="每月代发"):
        """Finance builds a batch (the month's, on its first working day, or a programme's), the second finance
        user approves it and it is exported; the bank's result file comes the next working day."""
        built = self.do(batches.build_batch, self.user("finance1"), None, programme, note)
        if built is None or built.batch is None:
            return
        self.do(batches.approve_batch, self.user("finance2"), built.batch.id)
        self.do(bank.export_batch, self.user("finance2"), built.batch.id, "csv", "generic")
        self.at_bank.append((built.batch.id, day))

    def _bank_results(self, day):
        """The result files of the batches exported on an earlier working day."""
        due = [batch_id for batch_id, built in self.at_bank if built < day]
        self.at_bank = [(batch_id, built) for batch_id, built in self.at_bank if built >= day]
        for batch_id in due:
            self._bank_result(batch_id)

    def _bank_result(self, batch_id):
        lines = self.read(lambda s: s.execute(select(PaymentLine.reference, PaymentLine.amount).where(
            PaymentLine.batch_id == batch_id, PaymentLine.state == LineState.PENDING)
            .order_by(PaymentLine.sequence)).all())
        rows = [(ref, amount, self.rng.random() >= self.p.failed_transfers, None) for ref, amount in lines]
        rows = [(ref, amount, paid, None if paid else self.rng.choice(["账户已销户", "户名与账号不符", "账户冻结"]))
                for ref, amount, paid, _ in rows]
        self.do(bank.import_results, self.svc, self.user("finance1"), batch_id, result_file(rows),
                f"回盘{clock.today():%Y%m%d}-{batch_id}.csv")

    def _verify_accounts(self):
        """The centre checks each failed transfer's account with the worker; the instalment is paid next month."""
        centre = self.user("center1")
        failed = self.do(lambda session: [(line.id, household.worker_name) for line, _, household in
                                          verification.failed_lines(session, centre)], what="failed_lines") or []
        for line_id, name in failed:
            check = verification.AccountCheck(line_id, "中国工商银行张家港支行", self.people.card(), name, "phone",
                                              "电话核实，职工提供新开立的本人账户")
            self.do(verification.verify_account, centre, check)

    # ------------------------------------------------------------------ tasks

    def _open_tasks(self):
        return self.read(lambda s: s.execute(
            select(HumanTask.id, HumanTask.spec_name, HumanTask.role, HumanTask.created_at, Case.id,
                   Case.organisation_id, Case.third_party_org_id, Case.household_id, ProcessModel.key)
            .join(Case, Case.id == HumanTask.case_id)
            .join(ProcessVersion, ProcessVersion.id == Case.process_version_id)
            .join(ProcessModel, ProcessModel.id == ProcessVersion.process_model_id)
            .where(HumanTask.state == TaskState.OPEN).order_by(HumanTask.id)).all())

    def _take_up_tasks(self, day, opening):
        self.left_today = set()  # households whose exit was approved during this pass: their other cases ended
        moved = set()  # cases a task was completed in during this pass: their other open tasks may have changed
        for row in self._open_tasks():
            task_id, step, role, created_at, case_id, org_id, third_party_id, household_id, process = row
            if clock.local_date(created_at) >= day or household_id in self.left_today or case_id in moved:
                continue  # arrived today (taken up from tomorrow), ended with its household's exit just now, or
                # beside a task of its case just completed (an oversight's irregularity withdraws the 复审): tomorrow
            if random.Random(task_id * 1000003 + day.toordinal() + self.p.seed).random() >= self.p.act_chance:
                continue
            answer = self._answer(step, process, case_id, household_id, day, opening)
            if answer is None:
                continue
            user = self._user_for(role, org_id, third_party_id)
            done = self.do(complete_task, self.svc, user, task_id, answer, what=f"{process}.{step}")
            moved.add(case_id)
            if done is None:
                continue
            if done.incident:
                self.kept.incidents.append((day, case_id, done.incident))
                continue
            self._after(step, case_id, household_id, answer)

    def _user_for(self, role, org_id, third_party_id):
        if role == "grassroots_union":
            return self.by_org[(role, org_id)]
        if role == "third_party":
            return self.by_org[(role, third_party_id)]
        return self.by_role[role][0]

    def _after(self, step, case_id, household_id, answer):
        """What the simulation counts: a filing, an approved exit, a follow-up that found the family in need."""
        if step == "declaration" and case_id in self.declarations:
            household = self.read(lambda s: s.scalar(select(Case.household_id).where(Case.id == case_id)))
            self.workers[household] = self.declarations[case_id]
        elif step == "open_file":
            self.kept.register += 1
        elif step == "exit_approval" and answer["decision"] == "approve":
            self.kept.register -= 1
            self.left_today.add(household_id)
            self.kept.exits[self.plans[case_id].get("exit_reason", "?")] += 1
        elif step == "follow_up_visit" and answer["returned_to_hardship"]:
            declaration, code = self.workers[household_id]
            self.waiting_returns.append((declaration, code, household_id))

    def _answer(self, step, process, case_id, household_id, day, opening):
        """The form a user of the step's lane submits, or None to leave the task open today."""
        plan, rng, p = self.plans[case_id], self.rng, self.p
        today = day.isoformat()
        if step == "declaration":
            return self.declarations[case_id][0] if case_id in self.declarations else None
        if step == "preliminary_review":
            draw = rng.random()
            if not opening and draw < p.not_eligible:
                return {"decision": "reject", "opinion": "家庭人均收入高于认定标准，不符合困难职工家庭条件"}
            if draw < p.not_eligible + p.returned_for_correction and not plan.get("returned"):
                plan["returned"] = True
                return {"decision": "return", "opinion": "请补充家庭成员收入证明和医疗费用票据"}
            return {"decision": "approve", "opinion": "材料齐全，情况属实"}
        if step == "assign_third_party":
            code = "TP-SUNSHINE" if case_id % 2 else "TP-HEART"
            return {"third_party_org": code, "visit_due_date": (day + timedelta(days=14)).isoformat()}
        if step == "household_visit":
            income = self.declarations[case_id][0]["monthly_household_income"]
            return {"visit_date": today, "visitors": ["周敏", "钱进"], "household_present": True,
                    "checks": {"household_register": True, "tax": True, "social_insurance": True,
                               "property": True, "vehicles": True},
                    "verified_monthly_household_income": income, "findings": "入户核实，情况属实",
                    "applicant_signed": True, "investigators_signed": True}
        if step == "visit_oversight":
            if rng.random() < p.irregular_visits and not plan.get("irregular"):
                plan["irregular"] = True
                return {"decision": "return", "opinion": "走访记录缺少邻里访谈，程序不完整"}
            return {"decision": "approve", "opinion": "程序规范"}
        if step == "answer_irregularity":
            return {"response": "已补充邻里访谈记录", "corrective_action": "走访人员重新培训，补齐访谈记录"}
        if step == "supervise_visit":
            return {"opinion": "请第三方组织尽快完成入户走访"}
        if step == "re_review":
            if not opening and rng.random() < p.re_review_refused:
                return {"decision": "reject", "opinion": "经复核家庭有经营性收入，不符合条件"}
            return {"decision": "approve", "category": plan["category"], "opinion": "符合困难职工家庭认定条件"}
        if step == "public_notice":
            plan["objection"] = not opening and rng.random() < p.objections and not plan.get("objected")
            return {"notice_start": today, "notice_place": "单位公告栏"}
        if step == "notice_objection":
            if not plan.get("objection"):
                return None  # no objection: the notice's timer moves the case on
            plan["objection"], plan["objected"] = False, True
            upheld = rng.random() < p.objection_upheld
            return {"received_on": today, "channel": "letter", "content": "反映该户家庭收入情况与申报不符",
                    "finding": "经核查属实" if upheld else "经核查，反映情况不属实",
                    "decision": "upheld" if upheld else "not_upheld"}
        if step == "open_file":
            if rng.random() < p.living_aid_share:
                plan["aid"], plan["amount"] = "living", self._living_cap(plan["category"], day)
                return {"aid_type": "living", "proposed_amount": plan["amount"], "proposal_notes": "生活救助（每月）"}
            plan["aid"], plan["amount"] = rng.choice(NOT_BANK_PAID), 0
            return {"aid_type": plan["aid"], "proposed_amount": 0, "proposal_notes": "非资金帮扶"}
        if step == "approval":
            return {"decision": "approve", "approved_amount": plan["amount"], "opinion": "同意"}
        if step == "payment":
            if plan.get("aid") in NOT_BANK_PAID:
                return {"paid_amount": 0, "paid_on": today, "bank_reference": "非资金帮扶"}
            return None  # the bank's result completes it
        if step == "assign_review_visit":
            if rng.random() < 0.8:
                return {"visit_by": "third_party", "third_party_org": rng.choice(["TP-SUNSHINE", "TP-HEART"])}
            return {"visit_by": "center"}
        if step in ("review_visit_center", "review_visit_third_party"):
            declaration = self.workers.get(household_id, ({"monthly_household_income": 2000},))[0]
            return {"visit_date": today, "visitors": ["周敏", "钱进"], "household_size": 3,
                    "verified_monthly_household_income": declaration["monthly_household_income"],
                    "findings": "年度复核入户走访，家庭情况已核实", "applicant_signed": True,
                    "investigators_signed": True}
        if step == "review_conclusion":
            if self._review_exits(day.year):
                reason = plan["exit_reason"] = self._choice(p.exit_reasons)
                return {"decision": "exit", "exit_reason": reason, "opinion": EXIT_OPINIONS[reason]}
            category = self.read(lambda s: s.scalar(select(Household.category).where(Household.id == household_id)))
            return {"decision": "stay", "category": category or "relative", "opinion": "家庭仍然困难，继续在档"}
        if step == "exit_request":
            reason = plan.setdefault("exit_reason", "out_of_hardship")
            return {"exit_reason": reason, "opinion": EXIT_OPINIONS[reason]}
        if step == "exit_approval":
            return {"decision": "approve", "opinion": "同意退出"}
        if step == "follow_up_visit":
            return {"visit_date": today, "situation": "回访了解家庭近况",
                    "returned_to_hardship": rng.random() < p.return_to_hardship}
        if step in ("application", "application_centre"):
            return plan.get("education")
        if step == "programme_review":
            return {"decision": "pass", "opinion": "材料齐全，符合标准"}
        if step == "programme_approval":
            return {"decision": "approve", "opinion": "同意"}
        return None  # 送温暖审批: the approver signs the festival's list as a whole

    def _review_exits(self, year):
        """Whether this January review concludes 退出. The year's review takes out `annual_exit_rate` of the opening
        register, however small the register has become (it falls in a straight line, as the seed's 923 → 160 in
        five years), never more than it reviews: each conclusion exits with the chance of the exits still to make
        among the reviews still to conclude, so the year's count is that, and which households leave is random."""
        quotas = self.exit_quotas
        if year not in quotas:
            reviews = self.read(lambda s: s.scalar(select(func.count()).select_from(Case).where(
                Case.review_year == year, Case.household_id.is_not(None))))
            quotas[year] = [round(self.p.annual_exit_rate * self.kept.opening), max(1, reviews)]
        quota = quotas[year]
        leaves = self.rng.random() * quota[1] < quota[0]
        quota[0] -= leaves
        quota[1] = max(1, quota[1] - 1)
        return leaves

    def _living_cap(self, category, day):
        def cap(session):
            standard = in_force(session, day)
            item = item_for(standard, "living", category) if standard else None
            return int(item.amount) if item else 0
        return self.read(cap)

    def _choice(self, weights):
        keys = list(weights)
        return self.rng.choices(keys, [weights[k] for k in keys])[0]

    # ------------------------------------------------------------------ the month's line

    def _month_line(self, first, seconds):
        start = datetime.combine(first, time(0), LOCAL_TIMEZONE)
        end = datetime.combine(_next_month(first), time(0), LOCAL_TIMEZONE)
        return self.read(lambda s: self._month_figures(s, first, start, end, seconds))

    def _month_figures(self, s, first, start, end, seconds):
        opened = s.scalar(select(func.count()).select_from(Case).where(Case.created_at >= start,
                                                                          Case.created_at < end))
        closed = s.scalar(select(func.count()).select_from(Case).where(Case.closed_at >= start, Case.closed_at < end))
        month_lines = (PaymentLine.settled_on >= first, PaymentLine.settled_on < _next_month(first))
        paid = s.scalar(select(func.coalesce(func.sum(PaymentLine.amount), 0)).where(
            PaymentLine.state == LineState.PAID, *month_lines))
        failed = s.scalar(select(func.count()).select_from(PaymentLine).where(
            PaymentLine.state == LineState.FAILED, *month_lines))
        return MonthLine(first.year, first.month, self.kept.register, opened, closed, Decimal(paid), failed, seconds)


def _next_month(day):
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _half_after(start):
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)
