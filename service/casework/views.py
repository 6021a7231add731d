"""What the API answers and the pages show, built once for both.

A view is a domain object plus what one response adds to it, masked for the caller: the API dumps it
with a marshmallow schema, a page renders it with a template. Neither builds its own.
"""
import functools

from ..access import may_act_on
from ..cases.models import CaseStatus
from ..cases.operations import get_case, may_withdraw
from ..cases.privacy import mask
from ..forms import version_documents
from ..tasks import operations as tasks
from ..tasks.models import TaskState
from ..tasks.projection import open_rows
from . import queries


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
    instance = services.store.load(case)
    return CaseDetail(case, instance=instance, open_tasks=open_rows(session, case.id),
                      history=queries.case_history(session, case.id), data=mask(instance.data, user.role),
                      withdrawable=may_withdraw(user, case),
                      returned_for_correction=case.id in queries.returned_for_correction(session, [case.id]))


def task_detail(session, services, user, task_id):
    """A task with its form, the values it offers, the case so far and the steps before it."""
    task = tasks.get_task(session, user, task_id)
    detail = case_detail(session, services, user, case=task.case)
    form = tasks.task_form(session, task)
    own = detail.data.get(task.spec_name) or {} if task.state == TaskState.OPEN else {}
    editable = task.state == TaskState.OPEN and may_act_on(user, task) and task.assignee_id in (None, user.id) \
        and task.case.status != CaseStatus.INCIDENT
    return View(task, form={"schema": form.schema if form else None, "ui_schema": form.ui_schema if form else None},
                data=own, context=detail.data, history=detail.history, editable=editable,
                assessment=detail.data.get("assessment"), withdrawable=detail.withdrawable,
                earlier_steps=_earlier_steps(session, task, detail.data))


def _earlier_steps(session, task, data):
    """Completed steps of the case, oldest first, each with its form (read-only) and what was entered."""
    documents = version_documents(task.case.process_version)
    latest = {}
    for row in queries.completed_tasks(session, task.case_id):
        latest[row.spec_name] = row  # a step done twice (after a return) shows its latest round
    return [{"task": row, "schema": documents.get(row.form), "ui_schema": documents.get(row.ui_form),
             "data": data.get(row.spec_name) or {}} for row in latest.values()]


def inbox(session, user, args):
    """A page of the user's inbox: `mine` true for their claimed tasks, false for those to claim."""
    items, total, exact = tasks.inbox(session, user, args.get("mine"), args["page"], args["page_size"],
                                      step=args.get("step"), text=args.get("text"),
                                      newest_first=args.get("sort") == "newest")
    returned = queries.returned_for_correction(session, list({task.case_id for task in items}))
    return {"items": [View(task, returned_for_correction=task.case_id in returned) for task in items],
            "total": total, "total_exact": exact, "page": args["page"], "page_size": args["page_size"]}


def completion(done):
    """A completed task, where its case stands now, and the tasks it opened or left open."""
    return View(done.task, case=done.case, next_tasks=done.next_tasks)
