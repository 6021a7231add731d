"""What the API and the pages show of standards and adjustment lists (plain dicts, amounts Decimal)."""
from decimal import Decimal

from sqlalchemy import select

from .. import clock
from ..cases.privacy import mask_circumstance
from ..households.assessment import CATEGORY_LABELS
from ..households.models import Household
from ..people.models import User
from .models import AdjustmentStatus, FundStandard
from .standards import in_force, list_standards


def standard_list(session, status=None):
    current = in_force(session, clock.today())
    return {"items": list_standards(session, status), "in_force_id": current.id if current else None}


def _user(session, user_id):
    return session.get(User, user_id) if user_id else None


def adjustment_view(session, adjustment, with_lines=False, role=None):
    """The list and, `with_lines`, each household's line; the lines' notes masked for `role` as circumstances."""
    standard = session.get(FundStandard, adjustment.standard_id)
    lines = adjustment.lines
    view = {
        "id": adjustment.id, "standard_id": standard.id, "standard_title": standard.title,
        "document_number": standard.document_number, "effective_from": adjustment.effective_from,
        "status": adjustment.status, "status_label": AdjustmentStatus(adjustment.status).label,
        "created_by": _user(session, adjustment.created_by_id), "created_at": adjustment.created_at,
        "submitted_at": adjustment.submitted_at, "approved_by": _user(session, adjustment.approved_by_id),
        "approved_at": adjustment.approved_at, "line_count": len(lines),
        "current_total": sum((line.current_amount or Decimal("0") for line in lines), Decimal("0.00")),
        "proposed_total": sum((line.proposed_amount for line in lines), Decimal("0.00")),
    }
    if with_lines:
        households = {h.id: h for h in session.scalars(select(Household).where(
            Household.id.in_([line.household_id for line in lines])))}
        view["lines"] = [{
            "id": line.id, "household_id": line.household_id,
            "file_number": households[line.household_id].file_number,
            "worker_name": households[line.household_id].worker_name,
            "category": households[line.household_id].category,
            "category_label": CATEGORY_LABELS.get(households[line.household_id].category),
            "current_award_id": line.current_award_id, "current_amount": line.current_amount,
            "proposed_amount": line.proposed_amount, "decision": line.decision,
            "note": mask_circumstance("adjustment_note", line.note, role),
            "decision_note": mask_circumstance("adjustment_decision_note", line.decision_note, role),
            "new_award_id": line.new_award_id} for line in lines]
    return view
