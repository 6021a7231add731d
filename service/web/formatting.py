"""Chinese (zh-CN) conventions for what pages show: money ¥1,234.00, dates, waiting times."""
from decimal import Decimal

from .. import clock
from ..cases.history import ACTION_LABELS
from ..config import LOCAL_TIMEZONE
from ..cases.models import STATUS_LABELS
from ..households.assessment import CATEGORY_LABELS
from ..people.roles import Role
from ..tasks.deadlines import is_overdue

DECISION_LABELS = {"approve": "通过", "return": "退回补正", "reject": "不予通过"}


def money(value):
    if value is None or value == "":
        return "—"
    return f"¥{Decimal(str(value)):,.2f}"


def local_time(value, with_time=True):
    if value is None:
        return "—"
    value = value.astimezone(LOCAL_TIMEZONE)
    return value.strftime("%Y年%m月%d日 %H:%M" if with_time else "%Y年%m月%d日")


def waited(since, until=None):
    """How long something has waited, in the largest two units: 3 天 4 小时, 25 分钟."""
    seconds = int(((until or clock.now()) - since).total_seconds())
    days, rest = divmod(max(seconds, 0), 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} 天 {hours} 小时"
    if hours:
        return f"{hours} 小时 {minutes} 分钟"
    return f"{minutes} 分钟"


def overdue(task):
    """The task is open and past its due date (逾期)."""
    return is_overdue(task, clock.now())


def event_conclusion(event):
    """The decision of a history line in words: 通过 / 退回补正 / 不予通过, or how the process ended."""
    if not event.decision:
        return ""
    if event.action == "ended":
        return STATUS_LABELS.get(event.decision, event.decision)
    return DECISION_LABELS.get(event.decision, event.decision)


def number(value):
    return f"{value:,}"


def init_app(app):
    app.jinja_env.filters.update(money=money, local_time=local_time, waited=waited, number=number,
                                 conclusion=event_conclusion, overdue=overdue)
    app.jinja_env.globals.update(ROLE_LABELS={role: role.label for role in Role}, STATUS_LABELS=STATUS_LABELS,
                                 CATEGORY_LABELS=CATEGORY_LABELS, ACTION_LABELS=ACTION_LABELS,
                                 DECISION_LABELS=DECISION_LABELS)
