"""Counting days for deadlines, in one place: calendar days today; a later issue puts China's working days
(statutory holidays, make-up working days) here, and every due date and the public notice follow.

A task due on a day may be done until that day ends in China; it is late from the next morning.
"""
from datetime import datetime, time, timedelta, timezone

from .clock import local_date
from .config import LOCAL_TIMEZONE


def add_days(start, days):
    """The date `days` days after the date `start`."""
    return start + timedelta(days=days)


def period_end(start, days):
    """The last day of a period `days` days long that begins on `start` (its first day counts)."""
    return add_days(start, days - 1)


def end_of_day(day):
    """The last instant of a date in China, UTC."""
    next_morning = datetime.combine(add_days(day, 1), time(), LOCAL_TIMEZONE)
    return (next_morning - timedelta(microseconds=1)).astimezone(timezone.utc)


def due_after(opened_at, days):
    """When something that opened at `opened_at` and must be done within `days` days is due."""
    return end_of_day(add_days(local_date(opened_at), days))


def due_on(day):
    """When something that must be done by the date `day` is due."""
    return end_of_day(day)
