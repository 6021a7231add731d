"""Chinese (zh-CN) conventions for what pages show: money ¥1,234.00, dates, waiting times."""
import re

from markupsafe import Markup, escape

from .. import clock, wording
from ..cases.history import ACTION_LABELS
from ..cases.models import STATUS_LABELS
from ..households.assessment import CATEGORY_LABELS
from ..households.identity import mask_number
from ..people.roles import Role
from ..tasks.deadlines import is_overdue

DECISION_LABELS = {"approve": "通过", "pass": "通过", "return": "退回补正", "reject": "不予通过", "upheld": "异议成立",
                   "not_upheld": "异议不成立", "stay": "继续在档", "exit": "退出（撤档）"}
# The page's words for the list filters an error page may name (the API names them by key).
FILTER_LABELS = {"status": "状态", "stage": "办理环节", "organisation": "基层工会", "category": "困难类别",
                 "overdue": "逾期", "text": "搜索", "page": "页码", "page_size": "每页条数", "mine": "我的任务",
                 "step": "步骤", "sort": "排序", "from": "开始日期", "to": "结束日期", "file": "导入文件",
                 "unread": "仅未读", "filed_year": "建档年度", "review_due_before": "年度复核截止",
                 "year": "年度", "month": "月份", "target_version": "目标版本"}


def money(value):
    return wording.yuan(value) or "—"


def local_time(value, with_time=True):
    return wording.moment(value, with_time) if value is not None else "—"


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


from ..households.review import OUTCOME_LABELS  # noqa: E402  (the annual review's and the exit's end events)


def event_conclusion(event):
    """The decision of a history line in words: 通过 / 退回补正 / 不予通过, or how the process ended."""
    if not event.decision:
        return ""
    if event.action == "ended":
        return STATUS_LABELS.get(event.decision) or OUTCOME_LABELS.get(event.decision, event.decision)
    return DECISION_LABELS.get(event.decision, event.decision)


def case_name(case):
    """How pages name a case: by its household; a declaration never submitted as 未填写申报; a submitted case of
    a process that files no household (a designer's 意外致困临时救助) by its process's name, not as a declaration
    never made."""
    if case.household_name:
        return case.household_name
    if case.is_draft or case.process_version is None:
        return "（未填写申报）"
    return case.process_version.process_model.name


def day(value):
    """2026年12月7日 for a date, — for none."""
    return wording.long_date(value) or "—"


def number(value):
    return f"{value:,}"


_LONG_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日")


def whole_dates(text):
    """Text with each date in it (2026年12月6日) kept on one line: a phone breaks Chinese between any two
    characters, 2026年12月6 at the end of a line and 日 at the start of the next."""
    if text is None:
        return ""
    return Markup(_LONG_DATE.sub(lambda found: f'<span class="bf-day">{found.group(0)}</span>', str(escape(text))))


def masked_account(value):
    """A bank account on a page: first and last four digits (the bank file alone carries it whole)."""
    return mask_number(value) if value else "—"


def init_app(app):
    app.jinja_env.filters.update(masked_account=masked_account, money=money, local_time=local_time, day=day, waited=waited, number=number,
                                 long_date=wording.long_date, whole_dates=whole_dates,
                                 conclusion=event_conclusion, overdue=overdue,
                                 case_name=case_name, waits_for=wording.waits_for)
    app.jinja_env.globals.update(ROLE_LABELS={role: role.label for role in Role}, STATUS_LABELS=STATUS_LABELS,
                                 CATEGORY_LABELS=CATEGORY_LABELS, ACTION_LABELS=ACTION_LABELS,
                                 DECISION_LABELS=DECISION_LABELS, FILTER_LABELS=FILTER_LABELS)
