"""Helpers of the awards tests: the programme models deployed, and an approved fund standard in force (written
straight into the tables: the standards' own drafting and approval are tested with standards.py)."""
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bangfu.money.models import FundStandard, FundStandardItem
from bangfu.money.programmes import MODELS
from bangfu.people.models import User
from bangfu.process_models.operations import deploy
from bangfu.resources import bundled_models
from bangfu.services import services
from bangfu.unit_of_work import run_in

ITEMS = [  # programme, school level, rule, amount, unit
    ("living", None, "cap", "1200.00", "household_month"),
    ("education", "university", "fixed", "5000.00", "student_year"),
    ("education", "high_school", "fixed", "3000.00", "student_year"),
    ("medical", None, "cap", "20000.00", "case"),
    ("sudden", None, "cap", "10000.00", "case"),
    ("warmth", None, "fixed", "800.00", "household"),
]


def deploy_programmes(app):
    def setup(session):
        for key in MODELS:
            deploy(session, services(), (bundled_models() / f"{key}.bpmn").read_bytes())
    run_in(app, setup)


def add_standard(app, effective_from=date(2026, 7, 1), effective_to=date(2026, 12, 31), items=ITEMS):
    def setup(session):
        center = session.scalar(select(User).where(User.username == "center1"))
        approver = session.scalar(select(User).where(User.username == "approver1"))
        standard = FundStandard(title=f"{effective_from.year}年困难职工帮扶资金标准", period_kind="half_year",
                                effective_from=effective_from, effective_to=effective_to,
                                document_number="张工发〔2026〕12号", document_date=effective_from, issuer="市总工会党组",
                                dibao_line=Decimal("1095.00"), relative_multiplier=Decimal("1.50"),
                                sudden_multiplier=Decimal("2.00"), status="approved", drafted_by_id=center.id,
                                approved_by_id=approver.id)
        session.add(standard)
        session.flush()
        session.add_all(FundStandardItem(standard_id=standard.id, programme=p, school_level=level, rule=rule,
                                         amount=Decimal(amount), unit=unit) for p, level, rule, amount, unit in items)
        session.flush()
        return standard.id
    return run_in(app, setup)
