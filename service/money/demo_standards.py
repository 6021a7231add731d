"""The demo's fund standards (Suzhou's 2026 figures), drafted by the centre and approved by the approver:
the year 2026 and the first half of 2027. Tests use the same through bangfu.testing.approved_standard."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from ..people.models import User
from .standards import Draft, approve_standard, draft_standard


FIRST_HALF_2027 = {"dibao": "1245", "living_deep": "1245", "living_relative": "850", "living_sudden": "1050"}


def items(living_deep="1208", living_relative="800", living_sudden="1000"):
    """Items per programme: living aid capped per category (元/户·月), education fixed by school level
    (元/生·学年), medical capped per case, 送温暖 fixed per household, 意外致困 capped per case."""
    return [
        {"programme": "living", "category": "deep", "rule": "cap", "amount": Decimal(living_deep)},
        {"programme": "living", "category": "relative", "rule": "cap", "amount": Decimal(living_relative)},
        {"programme": "living", "category": "sudden", "rule": "cap", "amount": Decimal(living_sudden)},
        {"programme": "education", "school_level": "university", "rule": "fixed", "amount": Decimal("5000")},
        {"programme": "education", "school_level": "high_school", "rule": "fixed", "amount": Decimal("3000")},
        {"programme": "medical", "rule": "cap", "amount": Decimal("20000")},
        {"programme": "warmth", "rule": "fixed", "amount": Decimal("1000")},
        {"programme": "sudden", "rule": "cap", "amount": Decimal("10000")},
    ]


def suzhou(start=date(2026, 1, 1), kind="year", number="苏工党〔2025〕12号", dibao="1208", **item_amounts):
    issued = date(start.year - 1, 12, 20) if start.month == 1 else date(start.year, 6, 20)
    return Draft(effective_from=start, period_kind=kind, document_number=number, document_date=issued,
                 issuer="苏州市总工会党组",
                 dibao_line=Decimal(dibao), relative_multiplier=Decimal("2"), sudden_multiplier=Decimal("3.5"),
                 items=items(**item_amounts))


def approved(session, drafter, approver, draft):
    standard = draft_standard(session, drafter, draft)
    return approve_standard(session, approver, standard.id, "经党组会议研究同意")


def seed_standards(session):
    """The demo's two approved standards: 2026, and the first half of 2027 (低保 up to 1245, living caps too)."""
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(("center1", "approver1"))))}
    first = approved(session, users["center1"], users["approver1"], suzhou())
    following = suzhou(date(2027, 1, 1), "half_year", "苏工党〔2026〕58号", **FIRST_HALF_2027)
    approved(session, users["center1"], users["approver1"], replace(following, replaces_id=first.id))
