"""The public notice list (公示名单) for posting: a printable page (A4, no navigation) and its Excel export."""
from flask import Response, render_template, request

from .. import clock, db
from ..access import Action, ensure
from ..casework.notices import notices, notices_workbook, period
from ..errors import ValidationFailed
from . import pages
from .auth import login_required, page_user
from .cases import XLSX


def _period():
    start, end, problems = period(request.args, clock.today())
    if problems:
        raise ValidationFailed("查询期间有误", problems)
    return start, end


@pages.get("/notices")
@login_required
def notices_page():
    user = ensure(page_user(), Action.NOTICE_LIST)
    start, end = _period()
    return render_template("notices.html", rows=notices(db.session(), user, start, end), start=start, end=end,
                           today=clock.today())


@pages.get("/notices.xlsx")
@login_required
def notices_export():
    user = ensure(page_user(), Action.NOTICE_LIST)
    start, end = _period()
    body = notices_workbook(notices(db.session(), user, start, end), start, end)
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": "attachment; filename=notices.xlsx"})
