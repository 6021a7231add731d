"""Reading the household register: the filtered list (登记册) and one household, within what the user may read."""
import re

from sqlalchemy import extract, func, or_, select

from ..access import household_filter, may_read_household
from ..cases.privacy import sees_whole
from ..errors import NotFound
from ..people.models import Organisation
from .models import Household, HouseholdMember
from .register import id_digest, normalise_id

MISSING = "家庭档案不存在"
WHOLE_ID = re.compile(r"^\d{17}[\dX]$")  # a resident ID's shape: searched on its digest


def household_query(user, filters):
    """The households the user may read, narrowed by `filters`: status, category, organisation (the union's
    code), filed_year, review_due_before (next review due on or before that date), text (part of the name or
    file number, or, for the roles that read ID numbers whole, a whole resident ID number: the worker's or a
    member's, matched on its digest since the numbers are sealed); the latest declared first."""
    query = select(Household).where(household_filter(user))
    if filters.get("status"):
        query = query.where(Household.status == filters["status"])
    if filters.get("category"):
        query = query.where(Household.category == filters["category"])
    if filters.get("organisation"):
        query = query.where(Household.organisation_id == select(Organisation.id).where(
            Organisation.code == filters["organisation"]).scalar_subquery())
    if filters.get("filed_year"):
        query = query.where(extract("year", Household.filed_on) == filters["filed_year"])
    if filters.get("review_due_before"):
        query = query.where(Household.next_review_due <= filters["review_due_before"])
    if filters.get("text"):
        text = filters["text"]
        matches = [Household.worker_name.icontains(text, autoescape=True),
                   Household.file_number.icontains(text, autoescape=True)]
        if WHOLE_ID.match(normalise_id(text)) and sees_whole(user.roles, "id_number"):
            digest = id_digest(text)
            matches += [Household.worker_id_digest == digest,
                        Household.id.in_(select(HouseholdMember.household_id).where(HouseholdMember.id_digest == digest))]
        query = query.where(or_(*matches))
    return query.order_by(Household.declared_on.desc(), Household.id.desc())


def list_households(session, user, filters, page, page_size):
    query = household_query(user, filters)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    return session.scalars(query.offset((page - 1) * page_size).limit(page_size)).all(), total


def get_household(session, user, household_id):
    """One household the user may read; another union's is NotFound, as a missing one (no hint it exists)."""
    household = session.get(Household, household_id)
    if household is None or not may_read_household(user, household):
        raise NotFound(MISSING)
    return household
