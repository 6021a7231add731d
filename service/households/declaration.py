"""Checks of a declaration (申报) that a JSON Schema cannot express."""
from stdnum.cn import ric

from .identity import resident_id_problem


def _valid_id(value):
    """Compare only numbers that are valid themselves: a bad one is already reported on its own field."""
    return isinstance(value, str) and resident_id_problem(value) is None


def declaration_problems(declaration):
    """{field path: [reason]} for cross-field problems; empty when consistent."""
    problems = {}

    def add(path, message):
        problems.setdefault(path, []).append(message)

    name = (declaration.get("name") or "").strip()
    holder = (declaration.get("bank_account_name") or "").strip()
    if holder and name and holder != name:
        add("bank_account_name", "帮扶资金只能打入职工本人账户，开户人须与职工姓名一致")
    members = declaration.get("family_members") or []
    size = declaration.get("household_size")
    if isinstance(size, int) and size != len(members):
        add("household_size", f"家庭人口数应与家庭成员人数一致（已填写 {len(members)} 人）")
    selves = [i for i, m in enumerate(members) if isinstance(m, dict) and m.get("relation") == "self"]
    if members and len(selves) != 1:
        add("family_members", "家庭成员中应有且只有一位“本人”")
    elif selves:
        own = members[selves[0]]
        if _valid_id(own.get("id_number")) and _valid_id(declaration.get("id_number")) and \
                ric.compact(own["id_number"]) != ric.compact(declaration["id_number"]):
            add(f"family_members.{selves[0]}.id_number", "“本人”的身份证号应与职工身份证号一致")
    seen = {}
    for i, member in enumerate(members):
        number = isinstance(member, dict) and member.get("id_number")
        if number:
            if number in seen:
                add(f"family_members.{i}.id_number", f"与第 {seen[number] + 1} 位成员的身份证号重复")
            seen.setdefault(number, i)
    return problems
