"""Per-capita income and the suggested hardship category (困难类别).

Per-capita monthly income = (12 × monthly household income − yearly unavoidable
expenses) ÷ 12 ÷ household size. Categories: 深度困难 (deep) below the 低保 line,
相对困难 (relative) below RELATIVE_MULTIPLIER × 低保, 意外致困 (sudden) for an accident,
disaster or major illness below SUDDEN_MULTIPLIER × 低保. The reviewer decides; this only suggests.
"""
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CATEGORY_LABELS = {"deep": "深度困难", "relative": "相对困难", "sudden": "意外致困", "not_eligible": "不符合条件"}
SUDDEN_REASONS = {"accident", "disaster", "major_illness"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Policy:
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
    """Return the assessment shown to reviewers: per-capita income, suggestion and why."""
    size = int(declaration.get("household_size") or 0) or 1
    yearly = _money(declaration.get("monthly_household_income")) * 12 - _money(declaration.get("unavoidable_expenses"))
    per_capita = (yearly / 12 / size).quantize(CENT, ROUND_HALF_UP)
    line = policy.dibao_line
    reasons = exclusions(declaration)
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
        reasons.append(f"家庭人均月收入 {per_capita} 元，不低于认定标准")
    return {
        "per_capita_income": float(per_capita),
        "suggested_category": category,
        "suggested_category_label": CATEGORY_LABELS[category],
        "reasons": reasons,
        "dibao_line": float(line),
        "standard": policy.document,
    }


# The assessment as pages show it: labels and choice titles in the shape of a form's schema (forms/display.py).
DISPLAY_SCHEMA = {
    "type": "object",
    "properties": {
        "per_capita_income": {"type": "number", "title": "家庭人均月收入（元）", "format": "money"},
        "suggested_category": {"type": "string", "title": "建议困难类别",
                               "oneOf": [{"const": k, "title": v} for k, v in CATEGORY_LABELS.items()]},
        "reasons": {"type": "array", "title": "说明", "items": {"type": "string"}},
        "dibao_line": {"type": "number", "title": "低保标准（元/月）", "format": "money"},
        "standard": {"type": "string", "title": "认定依据"},
    },
}
