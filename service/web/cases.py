"""Supervisors' and inspectors' pages: the case list with filters and Excel export, and one case with its
diagram, timeline and data (masked as the API would)."""
from flask import Response, abort, render_template, request
from sqlalchemy import select

from .. import db
from ..cases.access import READ_ALL_ROLES
from ..cases.export import cases_workbook
from ..cases.models import STATUS_LABELS
from ..cases.operations import case_detail, get_case, list_cases, open_tasks_by_case
from ..cases.privacy import mask
from ..errors import DomainError
from ..people.models import Organisation
from ..process_models.operations import process_steps
from ..services import services
from . import pages
from .auth import login_required, page_user

PAGE_SIZE = 20
CASE_READERS = READ_ALL_ROLES | {"grassroots_union", "third_party"}


def _filters():
    args = request.args
    return {"status": args.get("status") or None, "stage": args.get("stage") or None,
            "organisation": args.get("organisation") or None, "category": args.get("category") or None,
            "overdue": args.get("overdue") == "1", "text": (args.get("q") or "").strip() or None}


def _reader():
    user = page_user()
    if user.role not in CASE_READERS:
        abort(403)
    return user


@pages.get("/cases")
@login_required
def cases():
    user = _reader()
    session = db.session()
    filters = _filters()
    page = max(request.args.get("page", 1, type=int), 1)
    items, total = list_cases(session, user, filters, page, PAGE_SIZE)
    stages = process_steps(session)
    unions = session.scalars(select(Organisation).where(Organisation.kind == "union").order_by(Organisation.code))
    return render_template("cases.html", cases=items, total=total, page=page, page_size=PAGE_SIZE,
                           filters=filters, tasks=open_tasks_by_case(session, [c.id for c in items]),
                           stages=stages, unions=list(unions), statuses=STATUS_LABELS)


@pages.get("/cases.xlsx")
@login_required
def cases_export():
    user = _reader()
    content = cases_workbook(db.session(), user, _filters())
    return Response(content, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=cases.xlsx"})


@pages.get("/cases/<id:case_id>")
@login_required
def case_page(case_id):
    user = _reader()
    session = db.session()
    try:
        case = get_case(session, user, case_id)
    except DomainError as exc:
        abort(exc.status)
    instance, tasks, events = case_detail(session, services(), case)
    done, current = instance.element_states()
    diagram = {"xml": case.process_version.bpmn_xml, "completed": done, "current": current}
    return render_template("case.html", case=case, tasks=tasks, events=events,
                           data=mask(instance.data, user.role), diagram=diagram)
