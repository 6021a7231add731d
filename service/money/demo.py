"""Demo awards: budgets for the year, and an award of every programme on the demo's filed households, made
through the real processes (service/demo.py calls `load_awards_demo` once). Living aid comes from the demo's
hardship approvals themselves."""
from datetime import timedelta

from sqlalchemy import select

from .. import clock
from ..casework.commands import complete_task
from ..households.models import Household, HouseholdMember, HouseholdStatus
from ..process_models.operations import deploy, latest_version
from ..resources import bundled_models
from ..services import services
from ..tasks.projection import open_rows
from . import budgets, programmes
from .models import Programme

BUDGETS = {Programme.LIVING: "2000000.00", Programme.EDUCATION: "300000.00", Programme.MEDICAL: "500000.00",
           Programme.WARMTH: "200000.00", Programme.SUDDEN: "100000.00"}


def _through(session, users, case, answers):
    """Complete the case's open steps in order with `answers` (by step), each by its lane's demo user."""
    for _ in range(len(answers) + 1):
        todo = open_rows(session, case.id)
        if not todo or todo[0].spec_name not in answers:
            return
        complete_task(session, services(), users[todo[0].role], todo[0].id, answers[todo[0].spec_name])


def load_awards_demo(session, users):
    """`users`: the demo's user per role (grassroots_union, assistance_center, approver)."""
    for key in programmes.MODELS:
        if latest_version(session, key, required=False) is None:
            deploy(session, services(), (bundled_models() / f"{key}.bpmn").read_bytes())
    year = clock.today().year
    for programme, amount in BUDGETS.items():
        budgets.set_budget(session, users["assistance_center"], programme, year, amount)
    filed = session.scalars(select(Household).where(Household.status == HouseholdStatus.FILED)
                            .order_by(Household.id)).all()
    if not filed:
        return
    union, review = users["grassroots_union"], {"decision": "pass", "opinion": "材料齐全，符合标准"}
    approval = {"decision": "approve", "opinion": "同意"}
    student = session.scalar(select(HouseholdMember).where(HouseholdMember.household_id == filed[0].id,
                                                           HouseholdMember.relation == "child"))
    if student is not None:
        case = programmes.apply(session, services(), union, filed[0].id, programmes.EDUCATION)
        _through(session, users, case, {"application": {
            "student_name": student.name, "id_number": student.id_number, "school_level": "high_school",
            "school_name": "张家港市梁丰高级中学", "school_year": f"{year}-{year + 1}"},
            "programme_review": review, "programme_approval": approval})
    case = programmes.apply(session, services(), union, filed[-1].id, programmes.MEDICAL)
    _through(session, users, case, {"application": {
        "patient_name": filed[-1].worker_name, "patient_id_number": filed[-1].worker_id_number, "illness": "腰椎间盘突出手术", "hospital": "张家港市第一人民医院",
        "bill_count": 6, "total_cost": 36800.50, "insurance_paid": 24500.20, "self_paid": 12300.30,
        "requested_amount": 10000}, "programme_review": review, "programme_approval": approval})
    case = programmes.apply(session, services(), users["assistance_center"], filed[0].id, programmes.SUDDEN)
    _through(session, users, case, {"application_centre": {
        "accident_date": (clock.today() - timedelta(days=12)).isoformat(),
        "accident_description": "家中老房漏雨致电器损毁，暂住亲戚家", "requested_amount": 5000},
        "programme_review": review, "programme_approval": approval})
    programmes.start_warmth(session, services(), users["assistance_center"], year, "spring")
    programmes.approve_warmth(session, services(), users["approver"], year, "spring")
