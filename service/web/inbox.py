"""The inbox page: my tasks and tasks to claim, with claim and unclaim in one click."""
from flask import flash, redirect, render_template, request, url_for

from .. import db
from ..errors import DomainError
from ..process_models.operations import process_steps
from ..tasks import operations as ops
from . import pages
from .auth import login_required, page_user, safe_next

PAGE_SIZE = 50


def _filters():
    return {"step": request.args.get("step") or None, "text": (request.args.get("q") or "").strip() or None,
            "newest_first": request.args.get("sort") == "newest"}


@pages.get("/inbox")
@login_required
def inbox():
    user = page_user()
    session = db.session()
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    mine, mine_total, mine_exact = ops.inbox(session, user, True, 1, PAGE_SIZE, **filters)
    waiting, waiting_total, waiting_exact = ops.inbox(session, user, False, page, PAGE_SIZE, **filters)
    steps = process_steps(session, user.role)
    return render_template("inbox.html", mine=mine, mine_total=mine_total, mine_exact=mine_exact,
                           waiting=waiting, waiting_total=waiting_total, waiting_exact=waiting_exact,
                           steps=steps, filters=filters, page=page, page_size=PAGE_SIZE)


@pages.post("/tasks/<id:task_id>/claim")
@login_required
def claim(task_id):
    return _command(lambda session, user: ops.claim(session, user, task_id), "已认领，可以开始办理")


@pages.post("/tasks/<id:task_id>/unclaim")
@login_required
def unclaim(task_id):
    return _command(lambda session, user: ops.unclaim(session, user, task_id), "已退回任务池")


def _command(command, done_message):
    session = db.session()
    try:
        command(session, page_user())
        session.commit()
        flash(done_message, "success")
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
    return redirect(safe_next(request.form.get("next"), url_for("pages.inbox")))
