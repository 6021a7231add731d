"""The people of the replay, the year's calendar, standards and budgets, each made through the command a user
of the service would use: organisations and users (several unions, two third parties, the inspectors, the
centre's staff, approvers, two finance users), working-day calendars (the package's years as they are, a
plausible one imported for a year it does not know), a fund standard per half-year drafted by the centre and
approved by an approver, budgets per programme and year."""
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from .. import calendar
from ..demo import ORGANISATIONS, USERS, demo_password
from ..money import budgets
from ..money.models import Programme
from ..money.standards import Draft, approve_standard, draft_standard, list_standards
from ..people.models import Organisation, User
from ..people.operations import create_organisation, create_user
from ..process_models.operations import deploy_folder

MORE_UNIONS = [("U-HUAXING", "华兴电力工会", "华兴电力"), ("U-JINGANG", "金港镇总工会", "金港镇企业"),
               ("U-TANGQIAO", "塘桥镇总工会", "塘桥镇企业"), ("U-FENGHUANG", "凤凰镇总工会", "凤凰镇企业"),
               ("U-LEYU", "乐余镇总工会", "乐余镇企业"), ("U-DONGHUA", "东华能源工会", "东华能源"),
               ("U-NANFENG", "南丰镇总工会", "南丰镇企业"), ("U-DAXIN", "大新镇总工会", "大新镇企业")]
EMPLOYERS = {"U-STEEL": "江苏沙钢集团", "U-YANGSHE": "杨舍镇企业"}
MORE_USERS = [("thirdparty2", "third_party", "TP-HEART", "心连心社工 孙婷"),
              ("approver2", "approver", "ZJG-CENTER", "中心副主任 冯涛"),
              ("center2", "assistance_center", "ZJG-CENTER", "援助中心 许东")]
# 春节 (the first day of the lunar year), for 送温暖 and a calendar this service must generate.
SPRING_FESTIVAL = {2019: date(2019, 2, 5), 2020: date(2020, 1, 25), 2021: date(2021, 2, 12),
                   2022: date(2022, 2, 1), 2023: date(2023, 1, 22), 2024: date(2024, 2, 10),
                   2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
                   2028: date(2028, 1, 26), 2029: date(2029, 2, 13), 2030: date(2030, 2, 3),
                   2031: date(2031, 1, 23), 2032: date(2032, 2, 11), 2033: date(2033, 1, 31),
                   2034: date(2034, 2, 19), 2035: date(2035, 2, 8)}
BUDGET_SHARE = {Programme.LIVING: "1500000", Programme.EDUCATION: "400000", Programme.MEDICAL: "300000",
                Programme.WARMTH: "500000", Programme.SUDDEN: "100000"}


def union_codes(count):
    codes = ["U-STEEL", "U-YANGSHE"] + [code for code, _, _ in MORE_UNIONS]
    return codes[:max(1, min(count, len(codes)))]


def create_people(session, services, unions):
    """The organisations and users (password `<username>-2026`, as the demo's), once; the bundled models."""
    deploy_folder(session, services)
    if session.scalar(select(Organisation.id).where(Organisation.code == "ZJG-CENTER")) is None:
        for code, name, kind in ORGANISATIONS:
            create_organisation(session, code, name, kind)
        for username, role, org, display in USERS:
            create_user(session, username, role, org, demo_password(username), display)
    have = set(session.scalars(select(User.username)))
    orgs = set(session.scalars(select(Organisation.code)))
    for number, code in enumerate(union_codes(unions), start=1):
        extra = next((row for row in MORE_UNIONS if row[0] == code), None)
        if code not in orgs and extra:
            create_organisation(session, code, extra[1], "union")
        username = f"union{number}"
        if username not in have:
            create_user(session, username, "grassroots_union", code, demo_password(username),
                        f"{extra[1] if extra else code} 工会干事")
    for username, role, org, display in MORE_USERS:
        if username not in have:
            create_user(session, username, role, org, demo_password(username), display)


def employer_of(code):
    return EMPLOYERS.get(code) or next((e for c, _, e in MORE_UNIONS if c == code), "张家港市企业")


def calendar_file(year):
    """A plausible year of holidays as the State Council lays them out, for a year the package does not know
    (the replay must count working days there too): 元旦, 春节 (the eve and six days), 清明, 劳动节, 端午 (an
    approximate date), 中秋 and 国庆; no make-up working days."""
    off = {date(year, 1, 1): "元旦"}
    festival = SPRING_FESTIVAL.get(year, date(year, 2, 5))
    off.update({festival + timedelta(days=n): "春节" for n in range(-1, 6)})
    off[date(year, 4, 5)] = "清明节"
    off.update({date(year, 5, n): "劳动节" for n in range(1, 6)})
    off[festival + timedelta(days=123)] = "端午节"
    off[festival + timedelta(days=226)] = "中秋节"
    off.update({date(year, 10, n): "国庆节" for n in range(1, 8)})
    lines = [f"{day.isoformat()},休,{name}" for day, name in sorted(off.items()) if day.year == year]
    return ("# 模拟：按惯例推定的节假日安排\n" + "\n".join(lines) + "\n").encode("utf-8")


def ensure_calendar_years(session, years, importer):
    """Import a generated calendar for each year in `years` that the service does not know yet; returns them."""
    known = {year for year, _, _ in calendar.known_years(session)}
    imported = []
    for year in years:
        if year not in known:
            calendar.import_days(session, calendar_file(year), f"模拟{year}年节假日.csv", importer)
            imported.append(year)
    return imported


def dibao(params, year):
    line = params.dibao_2020
    for _ in range(2020, year):
        line = (line * (1 + params.dibao_rise)).quantize(Decimal("1"))
    return line


def standard_draft(params, start):
    """A half-year standard from `start` (1 January or 1 July): living aid capped at the 低保 line (深度), two
    thirds of it (相对) and five sixths (意外), 金秋助学 fixed by level, 医疗 and 意外致困 capped, 送温暖 fixed."""
    line = dibao(params, start.year)

    def item(programme, rule, amount, **keys):
        return {"programme": programme, "rule": rule, "amount": Decimal(amount).quantize(Decimal("1")), **keys}
    items = [item("living", "cap", line, category="deep"),
             item("living", "cap", line * 2 / 3, category="relative"),
             item("living", "cap", line * 5 / 6, category="sudden"),
             item("education", "fixed", params.education_university, school_level="university"),
             item("education", "fixed", params.education_high_school, school_level="high_school"),
             item("medical", "cap", 20000), item("warmth", "fixed", params.warmth_amount),
             item("sudden", "cap", 10000)]
    issued = date(start.year - 1, 12, 10) if start.month == 1 else date(start.year, 6, 10)
    number = f"苏工党〔{issued.year}〕{start.month + 40}号"
    return Draft(effective_from=start, period_kind="half_year", document_number=number, document_date=issued,
                 issuer="苏州市总工会党组", dibao_line=line, relative_multiplier=Decimal("2"),
                 sudden_multiplier=Decimal("3.5"), items=items)


def approve_half_year(session, params, start, drafter, approver):
    """The centre drafts the half-year's standard and an approver approves it (once)."""
    if any(s.effective_from == start for s in list_standards(session, "approved")):
        return None
    standard = draft_standard(session, drafter, standard_draft(params, start))
    return approve_standard(session, approver, standard.id, "经党组会议研究同意")


def set_budgets(session, centre, year):
    for programme, amount in BUDGET_SHARE.items():
        budgets.set_budget(session, centre, programme, year, amount)
