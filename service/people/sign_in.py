"""Signing in, for the API's tokens and the pages' sessions alike, throttled per account name and per address.

Failed sign-ins are counted in the database (sign_in_throttles), so every serving process sharing it sees the
same count: `account_failures` failures to one account name, or `address_failures` from one client address
whatever the account, within `window` lock that name or address for `lock`. While locked, every attempt is
refused with TooManyAttempts (429, Retry-After), the right password included. A success clears its account's
count and nothing else: an address's failures stay counted, whoever signs in from it.

Every outcome goes through `attempt_outcome`, in the transaction of the attempt.
"""
import hashlib
import ipaddress
import math
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite

from flask import has_request_context, request

from .. import audit, clock, db
from ..errors import TooManyRequests, Unauthorized
from ..unit_of_work import run
from .models import SignInThrottle, User
from .operations import check_password

ACCOUNT, ADDRESS = "account", "address"
SUCCEEDED, FAILED, THROTTLED = "succeeded", "failed", "throttled"
UNKNOWN_NAME = "（未知用户名）"
CLI_ADDRESS = "cli"  # the address sign-ins at a command line's password prompt are counted under
KEY_LENGTH = 255


@dataclass(frozen=True)
class SignInLimits:
    account_failures: int = 5
    address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)

    @classmethod
    def from_config(cls, config):
        return cls(config["SIGN_IN_ACCOUNT_LIMIT"], config["SIGN_IN_ADDRESS_LIMIT"],
                   timedelta(minutes=config["SIGN_IN_WINDOW_MINUTES"]),
                   timedelta(minutes=config["SIGN_IN_LOCK_MINUTES"]))

    def of(self, scope):
        return self.account_failures if scope == ACCOUNT else self.address_failures


class TooManyAttempts(TooManyRequests):
    def __init__(self, seconds):
        super().__init__(f"登录失败次数过多，已暂时锁定，请 {math.ceil(seconds / 60)} 分钟后再试", seconds)


def sign_in(limits, username, password, address, then):
    """Check `username` and `password` from client `address`; on success run `then(session, user)` in the
    transaction that records the success and return its result. Raise Unauthorized on a wrong name or
    password, TooManyAttempts while the name or address is locked (or once this failure locks it).

    The password is checked outside any write transaction (it is slow, and SQLite has one writer).
    """
    keys = _keys(username, address)
    with db.reading() as reader:
        wait = _locked_for(reader, keys)
        user_id = None
        if not wait:
            user = check_password(reader, username, password)
            user_id = user.id if user is not None else None
    if wait:  # refused unchecked and unwritten: a flood of these must not queue behind the writer or grow the log
        raise TooManyAttempts(wait)
    if user_id is None:
        wait = run(_failed, limits, keys, username, address)
        if wait:
            raise TooManyAttempts(wait)
        raise Unauthorized("用户名或密码错误")
    outcome, result = run(_succeeded, keys, user_id, username, address, then)
    if outcome == THROTTLED:
        raise TooManyAttempts(result)
    return result


def attempt_outcome(session, outcome, username, address, user_id=None, locked_for=None):
    """The one place every sign-in attempt ends, in the attempt's own transaction: `outcome` is SUCCEEDED
    (`user_id` signed in), FAILED (wrong name or password; `locked_for` seconds when this failure locked the
    name or address) or THROTTLED (the right password, but a concurrent failure locked the name or address
    meanwhile). Each is appended to the audit log once, from the API, the pages and the CLI alike. Attempts
    refused while a lock is known beforehand write nothing (the lock's own entry stands for them)."""
    if outcome == SUCCEEDED:
        action = audit.SIGN_IN
    elif outcome == THROTTLED:
        action = audit.SIGN_IN_THROTTLED
    else:
        action = audit.SIGN_IN_LOCKED if locked_for else audit.SIGN_IN_FAILED
    user = session.get(User, user_id) if user_id else None
    detail = {"locked_for_seconds": locked_for} if locked_for else {}
    # a failure names the account only if there is one by that name: what else was typed may be a password
    known = user is None and session.scalar(select(User.id).where(User.username == username)) is not None
    actor_name = username[:64] if known else UNKNOWN_NAME
    audit.note(session, action=action, actor=user, actor_name=None if user else actor_name,
               subject=("user", user_id) if user_id else None, via=_channel(address), **detail)


def _channel(address):
    if address == CLI_ADDRESS:
        return "cli"
    return "api" if has_request_context() and request.path.startswith("/api/") else "pages"


def _keys(username, address):
    """The account is counted by a digest of the name typed, never the text itself: someone who types their
    password into the name field must not leave it in the database."""
    name = hashlib.sha256((username or "").encode()).hexdigest()
    return ((ACCOUNT, name), (ADDRESS, address_key(address)[:KEY_LENGTH]))


def address_key(address):
    """What an address's failures are counted under: an IPv4 address itself, an IPv6 address's /64 (one
    household's or one machine's network: a client given a /64 has 2^64 addresses to move through)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    if parsed.version == 6:
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _locked_for(session, keys):
    """Seconds until every lock on these keys ends (rounded up), or 0."""
    now = clock.now()
    ends = [row.locked_until for row in _rows(session, keys) if row.locked_until and row.locked_until > now]
    return math.ceil((max(ends) - now).total_seconds()) if ends else 0


def _rows(session, keys, for_update=False):
    conditions = [(SignInThrottle.scope == scope) & (SignInThrottle.key == key) for scope, key in keys]
    query = select(SignInThrottle).where(conditions[0] | conditions[1])
    return session.scalars(query.with_for_update() if for_update else query).all()


def _failed(session, limits, keys, username, address):
    """Count the failure against the name and the address (rows created if absent, then locked: concurrent
    failures from several processes queue here); return the seconds of a lock now in force, or 0."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    now = clock.now()
    session.execute(delete(SignInThrottle).where(  # counts whose window and lock are over (random names add up)
        SignInThrottle.window_started < now - limits.window,
        (SignInThrottle.locked_until.is_(None)) | (SignInThrottle.locked_until < now)))
    for scope, key in keys:
        session.execute(dialect.insert(SignInThrottle).values(scope=scope, key=key, failures=0)
                        .on_conflict_do_nothing(index_elements=["scope", "key"]))
    for row in _rows(session, keys, for_update=True):
        if row.locked_until and row.locked_until > now:
            continue
        if row.window_started is None or row.window_started + limits.window <= now:
            row.failures, row.window_started = 0, now
        row.failures += 1
        if row.failures >= limits.of(row.scope):
            row.failures, row.window_started, row.locked_until = 0, now, now + limits.lock
    session.flush()
    wait = _locked_for(session, keys)
    attempt_outcome(session, FAILED, username, address, locked_for=wait or None)
    return wait


def _succeeded(session, keys, user_id, username, address, then):
    """The password was right: unless a concurrent failure locked the name or address meanwhile, clear the
    account's count and run `then`. Returns (outcome, then's result or the seconds locked)."""
    wait = _locked_for(session, keys)
    if wait:
        attempt_outcome(session, THROTTLED, username, address, locked_for=wait)
        return THROTTLED, wait
    session.execute(delete(SignInThrottle).where(SignInThrottle.scope == ACCOUNT, SignInThrottle.key == keys[0][1]))
    attempt_outcome(session, SUCCEEDED, username, address, user_id=user_id)
    return SUCCEEDED, then(session, user_id)
