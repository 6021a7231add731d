"""The service's clock: the one answer to "what time is it" for timestamps, due dates and the notice rule.

It reads the system clock unless a test has set it; tests then move it on (`advance`) instead of waiting,
and the scheduler of a later issue reads the same clock. Users reason in China's days (Asia/Shanghai,
UTC+8 all year), so `today()` is the date there, not the server's.
"""
from datetime import datetime, timedelta, timezone

from .config import LOCAL_TIMEZONE

_set_to = None  # the instant a test set, or None: the system clock


def now():
    """The current instant, timezone-aware UTC."""
    return _set_to if _set_to is not None else datetime.now(timezone.utc)


def today():
    """Today's date in China."""
    return local_date(now())


def local_date(instant):
    """The date an instant falls on in China."""
    return instant.astimezone(LOCAL_TIMEZONE).date()


def set_to(instant):
    """Stop the clock at `instant` (timezone-aware) until it is advanced or reset; for tests."""
    global _set_to
    if instant.tzinfo is None:
        raise ValueError("naive datetime")
    _set_to = instant.astimezone(timezone.utc)


def advance(delta=None, **units):
    """Move a set clock on by a timedelta or by `days=`, `hours=`, ... (the units of timedelta)."""
    if _set_to is None:
        raise RuntimeError("the clock is not set: call set_to first")
    set_to(_set_to + (delta or timedelta(**units)))


def reset():
    """Back to the system clock."""
    global _set_to
    _set_to = None
