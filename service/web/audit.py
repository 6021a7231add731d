"""The audit log's page (审计日志) for the oversight roles: search by date, user, action and reference, paged,
and the result exported as an Excel workbook."""
from flask import Response, render_template

from .. import db
from ..access import Action, ensure, may
from ..audit import queries
from ..audit.labels import ACTIONS, detail_text
from ..audit.schemas import AuditQuerySchema
from ..casework.export import workbook_bytes
from . import formatting, page_args, pages
from .auth import login_required, page_user
from .cases import XLSX

COLUMNS = ["序号", "时间", "用户", "来源地址", "操作", "操作代码", "对象", "对象编号", "档案编号", "详情", "哈希"]


def _subject(entry):
    if not entry["subject_kind"]:
        return ""
    return f"{entry['subject_label']} {entry['subject_reference'] or ('#' + str(entry['subject_id']))}"


@pages.get("/audit")
@login_required
def audit_page():
    ensure(page_user(), Action.READ_AUDIT)
    listing = queries.entry_page(db.session(), page_args(AuditQuerySchema()))
    return render_template("audit.html", listing=listing, filters=listing["filters"], actions=ACTIONS,
                           detail_text=detail_text, subject=_subject)


@pages.get("/audit.xlsx")
@login_required
def audit_export():
    ensure(page_user(), Action.READ_AUDIT)
    entries = queries.all_entries(db.session(), page_args(AuditQuerySchema()))
    rows = [(e["seq"], formatting.local_time(e["at"]), e["actor_name"], e["address"], e["action_label"],
             e["action"], e["subject_label"], e["subject_reference"] or e["subject_id"], e["household_file_number"],
             detail_text(e["detail"]), e["hash"]) for e in entries]
    return Response(workbook_bytes("审计日志", COLUMNS, rows, title="审计日志"), mimetype=XLSX,
                    headers={"Content-Disposition": "attachment; filename=audit.xlsx"})


@pages.app_context_processor
def _audit_link():
    user = page_user()
    return {"may_audit": user is not None and may(user, Action.READ_AUDIT)}
