"""Creating organisations and users, checking passwords, issuing and resolving tokens."""
import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import joinedload

from ..db import utcnow
from ..errors import Conflict, NotFound, ValidationFailed
from .models import ApiToken, Delegation, Organisation, PageSession, User, UserRole
from .roles import OrgKind, Role

_hashers = {
    "standard": PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY),
    "fast": PasswordHasher.from_parameters(profiles.CHEAPEST),
}
_DUMMY_HASH = _hashers["standard"].hash("timing-equaliser")


def hash_password(password, profile="standard"):
    return _hashers[profile].hash(password)


def create_organisation(session, code, name, kind):
    if kind not in set(OrgKind):
        raise ValidationFailed("机构类型无效", {"kind": [f"应为 {', '.join(OrgKind)} 之一"]})
    if session.scalar(select(Organisation).where(Organisation.code == code)):
        raise Conflict(f"机构代码 {code} 已存在", {"code": ["已存在"]})
    org = Organisation(code=code, name=name, kind=kind)
    session.add(org)
    session.flush()
    return org


def _role_for(org, role, field="role"):
    """The Role named `role`, if a user of organisation `org` may hold it."""
    if role not in set(Role):
        raise ValidationFailed("角色无效", {field: [f"应为 {', '.join(Role)} 之一"]})
    role = Role(role)
    if org.kind != role.org_kind:
        raise ValidationFailed("角色与机构类型不符", {"org" if field == "role" else field: [
            f"{role.label}须属于{role.org_kind.label}类机构"]})
    return role


def create_user(session, username, role, org_code, password, display_name=None, hash_profile="standard",
                more_roles=()):
    """A user whose primary role is `role` (the page they land on), holding `more_roles` as well."""
    if role not in set(Role):
        raise ValidationFailed("角色无效", {"role": [f"应为 {', '.join(Role)} 之一"]})
    org = session.scalar(select(Organisation).where(Organisation.code == org_code))
    if org is None:
        raise ValidationFailed("机构不存在", {"org": [f"没有代码为 {org_code} 的机构"]})
    role = _role_for(org, role)
    extra = [_role_for(org, other, "roles") for other in more_roles]
    if len(password) < 8:
        raise ValidationFailed("密码太短", {"password": ["至少 8 个字符"]})
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"用户名 {username} 已存在", {"username": ["已存在"]})
    user = User(username=username, role=role, organisation=org, display_name=display_name or username,
                password_hash=hash_password(password, hash_profile),
                role_grants=[UserRole(role=held) for held in sorted({role, *extra})])
    session.add(user)
    session.flush()
    return user


def find_user(session, username):
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def reassign_candidates(session, task):
    """Active users who could take the task over (改派): of its role and organisation, not its holder, and
    free to do the step (people/duties.py: not whoever did its paired step in this case)."""
    from ..access import may_act_on  # access builds on people's models
    from .duties import barred_users
    barred = barred_users(session, task) | {task.assignee_id}
    users = session.scalars(select(User).where(User.active.is_(True), User.username != SYSTEM_USERNAME)
                            .order_by(User.username)).all()
    return [user for user in users if user.id not in barred and may_act_on(user, task)]


def list_users(session):
    """Every person who can sign in or once could, by organisation then name (the system user left out)."""
    return session.scalars(select(User).join(User.organisation).where(User.username != SYSTEM_USERNAME)
                           .order_by(Organisation.code, User.username)).all()


def grant_role(session, username, role):
    """Let the user hold `role` as well; True when it is new to them."""
    from ..audit.recording import note
    user = find_user(session, username)
    role = _role_for(user.organisation, role)
    if role in user.roles:
        return user, False
    user.role_grants.append(UserRole(role=role))
    note(session, action="role_granted", subject=("user", user.id), role=str(role))
    session.flush()
    return user, True


def revoke_role(session, username, role):
    """Take a role from the user; the tasks of that role they had claimed go back to the pool. Their primary
    role stays theirs (it decides where they land): another role becomes primary only by making a new user."""
    from ..audit.recording import note
    user = find_user(session, username)
    if role not in user.roles:
        raise ValidationFailed("该用户没有此角色", {"role": [f"{username} 没有角色 {role}"]})
    if role == user.role:
        raise Conflict(f"「{Role(role).label}」是 {username} 的主要角色，不能撤销；如其离岗请停用该用户",
                       {"role": ["主要角色不能撤销"]})
    user.role_grants = [grant for grant in user.role_grants if grant.role != role]
    session.flush()
    released = _release_claimed(session, user, lambda task: task.role == role)
    note(session, action="role_revoked", subject=("user", user.id), role=role, released_tasks=released)
    session.flush()
    return user, released


