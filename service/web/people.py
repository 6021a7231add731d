"""The 人员 page (the centre head's): every user with their roles, granting and revoking roles, 停用 after a
confirmation; and the inbox's 我的委托 forms (delegating one's claimed tasks for a period, ending it)."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for

from .. import db
from ..access import Action, ensure
from ..errors import DomainError, ValidationFailed
from ..people import delegations, operations
from ..people.roles import Role
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user, role_labels
from .formatting import day


@pages.get("/people")
@login_required
def people_page():
    ensure(page_user(), Action.MANAGE_USERS)
    users = operations.list_users(db.session())
    return render_template("people.html", users=users, role_labels=role_labels, roles=list(Role))


@pages.get("/people/<username>/deactivate")
@login_required
def confirm_deactivation(username):
    ensure(page_user(), Action.MANAGE_USERS)
    return render_template("people_deactivate.html", person=operations.find_user(db.session(), username),
                           role_labels=role_labels)


@pages.post("/people/<username>/deactivate")
@login_required
def deactivate(username):
    ensure(page_user(), Action.MANAGE_USERS)
    if username == page_user().username:
        flash("不能停用自己", "error")
        return redirect(url_for("pages.people_page"))
    return _people_command(lambda: run(operations.deactivate_user, username),
                           lambda done: f"已停用 {done[0].display_name}，其访问令牌和登录已失效，"
                                        f"{done[1]} 项已认领的任务已退回任务池")


@pages.post("/people/<username>/roles")
@login_required
def grant_role(username):
    ensure(page_user(), Action.MANAGE_USERS)
    role = request.form.get("role") or ""
    if not role:
        flash("请选择要增加的角色", "error")
        return redirect(url_for("pages.people_page"))
    return _people_command(lambda: run(operations.grant_role, username, role),
                           lambda done: f"已为 {done[0].display_name} 增加角色「{Role(role).label}」"
                           if done[1] else f"{done[0].display_name} 已担任「{Role(role).label}」")


@pages.post("/people/<username>/roles/<role>/revoke")
@login_required
def revoke_role(username, role):
    ensure(page_user(), Action.MANAGE_USERS)
    return _people_command(lambda: run(operations.revoke_role, username, role),
                           lambda done: f"已撤销 {done[0].display_name} 的角色「{Role(role).label}」"
                                        + (f"，{done[1]} 项该角色的已认领任务已退回任务池" if done[1] else ""))


def _people_command(command, message):
    try:
        flash(message(command()), "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("pages.people_page"))


@pages.post("/delegations")
@login_required
def delegate():
    try:
        starts_on, ends_on = _day("starts_on", "开始日期"), _day("ends_on", "结束日期")
        done = run(delegations.create, page_user(), request.form.get("delegate") or "", starts_on, ends_on)
        flash(f"已委托 {done.delegate.display_name} 于 {day(done.starts_on)}至{day(done.ends_on)}代办您已认领的任务",
              "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("pages.inbox"))


@pages.post("/delegations/<id:delegation_id>/end")
@login_required
def end_delegation(delegation_id):
    try:
        done = run(delegations.end, page_user(), delegation_id)
        flash(f"已结束对 {done.delegate.display_name} 的委托", "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("pages.inbox"))


def _day(field, label):
    try:
        return date.fromisoformat(request.form.get(field) or "")
    except ValueError:
        raise ValidationFailed(f"请填写{label}", {field: ["应为日期"]}) from None
