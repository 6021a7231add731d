"""Delegation (委托): a user on leave has a colleague who holds the same role work their claimed tasks for a
period. The colleague sees them in their inbox marked 委托 and may claim or complete them; the duties
(people/duties.py) apply to whoever does a step. A period is China's days, both ends included: after its last
day the delegation is over by itself, and either of the two (or the centre head) may end it sooner.

A delegation over by itself is recorded too: each night the scheduler's `delegations_lapsed` job
(people/schedule.py) gives each one past its last day and not ended its `ended_at` (the start of the day
after its last, China time) and an audit entry of its own. Once, however many service processes run the job:
the firing row is unique per due time, and each delegation is ended by a conditional UPDATE (`ended_at IS
NULL`), whose row count says which transaction ended it; only that one writes the entry.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from .. import clock
from ..config import LOCAL_TIMEZONE
from ..access import Action, ORG_SCOPE, may
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..wording import long_date
from .models import Delegation, User
from .roles import LANE_ROLES


def in_force(today=None):
    """SQL condition: delegations in force on `today` (China's date, by the service's clock)."""
    today = today or clock.today()
    return (Delegation.starts_on <= today) & (Delegation.ends_on >= today) & Delegation.ended_at.is_(None)


def delegators_of(user):
    """SQL: the ids of the users whose claimed tasks `user` works on today, for a condition on assignee_id."""
    return select(Delegation.delegator_id).where(Delegation.delegate_id == user.id, in_force())


def delegator_ids(session, user):
    return set(session.scalars(delegators_of(user)).all())


def shared_roles(delegator, delegate):
    """The task roles both hold in a way that reaches the same tasks (a union's role: in the same union)."""
    same_org = delegator.organisation_id == delegate.organisation_id
    return {role for role in delegator.roles & delegate.roles & set(LANE_ROLES) if role not in ORG_SCOPE or same_org}


def create(session, user, delegate_username, starts_on, ends_on, delegator_username=None):
    """`user` delegates their claimed tasks to a colleague from `starts_on` to `ends_on`; the centre head may
    do it for someone already away (`delegator_username`)."""
    from ..audit.recording import note
    delegator = user
    if delegator_username and delegator_username != user.username:
        if not may(user, Action.MANAGE_USERS):
            raise Forbidden("只有中心负责人可以替其他人员设置委托")
        delegator = _active(session, delegator_username, "delegator")
    delegate = _active(session, delegate_username, "delegate")
    if delegate.id == delegator.id:
        raise ValidationFailed("不能委托给自己", {"delegate": ["不能是委托人本人"]})
    if not shared_roles(delegator, delegate):
        raise ValidationFailed("受托人须与委托人担任相同的办理角色",
                               {"delegate": [f"{delegate.display_name} 没有与 {delegator.display_name} 相同的办理角色"]})
    _check_period(starts_on, ends_on)
    overlapping = session.scalar(select(Delegation).where(
        Delegation.delegator_id == delegator.id, Delegation.ended_at.is_(None),
        Delegation.starts_on <= ends_on, Delegation.ends_on >= starts_on).limit(1))
    if overlapping is not None:
        raise Conflict(f"{delegator.display_name} 在该期间已委托给 {overlapping.delegate.display_name}"
                       f"（{long_date(overlapping.starts_on)}至{long_date(overlapping.ends_on)}），请先结束原委托",
                       {"starts_on": ["与已有委托重叠"]})
    delegation = Delegation(delegator=delegator, delegate=delegate, starts_on=starts_on, ends_on=ends_on)
    session.add(delegation)
    session.flush()
    note(session, action="delegation_created", subject=("user", delegator.id), delegation=delegation.id,
         delegate=delegate.username, starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat())
    return delegation


def end(session, user, delegation_id):
    """End a delegation before its last day: by either of the two, or the centre head."""
    from ..audit.recording import note
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound("委托不存在")
    if user.id not in (delegation.delegator_id, delegation.delegate_id) and not may(user, Action.MANAGE_USERS):
        raise Forbidden("只有委托人、受托人或中心负责人可以结束委托")
    if delegation.ended_at is not None or delegation.ends_on < clock.today():
        raise Conflict("该委托已结束")
    delegation.ended_at = clock.now()
    note(session, action="delegation_ended", subject=("user", delegation.delegator_id), delegation=delegation.id,
         delegate=delegation.delegate.username)
    session.flush()
    return delegation


def end_lapsed(session, today=None):
    """End the delegations past their last day that nobody ended (as of `today`, China's date), each with an
    audit entry 'delegation_lapsed'; returns their ids."""
    return end_listed(session, lapsed(session, today))


def lapsed(session, today=None):
    """(id, delegator id, last day) of the delegations past their last day and not ended."""
    today = today or clock.today()
    return session.execute(select(Delegation.id, Delegation.delegator_id, Delegation.ends_on)
                           .where(Delegation.ended_at.is_(None), Delegation.ends_on < today)
                           .order_by(Delegation.id)).all()


def end_listed(session, listed):
    """End the `lapsed` delegations still not ended, each with its entry. One another transaction ended
    meanwhile (another process's run of the job) is left to it: the database decides, by the conditional
    UPDATE's row count (PostgreSQL's UPDATE waits for the other's row lock, then finds `ended_at` set)."""
    from ..audit.recording import entry
    ended = []
    for delegation_id, delegator_id, ends_on in listed:
        over_at = datetime.combine(ends_on + timedelta(days=1), time(0), LOCAL_TIMEZONE)
        result = session.execute(update(Delegation).where(Delegation.id == delegation_id,
                                                          Delegation.ended_at.is_(None))
                                 .values(ended_at=over_at).execution_options(synchronize_session=False))
        if result.rowcount != 1:
            continue
        entry(session, "delegation_lapsed", ("user", delegator_id), delegation=delegation_id,
              ends_on=ends_on.isoformat())
        ended.append(delegation_id)
    return ended


def of_user(session, user):
    """(given, received): the user's delegations not yet over, soonest first."""
    current = select(Delegation).where(Delegation.ended_at.is_(None), Delegation.ends_on >= clock.today()) \
        .order_by(Delegation.starts_on, Delegation.id)
    return (session.scalars(current.where(Delegation.delegator_id == user.id)).all(),
            session.scalars(current.where(Delegation.delegate_id == user.id)).all())


def colleagues(session, user):
    """Active users the user could delegate to: holding one of the user's task roles (same union for a union)."""
    if user.roles.isdisjoint(LANE_ROLES):
        return []
    # Roles suit one kind of organisation, and a union's role the same union: read only where they can be.
    same = User.organisation_id == user.organisation_id if user.roles <= ORG_SCOPE.keys() \
        else User.organisation.has(kind=user.organisation.kind)
    others = session.scalars(select(User).where(User.active.is_(True), User.id != user.id, same)
                             .order_by(User.username)).all()
    return [other for other in others if shared_roles(user, other)]


def status(delegation, today=None):
    """未开始, 生效中 or 已结束, by the service's clock."""
    today = today or clock.today()
    if delegation.ended_at is not None or delegation.ends_on < today:
        return "已结束"
    return "生效中" if delegation.starts_on <= today else "未开始"


def _active(session, username, field):
    found = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    if found is None:
        raise ValidationFailed("用户不存在或已停用", {field: [f"没有在职用户 {username}"]})
    return found


def _check_period(starts_on, ends_on):
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        raise ValidationFailed("委托期间有误", {"starts_on": ["应为日期"]})
    if ends_on < starts_on:
        raise ValidationFailed("结束日期早于开始日期", {"ends_on": ["不能早于开始日期"]})
    if ends_on < clock.today():
        raise ValidationFailed("委托期间已过", {"ends_on": ["不能早于今天"]})
