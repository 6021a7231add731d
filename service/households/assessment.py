"""Per-capita income and the suggested hardship category (困难类别).

Per-capita monthly income = (12 × monthly household income − yearly unavoidable
expenses) ÷ 12 ÷ household size, never below zero. Categories: 深度困难 (deep) below the 低保 line,
相对困难 (relative) below the relative multiplier × 低保, 意外致困 (sudden) for an accident,
disaster or major illness below the sudden multiplier × 低保. The line and the multipliers are those of the
fund standard in force on the day (money/standards.py `policy_on`); without one there is no suggestion, and
the assessment says so. The reviewer decides; this only suggests.
Declared (申报) figures come from the declaration; after the household visit the assessment rests on
the verified (核实) monthly income and keeps the declared figures beside it.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..wording import amount

CATEGORY_LABELS = {"deep": "深度困难", "relative": "相对困难", "sudden": "意外致困", "not_eligible": "不符合条件"}
NO_STANDARD = "当日没有已批准生效的资金标准，无法按低保标准测算困难类别；请援助中心先制定并审批资金标准"
SUDDEN_REASONS = {"accident", "disaster", "major_illness"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Policy:
    """The figures a suggestion rests on, from the fund standard in force; `document` names that standard."""
    dibao_line: Decimal
    relative_multiplier: Decimal
    sudden_multiplier: Decimal
    document: str


def _money(value):
    return Decimal(str(value or 0))


def exclusions(declaration):
    assets = declaration.get("assets") or {}
    found = []
    if (assets.get("homes") or 0) >= 2:
        found.append("拥有两套及以上住房")
    if assets.get("business"):
        found.append("拥有经营实体或雇佣他人")
    if (assets.get("vehicles") or 0) > 0 and not assets.get("vehicle_for_work"):
        found.append("拥有非生产经营用车辆")
    if declaration.get("economic_check_authorised") is False:
        found.append("未签署家庭经济状况核对授权书")
    return found


def assess(declaration, policy):
    """Return the assessment shown to reviewers from the declared figures: per-capita income, suggestion, why."""
    return {**_assessed(declaration, declaration.get("monthly_household_income"), policy), "basis": "declared",
            "warnings": income_warnings(declaration)}


def reassess(declaration, verified_income, policy):
    """The assessment on the income the household visit verified, with the declared figures under `declared`."""
    declared = assess(declaration, policy)
    return {**_assessed(declaration, verified_income, policy), "basis": "verified", "warnings": declared["warnings"],
            "declared": {key: declared[key] for key in ("monthly_household_income", "per_capita_income",
                                                        "suggested_category", "suggested_category_label")}}


def income_warnings(declaration):
    """Warnings (not refusals) for the reviewer: the members' incomes do not add up to the household's."""
    members = [m for m in declaration.get("family_members") or [] if isinstance(m, dict)]
    household = declaration.get("monthly_household_income")
    if not members or household is None:
        return []
    total, declared = sum(_money(m.get("monthly_income")) for m in members), _money(household)
    if total == declared:
        return []
    return [f"家庭成员月收入合计 {amount(total)} 元，与申报的家庭月总收入 {amount(declared)} 元不一致，"
            "请核实是否有其他收入或填写有误"]


def _assessed(declaration, monthly_income, policy):
    size = int(declaration.get("household_size") or 0) or 1
    yearly = _money(monthly_income) * 12 - _money(declaration.get("unavoidable_expenses"))
    per_capita = max((yearly / 12 / size).quantize(CENT, ROUND_HALF_UP), Decimal("0.00"))
    income_notes = ["家庭刚性支出超过家庭收入，人均月收入按 0 元计"] if yearly < 0 else []
    reasons = exclusions(declaration)
    if policy is None:
        return {"monthly_household_income": float(_money(monthly_income)), "per_capita_income": float(per_capita),
                "suggested_category": None, "suggested_category_label": None, "reasons": reasons,
                "income_notes": income_notes + [NO_STANDARD], "dibao_line": None, "standard": None}
    line = policy.dibao_line
    financial = _money((declaration.get("assets") or {}).get("financial_assets"))
    if financial > line * 12 * 3 * size:
        reasons.append("金融资产超过家庭人均年低保标准的 3 倍")
    if reasons:
        category = "not_eligible"
    elif per_capita < line:
        category = "deep"
    elif per_capita < line * policy.relative_multiplier:
        category = "relative"
    elif SUDDEN_REASONS & set(declaration.get("hardship_reasons") or []) and \
            per_capita < line * policy.sudden_multiplier:
        category = "sudden"
    else:
        category = "not_eligible"
        reasons.append("家庭人均月收入不低于认定标准")  # the figure itself is masked for some roles
    return {
        "monthly_household_income": float(_money(monthly_income)),
        "per_capita_income": float(per_capita),
        "suggested_category": category,
        "suggested_category_label": CATEGORY_LABELS[category],
        "reasons": reasons,
        "income_notes": income_notes,
        "dibao_line": float(line),
        "standard": policy.document,
    }


# The assessment as pages show it: labels and choice titles in the shape of a form's schema (forms/display.py).
_MONEY = {"type": "number", "format": "money"}
_CATEGORY = {"type": "string", "oneOf": [{"const": k, "title": v} for k, v in CATEGORY_LABELS.items()]}
_TEXTS = {"type": "array", "items": {"type": "string"}}
DISPLAY_SCHEMA = {
    "type": "object",
    "properties": {
        "basis": {"type": "string", "title": "测算依据",
                  "oneOf": [{"const": "declared", "title": "申报收入"}, {"const": "verified", "title": "走访核实收入"}]},
        "monthly_household_income": {**_MONEY, "title": "家庭月总收入（元）"},
        "per_capita_income": {**_MONEY, "title": "家庭人均月收入（元）"},
        "suggested_category": {**_CATEGORY, "title": "建议困难类别"},
        "declared": {"type": "object", "title": "按申报收入", "properties": {
            "monthly_household_income": {**_MONEY, "title": "家庭月总收入（元）"},
            "per_capita_income": {**_MONEY, "title": "家庭人均月收入（元）"},
            "suggested_category": {**_CATEGORY, "title": "建议困难类别"}}},
        "reasons": {**_TEXTS, "title": "不符合条件的原因"},
        "income_notes": {**_TEXTS, "title": "说明"},
        "warnings": {**_TEXTS, "title": "提示"},
        "dibao_line": {**_MONEY, "title": "低保标准（元/月）"},
        "standard": {"type": "string", "title": "认定标准"},
    },
}
