"""The inbox page: my tasks and tasks to claim, with claim and unclaim in one click."""
from flask import flash, redirect, render_template, request, url_for

from .. import clock, db
from ..casework import commands, views
from ..errors import DomainError
from ..people import delegations
from ..process_models.operations import process_steps
from ..tasks.schemas import TaskQuerySchema
from ..unit_of_work import run
from . import page_args, pages
from .auth import login_required, page_user, safe_next


@pages.get("/inbox")
@login_required
def inbox():
    user = page_user()
    session = db.session()
    args = page_args(TaskQuerySchema())
    mine = views.inbox(session, user, {**args, "mine": True, "page": 1})
    waiting = views.inbox(session, user, {**args, "mine": False})
    steps = dict(step for role in sorted(user.roles) for step in process_steps(session, role))
    given, received = delegations.of_user(session, user)
    return render_template("inbox.html", mine=mine, waiting=waiting, args=args, steps=list(steps.items()),
                           given=given, received=received, colleagues=delegations.colleagues(session, user),
                           today=clock.today(), delegation_status=delegations.status)


@pages.post("/tasks/<id:task_id>/claim")
@login_required
def claim(task_id):
    return _command(commands.claim_task, task_id, "已认领，可以开始办理")


@pages.post("/tasks/<id:task_id>/unclaim")
@login_required
def unclaim(task_id):
    return _command(commands.release_task, task_id, "已退回任务池")


def _command(command, task_id, done_message):
    try:
        run(command, page_user(), task_id)
        flash(done_message, "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(safe_next(request.form.get("next"), url_for("pages.inbox")))
