"""The household register's pages (一户一档): the list with filters, paging and Excel export, and one household."""
from flask import Response, render_template
from sqlalchemy import select

from .. import db
from ..access import Action, ensure, may, organisation_filter
from ..households import views
from ..households.export import households_workbook
from ..households.models import STATUS_LABELS, HouseholdStatus
from ..households.schemas import CATEGORIES, HouseholdQuerySchema
from ..money import award_views
from ..money.programmes import APPLICATIONS
from ..people.models import Organisation
from ..people.roles import OrgKind
from ..services import services
from . import page_args, pages
from .auth import login_required, page_user
from .cases import XLSX


@pages.get("/households")
@login_required
def households():
    user = ensure(page_user(), Action.BROWSE_HOUSEHOLDS)
    session = db.session()
    listing = views.household_page(session, user, page_args(HouseholdQuerySchema()))
    unions = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.UNION, organisation_filter(user))
                             .order_by(Organisation.code)).all()
    return render_template("households.html", listing=listing, filters=listing["filters"], unions=unions,
                           statuses=STATUS_LABELS, categories=CATEGORIES)


@pages.get("/households.xlsx")
@login_required
def households_export():
    user = ensure(page_user(), Action.BROWSE_HOUSEHOLDS)
    filters = views.household_filters(page_args(HouseholdQuerySchema()))
    return Response(households_workbook(db.session(), user, filters), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=households.xlsx"})


@pages.get("/households/<id:household_id>")
@login_required
def household_page(household_id):
    user = ensure(page_user(), Action.BROWSE_HOUSEHOLDS)
    detail = views.household_detail(db.session(), services(), user, household_id)
    # 随时脱困随时撤档: the centre starts a filed household's exit from its file (refusals say why, as flashes)
    may_exit = may(user, Action.KEEP_REGISTER) and detail.status == HouseholdStatus.FILED
    may_apply = may(user, Action.APPLY_PROGRAMME) and detail.status == HouseholdStatus.FILED
    awards = award_views.household_awards(db.session(), household_id) if may(user, Action.READ_AWARDS) else None
    return render_template("household.html", household=detail, may_exit=may_exit, may_apply=may_apply,
                           awards=awards, applications=APPLICATIONS)