def _release_claimed(session, user, which=lambda task: True):
    """Give the open tasks the user claimed (those `which` picks) back to the pool, each in its case's history."""
    from ..cases import history  # cases/ builds on people/
    from ..tasks.models import HumanTask, TaskState
    claimed = [task for task in session.scalars(select(HumanTask).where(
        HumanTask.assignee_id == user.id, HumanTask.state == TaskState.OPEN)).all() if which(task)]
    for task in claimed:
        task.assignee = None
        history.record(session, task.case, user, "unclaimed", task=task)
    return len(claimed)


def check_password(session, username, password):
    """The active user with this name and password, or None; as slow for an unknown name as for a known one."""
    user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
    try:
        _hashers["standard"].verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, InvalidHashError):
        return None
    return user


def digest(raw):
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session, user, days):
    raw = secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days)
    session.add(ApiToken(user_id=user.id, token_hash=digest(raw), expires_at=expires))
    session.flush()
    return raw, expires


def token_for(session, user_id, days):
    """A new token for the user, as the sign-in answer: {token, expires_at, user}."""
    user = session.get(User, user_id)
    raw, expires = issue_token(session, user, days)
    return {"token": raw, "expires_at": expires, "user": user}


def token_for_username(session, username, days):
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return issue_token(session, user, days)[0]


# Built once: every API request runs it, and building and keying the statement anew cost as much as running it.
# The user's roles come in the same statement (the relationship's own selectin load is a second query, which
# doubled the cost of every request's sign-in check).
_USER_OF_TOKEN = select(User).join(ApiToken, ApiToken.user_id == User.id).where(
    ApiToken.token_hash == bindparam("token_hash"), ApiToken.expires_at > bindparam("now"),
    User.active.is_(True)).options(joinedload(User.role_grants))


def user_for_token(session, raw):
    """The active user an unexpired token belongs to, or None. Read from the database on every request, not
    cached: a token deleted or a user deactivated by any process is refused from the next request on."""
    return session.execute(_USER_OF_TOKEN, {"token_hash": digest(raw), "now": utcnow()}).unique().scalar_one_or_none()


def open_page_session(session, user_id):
    """A new signed-in page session for the user; returns the raw id its cookie carries."""
    raw = secrets.token_urlsafe(32)
    session.add(PageSession(user_id=user_id, token_hash=digest(raw)))
    session.flush()
    return raw


def end_page_session(session, raw):
    """Sign a page session out: its cookie, wherever it was copied to, no longer signs anyone in."""
    session.execute(delete(PageSession).where(PageSession.token_hash == digest(raw)))


SYSTEM_USERNAME = "bangfu-system"


def system_user(session):
    """The user that cases the scheduler starts are recorded as created by: inactive (it can never sign in,
    and its password hash is no hash), named 系统, in the centre (the first centre organisation), so such
    cases belong to the centre. Created the first time it is needed."""
    user = session.scalar(select(User).where(User.username == SYSTEM_USERNAME))
    if user is not None:
        return user
    centre = session.scalar(select(Organisation).where(Organisation.kind == OrgKind.CENTER)
                            .order_by(Organisation.id).limit(1))
    if centre is None:
        raise Conflict("没有援助中心机构：定时发起的案件无处归属，请先添加援助中心（bangfu org add --kind center）")
    user = User(username=SYSTEM_USERNAME, display_name="系统", role=Role.ASSISTANCE_CENTER, organisation=centre,
                password_hash="!", active=False)
    session.add(user)
    session.flush()
    return user


def deactivate_user(session, username):
    """Take a user out of service at once: inactive, every API token and page session revoked, and the tasks
    they had claimed back in the pool for their colleagues (each recorded in its case's history)."""
    from ..audit.recording import note
    from .. import clock
    user = find_user(session, username)
    user.active = False
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(PageSession).where(PageSession.user_id == user.id))
    released = _release_claimed(session, user)
    # Their delegations, given or received, end with them.
    for delegation in session.scalars(select(Delegation).where(
            (Delegation.delegator_id == user.id) | (Delegation.delegate_id == user.id),
            Delegation.ended_at.is_(None), Delegation.ends_on >= clock.today())):
        delegation.ended_at = clock.now()
    note(session, action="user_deactivated", subject=("user", user.id), released_tasks=released)
    session.flush()
    return user, released
