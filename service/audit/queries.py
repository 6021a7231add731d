"""The inspectors' search of the audit log: a date range (China's days), who, what, and a case, household or
batch named by its reference; newest first, a page at a time. The entries shown name their subject by
reference (案件编号, 档案编号, 批次号) as well as by id."""
import json
from datetime import datetime, time, timedelta

from sqlalchemy import false, func, or_, select

from ..cases.models import Case
from ..config import LOCAL_TIMEZONE
from ..households.models import Household
from ..money.models import PaymentBatch
from .labels import action_label, subject_label
from .models import AuditEntry

MAX_EXPORT = 50_000


def _start_of(day):
    return datetime.combine(day, time.min, tzinfo=LOCAL_TIMEZONE)


def _about(session, reference):
    """SQL condition: entries about the case, household or payment batch with this reference or file number."""
    reference = reference.strip()
    cases = session.execute(select(Case.id, Case.household_id).where(
        or_(Case.reference == reference, Case.file_number == reference))).all()
    households = set(session.scalars(select(Household.id).where(Household.file_number == reference)))
    households |= {household for _, household in cases if household is not None}
    batches = list(session.scalars(select(PaymentBatch.id).where(PaymentBatch.reference == reference)))
    case_ids = {case for case, _ in cases}
    if households:  # the household's cases, from before their declaration filed it (申报, 初审 of a draft)
        case_ids |= set(session.scalars(select(Case.id).where(Case.household_id.in_(households))))
    conditions = []
    if case_ids:
        conditions.append((AuditEntry.subject_kind == "case") & AuditEntry.subject_id.in_(case_ids))
    if households:
        conditions.append(AuditEntry.household_id.in_(households))
    if batches:
        conditions.append((AuditEntry.subject_kind == "batch") & AuditEntry.subject_id.in_(batches))
    return or_(*conditions) if conditions else false()


def entry_query(session, filters):
    query = select(AuditEntry)
    if filters.get("date_from"):
        query = query.where(AuditEntry.at >= _start_of(filters["date_from"]))
    if filters.get("date_to"):
        query = query.where(AuditEntry.at < _start_of(filters["date_to"] + timedelta(days=1)))
    if filters.get("actor"):
        query = query.where(AuditEntry.actor_name == filters["actor"].strip())
    if filters.get("action"):
        query = query.where(AuditEntry.action == filters["action"])
    if filters.get("reference"):
        query = query.where(_about(session, filters["reference"]))
    return query


def entry_page(session, filters):
    query = entry_query(session, filters)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    page, size = filters["page"], filters["page_size"]
    rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset((page - 1) * size).limit(size)).all()
    return {"items": shown(session, rows), "total": total, "page": page, "page_size": size, "filters": filters}


def all_entries(session, filters):
    """Every entry the filters find, oldest first (at most MAX_EXPORT), as shown."""
    rows = session.scalars(entry_query(session, filters).order_by(AuditEntry.seq).limit(MAX_EXPORT)).all()
    return shown(session, rows)


def shown(session, rows):
    """Entries as dicts for the API, the page and the export: labels and references beside the codes."""
    references = _references(session, rows)
    return [{"seq": e.seq, "at": e.at, "actor_id": e.actor_id, "actor_name": e.actor_name, "address": e.address,
             "action": e.action, "action_label": action_label(e.action), "subject_kind": e.subject_kind,
             "subject_label": subject_label(e.subject_kind), "subject_id": e.subject_id,
             "subject_reference": references.get((e.subject_kind, e.subject_id)), "household_id": e.household_id,
             "household_file_number": references.get(("household", e.household_id)),
             "detail": json.loads(e.detail), "hash": e.hash} for e in rows]


def _references(session, rows):
    wanted = {"case": set(), "household": set(), "batch": set()}
    for entry in rows:
        if entry.subject_kind in wanted and entry.subject_id is not None:
            wanted[entry.subject_kind].add(entry.subject_id)
        if entry.household_id is not None:
            wanted["household"].add(entry.household_id)
    found = {}
    for kind, model, column in (("case", Case, Case.reference), ("household", Household, Household.file_number),
                                ("batch", PaymentBatch, PaymentBatch.reference)):
        if wanted[kind]:
            for row_id, reference in session.execute(select(model.id, column).where(model.id.in_(wanted[kind]))):
                found[(kind, row_id)] = reference
    return found
