"""The task page: the form of the step, with everything earlier steps gathered shown read-only above it;
declaring a new household, and withdrawing a declaration never submitted."""

from flask import flash, redirect, render_template, request, url_for

from .. import db
from ..access import Action, ensure
from ..api import loads
from ..casework import commands, views
from ..errors import DomainError, ValidationFailed
from ..people.operations import reassign_candidates
from ..people.roles import Role
from ..services import services
from ..tasks.models import TaskState
from ..tasks.projection import open_rows
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user


def _render(task_id, form_data=None, errors=None, status=200):
    user = page_user()
    detail = views.task_detail(db.session(), services(), user, task_id)
    widget = {"schema": detail.form["schema"] or {}, "uiSchema": detail.form["ui_schema"] or {},
              "formData": form_data if form_data is not None else detail.data,
              "errors": errors or {}, "readonly": not detail.editable, "inputName": "data"}
    return render_template("task.html", task=detail, widget=widget, reassign_to=_reassign_candidates(user, detail)), \
        status


def _reassign_candidates(user, task):
    """Whom the centre head may give a claimed open task to (改派); None when the page offers no 改派."""
    if Role.CENTRE_HEAD not in user.roles or task.state != TaskState.OPEN or task.assignee_id is None:
        return None
    return reassign_candidates(db.session(), task)


@pages.post("/tasks/<id:task_id>/reassign")
@login_required
def reassign(task_id):
    username = request.form.get("username") or ""
    try:
        task = run(commands.reassign_task, page_user(), task_id, username)
        flash(f"已改派给 {task.assignee.display_name}", "success")
    except DomainError as exc:
        flash(f"改派未成功：{exc.message}", "error")
    return redirect(url_for("pages.task_page", task_id=task_id))


@pages.get("/tasks/<id:task_id>")
@login_required
def task_page(task_id):
    return _render(task_id)


@pages.post("/tasks/<id:task_id>")
@login_required
def submit_task(task_id):
    try:
        form_data = loads(request.form.get("data") or "null")
    except ValueError:  # not JSON, or not JSON the service can store (api.BodyNotJson)
        form_data = None
    try:
        done = run(commands.complete_task, services(), page_user(), task_id, form_data)
    except DomainError as exc:
        flash(exc.message, "error")
        if isinstance(exc, ValidationFailed) or any(key.startswith("data.") for key in exc.fields):
            # A refusal about the form's own fields (the worker already has a file: 409) comes back beside
            # them, with everything typed kept.
            return _render(task_id, form_data if isinstance(form_data, dict) else {}, exc.fields,
                           422 if isinstance(exc, ValidationFailed) else exc.status)
        return redirect(url_for("pages.inbox"))
    if done.incident:
        flash(f"{commands.INCIDENT_MESSAGE}（{done.incident}）", "error")
    else:
        flash(views.completion_message(done), "success")
    return redirect(url_for("pages.inbox"))


@pages.route("/cases/new", methods=["GET", "POST"])
@login_required
def declare():
    user = ensure(page_user(), Action.START_CASE)
    if request.method == "GET":
        return render_template("declare.html")
    case = run(commands.start_case, services(), user, request.form.get("process") or "hardship_assistance")
    first = open_rows(db.session(), case.id)
    flash(f"已创建案件 {case.reference}，请填写申报表", "success")
    return redirect(url_for("pages.task_page", task_id=first[0].id) if first else url_for("pages.inbox"))


@pages.post("/cases/<id:case_id>/withdraw")
@login_required
def withdraw(case_id):
    try:
        case = run(commands.withdraw_case, services(), page_user(), case_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.inbox"))
    flash(f"已撤回申报 {case.reference}，它不再出现在待办和案件列表中", "success")
    return redirect(url_for("pages.inbox"))
