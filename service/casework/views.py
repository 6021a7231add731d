"""What the API answers and the pages show, built once for both.

A view is a domain object plus what one response adds to it, masked for the caller: the API dumps it
with a marshmallow schema, a page renders it with a template. Neither builds its own.
"""
import functools
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import object_session

from .. import wording
from ..access import may_act_on
from ..cases.models import STATUS_LABELS, CaseStatus
from ..cases.operations import get_case, may_withdraw
from .. import audit
from ..cases.privacy import mask, mask_answer, mask_opinion
from ..forms import display, resolve_choices, step_forms, version_documents
from ..households.assessment import CATEGORY_LABELS
from ..households.assessment import DISPLAY_SCHEMA as ASSESSMENT_DISPLAY
from ..households import review_rules
from ..people.delegations import delegator_ids
from ..people.models import Organisation
from ..people.roles import Role
from ..money import case_payment, programme_rules
from ..scheduler.models import Timer
from ..tasks import operations as tasks
from ..tasks.models import TaskState
from ..tasks.projection import open_rows
from . import facts, queries


class View:
    """A domain object with extra attributes for one response."""

    def __init__(self, _base, **extra):
        self._base = _base
        self.__dict__.update(extra)

    def __getattr__(self, name):
        return getattr(self._base, name)


class CaseDetail(View):
    @functools.cached_property
    def diagram(self):
        """The model with the steps done and the steps open now, for the bpmn-js viewer."""
        done, current = self.instance.element_states()
        return {"xml": self._base.process_version.bpmn_xml, "completed": done, "current": current}


def case_filters(args):
    """The filters of parsed case-list arguments (CaseQuerySchema), without the paging."""
    return {k: v for k, v in args.items() if k not in ("page", "page_size")}


def case_page(session, user, args):
    """A page of the cases the user may read, each with its open tasks."""
    filters = case_filters(args)
    items, total = queries.list_cases(session, user, filters, args["page"], args["page_size"])
    ids = [case.id for case in items]
    open_tasks = queries.open_tasks_by_case(session, ids)
    returned = queries.returned_for_correction(session, ids)
    return {"items": [View(case, open_tasks=open_tasks.get(case.id, []), returned_for_correction=case.id in returned)
                      for case in items], "total": total,
            "page": args["page"], "page_size": args["page_size"], "filters": filters}


def case_detail(session, services, user, case_id=None, case=None):
    """One case with its data masked for the user's role, its open tasks and its history."""
    case = case if case is not None else get_case(session, user, case_id)
    audit.viewing("case", case.id, case.household_id)
    instance = services.store.load(case)
    schemas = {step: schema for step, (schema, _) in step_forms(case.process_version).items()}
    history = [View(event, opinion=mask_opinion(event.opinion, user.roles, schemas.get(event.task_name)))
               for event in queries.case_history(session, case.id)]
    open_tasks = open_rows(session, case.id)
    # An open case with no step open waits on a timer (公示期满, the 防返困 follow-up months away): say which.
    waiting = session.get(Timer, case.id) if case.status == CaseStatus.ACTIVE and not open_tasks else None
    return CaseDetail(case, instance=instance, open_tasks=open_tasks, waiting=waiting,
                      history=history, data=mask(instance.data, user.roles, schemas),
                      withdrawable=may_withdraw(user, case),
                      returned_for_correction=case.id in queries.returned_for_correction(session, [case.id]))


PREFILL = "prefill"  # a user task's model property: "lastRound" offers its last answer when it comes round again
LAST_ROUND = "lastRound"


def task_detail(session, services, user, task_id):
    """A task with its form, the values it offers, the case so far and each earlier round of every step."""
    task = tasks.get_task(session, user, task_id)
    detail = case_detail(session, services, user, case=task.case)
    form = tasks.task_form(session, task)
    rounds = _rounds(session, detail.instance, task, user.roles)
    this_round = sum(step["task"].spec_name == task.spec_name for step in rounds) + 1 \
        if task.state in (TaskState.OPEN, TaskState.COMPLETED) else None
    bank_payment = case_payment.bank_payment(session, task)  # the bank's result completes it, never a form
    holders = {None, user.id} | (delegator_ids(session, user) if task.assignee_id not in (None, user.id) else set())
    editable = task.state == TaskState.OPEN and may_act_on(user, task) and task.assignee_id in holders \
        and task.case.status != CaseStatus.INCIDENT and bank_payment is None
    own = _own_data(detail, task, rounds, user.roles)
    return View(task, form={"schema": form.schema if form else None, "ui_schema": form.ui_schema if form else None},
                data=own, rows=None if editable or not form else display.rows(form.schema, form.ui_schema, own),
                context=detail.data, history=detail.history,
                editable=editable, delegated=editable and task.assignee_id not in (None, user.id),
                assessment=assessment(detail.data, task.case), earlier_steps=_with_rows(session, rounds),
                exit_suggestion=review_rules.exit_suggestion(session, task, user.roles),
                household_file=review_rules.household_file(session, task, user.roles),
                panel=facts.task_panel(task.spec_name, task.case, detail.data), round=this_round,
                household_warnings=facts.household_warnings(session, task),
                budget_warnings=programme_rules.budget_warnings(session, task, detail.instance.data)
                if task.state == TaskState.OPEN else [],
                withdrawable=detail.withdrawable, bank_payment=bank_payment,
                beside=_beside(session, task, detail.open_tasks))


