"""How amounts and dates read in Chinese, everywhere a user reads them: pages, messages, facts, Excel.

¥12,000.50 for an amount, 2026年12月7日 for a date, 2026年12月7日 09:30 for a moment (in China's time).
"""
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from .config import LOCAL_TIMEZONE


def amount(value):
    """12,000.50, or None for a value that is not an amount (missing, or masked for the reader)."""
    if value in (None, "") or isinstance(value, bool):
        return None
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return None


def yuan(value):
    """¥12,000.50, or None for a value that is not an amount."""
    shown = amount(value)
    return f"¥{shown}" if shown is not None else None


def long_date(value):
    """2026年12月7日 for a date or an ISO date text; None for anything else."""
    if isinstance(value, datetime):
        value = value.date()
    elif not isinstance(value, date):
        try:
            value = date.fromisoformat(value)
        except (TypeError, ValueError):
            return None
    return f"{value.year}年{value.month}月{value.day}日"


def moment(value, with_time=True):
    """2026年12月7日 09:30 for an aware datetime, in China's time (the date alone without `with_time`)."""
    local = value.astimezone(LOCAL_TIMEZONE)
    return f"{long_date(local)} {local:%H:%M}" if with_time else long_date(local)


def waits_for(name):
    """What a case waits on, in words: 等待公示期满 for the timer event 公示期满, 等待两天补充材料 as it is."""
    name = name or "定时器"
    return name if name.startswith("等待") else f"等待{name}"
