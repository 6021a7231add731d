"""Masking personal data in case data by role: only the roles that need a value see it whole."""
from ..households.identity import mask_number, mask_phone
from ..people.roles import Role

HIDDEN = "（已隐藏）"
_IDENTITY_ROLES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.THIRD_PARTY}
_BANK_ROLES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.FINANCE}
_NEEDS_CIRCUMSTANCES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.THIRD_PARTY, Role.INSPECTOR, Role.APPROVER}

# field name -> (roles that see it whole, how others see it)
POLICY = {
    "id_number": (_IDENTITY_ROLES, mask_number),
    "phone": (_IDENTITY_ROLES, mask_phone),
    "bank_card_number": (_BANK_ROLES, mask_number),
    "health": (_NEEDS_CIRCUMSTANCES, lambda v: HIDDEN),
    "monthly_income": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "monthly_household_income": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "verified_monthly_household_income": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "unavoidable_expenses": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "financial_assets": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "per_capita_income": (_NEEDS_CIRCUMSTANCES, lambda v: None),
    "warnings": (_NEEDS_CIRCUMSTANCES, lambda v: None),  # the assessment's, which quote incomes
}


def mask(data, role):
    """A copy of `data` with every sensitive field the role does not need masked."""
    if isinstance(data, dict):
        masked = {}
        for key, value in data.items():
            rule = POLICY.get(key)
            if rule and role not in rule[0] and value not in (None, ""):
                masked[key] = rule[1](value)
            else:
                masked[key] = mask(value, role)
        return masked
    if isinstance(data, list):
        return [mask(item, role) for item in data]
    return data
