"""One 资金 link in the bar, and the money pages' own tabs: a centre user already has a dozen links, so every money
page (awards, budgets, standards, adjustments, batches, reconciliation, failed transfers, reports) sits under one
entry, and each page opens with the tabs its reader may use. The centre's 资金 link carries the count of failed
transfers waiting for an account check."""
from .. import db
from ..access import Action, may
from ..money import verification
from . import pages
from .auth import page_user

# (label, endpoint, action, endpoints that belong to the tab)
TABS = [
    ("帮扶项目", "pages.awards_page", Action.READ_AWARDS, ()),
    ("预算", "pages.budgets_page", Action.READ_BUDGETS, ()),
    ("资金标准", "pages.standards_page", Action.VIEW_STANDARDS, ("pages.standard_form", "pages.standard_page")),
    ("半年调整", "pages.adjustments_page", Action.VIEW_ADJUSTMENTS, ("pages.adjustment_page",)),
    ("代发批次", "pages.payment_batches", Action.MAKE_PAYMENTS, ("pages.payment_batch",)),
    ("代发失败", "pages.account_checks", Action.VERIFY_ACCOUNTS, ()),
    ("对账", "pages.reconciliation_page", Action.RECONCILE, ()),
    ("资金报表", "pages.money_report_page", Action.VIEW_MONEY_REPORTS, ()),
]


@pages.app_context_processor
def _money_nav():
    user = page_user()
    if user is None:
        return {"money_tabs": [], "money_waiting": 0}
    tabs = [{"label": label, "endpoint": endpoint, "also": also} for label, endpoint, action, also in TABS
            if may(user, action)]
    waiting = verification.waiting_count(db.session()) if may(user, Action.VERIFY_ACCOUNTS) else 0
    for tab in tabs:
        tab["count"] = waiting if tab["endpoint"] == "pages.account_checks" else 0
    return {"money_tabs": tabs, "money_waiting": waiting}