def _beside(session, task, open_tasks):
    """The case's other open steps, beside an open task (走访监督 while the visit is still being made): each with
    who holds it (the organisation, or the role) and its due date."""
    if task.state != TaskState.OPEN:
        return []
    others = [t for t in open_tasks if t.id != task.id]
    names = dict(session.execute(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({t.organisation_id for t in others if t.organisation_id}))).all()) if others else {}
    return [View(t, holder=names.get(t.organisation_id) or Role(t.role).label) for t in others]


def _own_data(detail, task, rounds, role):
    """What the task's form shows: a completed task its own answers; an open one what its task data holds
    for it (a draft), except that a step coming round again opens empty unless its model says
    prefill="lastRound" (the declaration, which the union corrects rather than retypes)."""
    instance = detail.instance
    if task.state == TaskState.COMPLETED:
        schema = version_documents(task.case.process_version).get(task.form)
        return mask_answer(instance.submitted(task.spiff_task_id) or {}, role, schema)
    if task.state != TaskState.OPEN:
        return {}
    again = any(step["task"].spec_name == task.spec_name for step in rounds)
    if again and instance.properties(task.spec_name).get(PREFILL) != LAST_ROUND:
        return {}
    return detail.data.get(task.spec_name) or {}


def _rounds(session, instance, task, role):
    """Every completed round of every step, oldest first, each with its form (read-only), its own answers
    (masked for the role) and their key facts; `round` counts the rounds of the same step (第1次, 第2次)
    and `rounds` how many there are, the task's own included. A completed task's page lists the steps
    completed before it, as they stood when it was done: not itself, nor the rounds that came after."""
    documents = version_documents(task.case.process_version)
    rows = queries.completed_tasks(session, task.case_id)
    if task.state == TaskState.COMPLETED and task in rows:
        rows = rows[:rows.index(task)]
    counts, seen = Counter(row.spec_name for row in rows), Counter()
    if task.state in (TaskState.OPEN, TaskState.COMPLETED):
        counts[task.spec_name] += 1
    steps = []
    for row in rows:
        seen[row.spec_name] += 1
        data = mask_answer(instance.submitted(row.spiff_task_id) or {}, role, documents.get(row.form))
        steps.append({"task": row, "schema": documents.get(row.form), "ui_schema": documents.get(row.ui_form),
                      "data": data, "round": seen[row.spec_name], "rounds": counts[row.spec_name],
                      "facts": facts.step_facts(row.spec_name, data)})
    return steps


def _with_rows(session, steps):
    """Each earlier step with its data as rows to read (forms/display.py)."""
    for step in steps:
        schema = resolve_choices(session, step["schema"])[0] if step["schema"] else None
        step["rows"] = display.rows(schema, step["ui_schema"], step["data"])
    return steps


def data_sections(session, detail):
    """A case's data (masked as `detail` holds it) as pages show it: each step under its title."""
    return display.sections(session, detail.process_version, detail.data,
                            [("assessment", "系统测算", ASSESSMENT_DISPLAY)])


def assessment(data, case):
    """The system's assessment as the pages show it, with the category 复审 decided once it has."""
    found = data.get("assessment")
    if not found:
        return None
    return {**found, "decided_category": case.category,
            "decided_category_label": CATEGORY_LABELS.get(case.category) if case.category else None}


def inbox(session, user, args):
    """A page of the user's inbox: `mine` true for their claimed tasks, false for those to claim."""
    items, total, exact = tasks.inbox(session, user, args.get("mine"), args["page"], args["page_size"],
                                      step=args.get("step"), text=args.get("text"),
                                      order=args.get("sort") or "due")
    returned = queries.returned_tasks(session, items)
    delegators = delegator_ids(session, user) if any(task.assignee_id not in (None, user.id) for task in items) \
        else set()
    return {"items": [View(task, returned_for_correction=task.id in returned,
                           delegated=task.assignee_id in delegators) for task in items],
            "total": total, "total_exact": exact, "page": args["page"], "page_size": args["page_size"]}


def completion(done):
    """A completed task, where its case stands now, the tasks it opened or left open, and what happened."""
    return View(done.task, case=done.case, next_tasks=done.next_tasks, message=completion_message(done))


def completion_message(done):
    """What the submit did, in words: the next steps, the case paid or ended, or the return for correction."""
    status = done.case.status
    if status == CaseStatus.PAID:
        return "已提交，案件已办结（已发放）"
    if status in (CaseStatus.NOT_ELIGIBLE, CaseStatus.NOT_APPROVED):
        return f"已提交，案件已终止（{STATUS_LABELS[status]}）"
    if status == CaseStatus.COMPLETED:
        return "已提交，案件已办结"
    opened = "、".join(task.title for task in done.opened)
    if done.decision == "return" and any(task.spec_name == "declaration" for task in done.opened):
        return "已提交，已退回申报人补正"
    if done.decision == "return" and opened:
        return f"已提交，已退回补正，转入：{opened}"
    if opened:
        return f"已提交，已转入下一步：{opened}"
    waiting = "、".join(task.title for task in done.next_tasks)
    if waiting:
        return f"已提交，等待其他步骤完成：{waiting}"
    timer = object_session(done.case).get(Timer, done.case.id) if status == CaseStatus.ACTIVE else None
    if timer is not None:  # nothing open: the case waits on a timer (等待两天补充材料) and goes on by itself
        return f"已提交，{wording.waits_for(timer.name)}，{wording.moment(timer.due_at, False)}到期后自动继续"
    return "已提交"

