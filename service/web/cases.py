"""Supervisors' and inspectors' pages: the case list with filters and Excel export, and one case with its
diagram, timeline and data (masked as the API masks it)."""
from flask import Response, render_template
from sqlalchemy import select

from .. import db
from ..access import Action, ensure, organisation_filter
from ..cases.models import LIST_STATUS_LABELS
from ..cases.schemas import CaseQuerySchema
from ..casework import views
from ..casework.export import cases_workbook
from ..people.models import Organisation
from ..people.roles import OrgKind
from ..process_models.operations import process_steps
from ..services import services
from . import page_args, pages
from .auth import login_required, page_user

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pages.get("/cases")
@login_required
def cases():
    user = ensure(page_user(), Action.BROWSE_CASES)
    session = db.session()
    listing = views.case_page(session, user, page_args(CaseQuerySchema()))
    unions = session.scalars(select(Organisation).where(Organisation.kind == OrgKind.UNION, organisation_filter(user))
                             .order_by(Organisation.code)).all()
    return render_template("cases.html", listing=listing, filters=listing["filters"],
                           stages=process_steps(session), unions=unions, statuses=LIST_STATUS_LABELS)


@pages.get("/cases.xlsx")
@login_required
def cases_export():
    user = ensure(page_user(), Action.BROWSE_CASES)
    filters = views.case_filters(page_args(CaseQuerySchema()))
    return Response(cases_workbook(db.session(), user, filters), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=cases.xlsx"})


@pages.get("/cases/<id:case_id>")
@login_required
def case_page(case_id):
    user = ensure(page_user(), Action.BROWSE_CASES)
    detail = views.case_detail(db.session(), services(), user, case_id)
    return render_template("case.html", case=detail, sections=views.data_sections(db.session(), detail))
