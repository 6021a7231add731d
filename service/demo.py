"""Demo organisations, users and cases at different stages, built through the real operations."""
import random
from datetime import timedelta

from sqlalchemy import select
from stdnum import luhn
from stdnum.cn import ric

from . import clock
from .casework.commands import complete_task, start_case
from .money.demo import load_awards_demo
from .money.demo_standards import seed_standards
from .money.payment_demo import load_payments_demo, pay_case_through_batch
from .people.models import Organisation, User
from .people.operations import create_organisation, create_user
from .services import services
from .tasks.projection import open_rows

ORGANISATIONS = [
    ("ZJG-CENTER", "张家港市职工援助服务中心", "center"),
    ("U-STEEL", "江苏沙钢集团工会", "union"),
    ("U-YANGSHE", "杨舍镇总工会", "union"),
    ("TP-SUNSHINE", "张家港市阳光社工服务中心", "third_party"),
    ("TP-HEART", "张家港市心连心社会工作服务社", "third_party"),
    ("INSPECT", "市总工会纪检组", "inspection"),
]
USERS = [
    ("union1", "grassroots_union", "U-STEEL", "沙钢工会 王芳"),
    ("union2", "grassroots_union", "U-YANGSHE", "杨舍工会 李强"),
    ("center1", "assistance_center", "ZJG-CENTER", "援助中心 陈静"),
    ("thirdparty1", "third_party", "TP-SUNSHINE", "阳光社工 周敏"),
    ("inspector1", "inspector", "INSPECT", "纪检组 赵刚"),
    ("approver1", "approver", "ZJG-CENTER", "中心主任 俞燕"),
    ("finance1", "finance", "ZJG-CENTER", "财务 孙丽"),
    ("finance2", "finance", "ZJG-CENTER", "财务复核 钱明"),
    ("supervisor1", "supervisor", "ZJG-CENTER", "督查 吴军"),
    ("designer1", "designer", "ZJG-CENTER", "流程设计 郑磊"),
    ("head1", "centre_head", "ZJG-CENTER", "中心负责人 何平"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "志强", "丽华", "海燕", "国平", "红梅", "文斌", "晓东", "春兰"]


def demo_password(username):
    return f"{username}-2026"


def resident_id(rng, birth_year=None):
    body = f"320582{birth_year or rng.randint(1965, 1995)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
           f"{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "0")


def bank_card(rng):
    body = "622848" + "".join(str(rng.randint(0, 9)) for _ in range(12))
    return body + luhn.calc_check_digit(body)


def declaration(rng, monthly_income=2000, reasons=("major_illness",)):
    """A complete, valid declaration for a household of three."""
    name = rng.choice(SURNAMES) + rng.choice(GIVEN)
    own_id = resident_id(rng)
    return {
        "name": name, "id_number": own_id, "phone": f"13{rng.randint(100000000, 999999999)}",
        "employer": "江苏沙钢集团", "hardship_reasons": list(reasons),
        "hardship_description": "配偶患重大疾病长期治疗，家庭收入微薄。", "household_size": 3,
        "family_members": [
            {"name": name, "relation": "self", "id_number": own_id, "health": "healthy",
             "employment": "employed", "monthly_income": monthly_income},
            {"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": "spouse",
             "id_number": resident_id(rng), "health": "major_illness", "employment": "unable",
             "monthly_income": 0},
            {"name": name[0] + rng.choice(GIVEN), "relation": "child", "id_number": resident_id(rng, 2010),
             "health": "healthy", "employment": "student", "monthly_income": 0},
        ],
        "monthly_household_income": monthly_income, "unavoidable_expenses": 6000,
        "assets": {"homes": 1, "vehicles": 0, "vehicle_for_work": False, "business": False, "financial_assets": 5000},
        "bank_name": "中国农业银行张家港支行", "bank_account_name": name, "bank_card_number": bank_card(rng),
        "economic_check_authorised": True,
    }


def answers(rng, third_party="TP-SUNSHINE"):
    """One valid approving answer per task of the hardship process, after the declaration: the visit due in
    two weeks, the visit four weeks ago, a public notice posted three weeks ago (over: its timer is due as the
    wait begins, so the case goes straight on to 建档), paid today: no date in the future."""
    today = clock.today()
    return {
        "preliminary_review": {"decision": "approve", "opinion": "材料齐全，情况属实"},
        "assign_third_party": {"third_party_org": third_party,
                               "visit_due_date": (today + timedelta(days=14)).isoformat()},
        "household_visit": {"visit_date": (today - timedelta(days=28)).isoformat(), "visitors": ["周敏", "钱进"], "household_present": True,
                            "checks": {"household_register": True, "tax": True, "social_insurance": True,
                                       "property": True, "vehicles": True},
                            "verified_monthly_household_income": 2000, "findings": "入户核实，情况属实",
                            "applicant_signed": True, "investigators_signed": True},
        "visit_oversight": {"decision": "approve", "opinion": "程序规范"},
        "re_review": {"decision": "approve", "category": "relative", "opinion": "符合相对困难条件"},
        "public_notice": {"notice_start": (today - timedelta(days=21)).isoformat(), "notice_place": "单位公告栏"},
        # an objection received today, upheld: for a notice that runs today (running_notice)
        "notice_objection": {"received_on": today.isoformat(), "channel": "letter", "content": "反映其配偶有经营收入",
                             "finding": "经核查属实", "decision": "upheld"},
        "open_file": {"aid_type": "living", "proposed_amount": 800, "proposal_notes": "生活救助（每月）"},
        "approval": {"decision": "approve", "approved_amount": 800, "opinion": "同意"},
        "payment": {"paid_amount": 800, "paid_on": today.isoformat(), "bank_reference": f"ABC{today:%Y%m%d}001"},
    }


def running_notice():
    """A public notice that begins today: the case waits on 公示异议登记 until the notice's timer fires."""
    return {"notice_start": clock.today().isoformat(), "notice_place": "单位公告栏"}


def advance(session, case, users, rng, stop_before=None, household=None):
    """Complete the open tasks of a case with approving answers until `stop_before` is open; the declaration
    is `household` (default: a new one)."""
    replies = answers(rng)
    while True:
        open_tasks = open_rows(session, case.id)
        todo = [t for t in open_tasks if t.spec_name != stop_before]
        if not todo or any(t.spec_name == stop_before for t in open_tasks):
            return
        task = todo[0]
        if task.spec_name == "payment":  # the bank pays it: a batch, its approval and the bank's result
            pay_case_through_batch(session, services(), case.id)
            continue
        data = (household or declaration(rng)) if task.spec_name == "declaration" else replies[task.spec_name]
        if task.spec_name == "public_notice" and stop_before == "notice_objection":
            data = running_notice()  # a case in its notice now: it waits on 公示异议登记
        complete_task(session, services(), users[task.role], task.id, data)


def load_demo(session, seed=2026):
    """Create demo data once; return (username, password, role) for every demo user."""
    rng = random.Random(seed)
    if session.scalar(select(Organisation).where(Organisation.code == "ZJG-CENTER")) is None:
        for code, name, kind in ORGANISATIONS:
            create_organisation(session, code, name, kind)
        for username, role, org, display in USERS:
            create_user(session, username, role, org, demo_password(username), display)
        seed_standards(session)
        by_role = {u.role: u for u in session.scalars(select(User)).all()
                   if u.username in {"union1", "center1", "thirdparty1", "inspector1", "approver1", "finance1"}}
        for stop in ("declaration", "preliminary_review", "household_visit", "re_review", "notice_objection",
                     "approval", "payment", None):
            case = start_case(session, services(), by_role["grassroots_union"], "hardship_assistance")
            advance(session, case, by_role, rng, stop_before=stop)
        _returned_household(session, by_role, rng)
        load_awards_demo(session, by_role)
        load_payments_demo(session)
    return [(u, demo_password(u), r) for u, r, _, _ in USERS]


def _returned_household(session, users, rng):
    """A household filed, paid and out of hardship (已脱困), whose worker declared again: the register shows
    the closed file and the new declaration linked to it."""
    from .households import register
    household = declaration(rng)
    first = start_case(session, services(), users["grassroots_union"], "hardship_assistance")
    advance(session, first, users, rng, household=household)
    register.exit_household(session, register.household_of(session, first), "out_of_hardship",
                            users["assistance_center"], clock.now())
    again = start_case(session, services(), users["grassroots_union"], "hardship_assistance")
    advance(session, again, users, rng, stop_before="preliminary_review", household=household)
