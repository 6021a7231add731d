"""流程异常: the centre head's list of cases set aside as incidents, with retry, skip and terminate."""
from flask import flash, redirect, render_template, request, url_for

from .. import db
from ..access import Action, ensure, may
from ..cases.models import STATUS_LABELS
from ..casework import incidents
from ..errors import DomainError
from ..services import services
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user

_ACTIONS = {"retry": "重试", "skip": "跳过失败步骤", "terminate": "终止案件"}


@pages.get("/incidents")
@login_required
def incidents_page():
    user = ensure(page_user(), Action.HANDLE_INCIDENTS)
    listed = incidents.with_failed_steps(services(), incidents.incident_cases(db.session(), user))
    return render_template("incidents.html", incidents=listed, may_migrate=may(user, Action.MIGRATE_CASES))


@pages.get("/incidents/<id:case_id>/latest")
@login_required
def incident_retry_preview(case_id):
    """What 在最新版本上重试 would do to the case: which open task becomes which, what it loses, or why it
    cannot move; with the retry form when it can."""
    user = ensure(page_user(), Action.HANDLE_INCIDENTS)
    try:
        target, move = incidents.retry_preview(db.session(), services(), user, case_id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("pages.incidents_page"))
    return render_template("incident_latest.html", move=move, case=move.case, target=target,
                           may_migrate=may(user, Action.MIGRATE_CASES))


@pages.post("/incidents/<id:case_id>/<any(retry, skip, terminate):action>")
@login_required
def incident_action(case_id, action):
    user = ensure(page_user(), Action.HANDLE_INCIDENTS)
    reason = request.form.get("reason", "")
    try:
        if action == "retry":
            case = run(incidents.retry_incident, services(), user, case_id, reason, request.form.get("on_latest") == "1")
        elif action == "skip":
            case = run(incidents.skip_failed_step, services(), user, case_id, reason, request.form.get("step") or None)
        else:
            case = run(incidents.terminate_case, services(), user, case_id, reason)
    except DomainError as exc:
        problems = "；".join(f"{reason}" for reasons in exc.fields.values() for reason in reasons)
        flash(f"{exc.message}（{problems}）" if problems and problems not in exc.message else exc.message, "error")
        return redirect(url_for("pages.incidents_page"))
    if case.incident:
        # the new error is on the case's card below, as the engine said it (with the model's own names)
        flash(f"案件 {case.reference} 已{_ACTIONS[action]}，但流程再次异常，原因见下方该案件", "error")
    else:
        flash(f"案件 {case.reference} 已{_ACTIONS[action]}，当前状态：{STATUS_LABELS.get(case.status, case.status)}", "success")
    return redirect(url_for("pages.incidents_page"))
