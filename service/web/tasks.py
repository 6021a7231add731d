"""The task page: the form of the step, with everything earlier steps gathered shown read-only above it;
and declaring a new household."""
import json

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from .. import db
from ..cases.access import can_act_on, ensure_can_start
from ..cases.operations import case_detail, start_case
from ..cases.privacy import mask
from ..errors import DomainError, ValidationFailed
from ..forms import version_documents
from ..instances.store import run_command
from ..services import services
from ..tasks import operations as ops
from ..tasks.models import HumanTask
from . import pages
from .auth import login_required, page_user


def _earlier_steps(session, task, data):
    """Completed steps of the case, oldest first, each with its form (read-only) and what was entered."""
    documents = version_documents(task.case.process_version)
    done = session.scalars(select(HumanTask).where(HumanTask.case_id == task.case_id,
                                                   HumanTask.state == "completed")
                           .order_by(HumanTask.completed_at, HumanTask.id)).all()
    latest = {}
    for row in done:
        latest[row.spec_name] = row  # a step done twice (after a return) shows its latest round
    return [{"task": row, "schema": documents.get(row.form), "ui_schema": documents.get(row.ui_form),
             "data": data.get(row.spec_name) or {}} for row in latest.values()]


def _render(task, form_data=None, errors=None, status=200):
    session = db.session()
    user = page_user()
    instance, _, events = case_detail(session, services(), task.case)
    masked = mask(instance.data, user.role)
    form = ops.task_form(session, task)
    editable = task.state == "open" and can_act_on(user, task) and task.assignee_id in (None, user.id)
    widget = {"schema": form.schema if form else {}, "uiSchema": form.ui_schema or {} if form else {},
              "formData": form_data if form_data is not None else (masked.get(task.spec_name) or {}),
              "errors": errors or {}, "readonly": not editable, "inputName": "data"}
    return render_template("task.html", task=task, widget=widget, editable=editable,
                           earlier=_earlier_steps(session, task, masked), events=events,
                           assessment=masked.get("assessment")), status


@pages.get("/tasks/<id:task_id>")
@login_required
def task_page(task_id):
    try:
        task = ops.get_task(db.session(), page_user(), task_id)
    except DomainError as exc:
        abort(exc.status)
    return _render(task)


@pages.post("/tasks/<id:task_id>")
@login_required
def submit_task(task_id):
    user = page_user()
    try:
        form_data = json.loads(request.form.get("data") or "null")
    except ValueError:
        form_data = None
    try:
        run_command(lambda session: ops.complete(session, services(), user, task_id, form_data))
    except ValidationFailed as exc:
        db.session().rollback()
        task = ops.get_task(db.session(), user, task_id)
        flash(exc.message, "error")
        return _render(task, form_data if isinstance(form_data, dict) else {}, exc.fields, 422)
    except DomainError as exc:
        db.session().rollback()
        flash(exc.message, "error")
        return redirect(url_for("pages.inbox"))
    flash("已提交，案件已转入下一步", "success")
    return redirect(url_for("pages.inbox"))


@pages.route("/cases/new", methods=["GET", "POST"])
@login_required
def declare():
    user = page_user()
    try:
        ensure_can_start(user)
    except DomainError as exc:
        abort(exc.status)
    if request.method == "GET":
        return render_template("declare.html")
    session = db.session()
    case = start_case(session, services(), user, request.form.get("process") or "hardship_assistance")
    session.commit()
    first = session.scalars(select(HumanTask).where(HumanTask.case_id == case.id, HumanTask.state == "open")
                            .order_by(HumanTask.id)).first()
    flash(f"已创建案件 {case.reference}，请填写申报表", "success")
    return redirect(url_for("pages.task_page", task_id=first.id) if first else url_for("pages.inbox"))
