"""Masking personal data in case data by role: only the roles that need a value see it whole.

Two kinds of rule, both decided here: POLICY names fields (an ID number is one wherever it appears, in
form data or derived data); a form marks a field of its own with the schema keyword SENSITIVE
("x-sensitive": "circumstances") when its text describes the family's health, income or assets, and
KINDS says which roles see such fields.

The inspectors (纪检监督) check the procedure, not the family: who did which step when, against which
deadline, whether the visit took place as required (date, visitors, the household present, the checks
made, the signatures), the notice and its objections' dates and outcomes, the decisions and the amounts.
They see no whole ID, card or phone number, no health, no income and no free text about the family. The
oversight exchange itself, their own 审核意见 and the centre's 整改答复 to it, is marked "oversight": read
by the inspectors and by those who read the circumstances, as it may quote them.
"""
from .. import audit
from ..households.identity import mask_number, mask_phone
from ..people.roles import Role

HIDDEN = "（已隐藏）"
SENSITIVE = "x-sensitive"
_IDENTITY_ROLES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.THIRD_PARTY}
_BANK_ROLES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.FINANCE}
# The centre head reads the circumstances to instruct (督办) a late step, and writes opinions that quote them.
_NEEDS_CIRCUMSTANCES = {Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.THIRD_PARTY, Role.APPROVER,
                        Role.CENTRE_HEAD}

# field name -> (roles that see it whole, how others see it)
POLICY = {
    "id_number": (_IDENTITY_ROLES, mask_number),
    "patient_id_number": (_IDENTITY_ROLES, mask_number),  # 医疗救助's patient
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
    "income_notes": (_NEEDS_CIRCUMSTANCES, lambda v: None),  # the assessment's, which compare them
}
# value of a form field's SENSITIVE keyword -> roles that see the field; others see HIDDEN
KINDS = {"circumstances": _NEEDS_CIRCUMSTANCES, "oversight": _NEEDS_CIRCUMSTANCES | {Role.INSPECTOR}}


def _holds(role, readers):
    """Whether `role` (one role, or the set a user holds: any of them will do) is among `readers`."""
    return role in readers if isinstance(role, str) else not frozenset(role).isdisjoint(readers)


OVERSIGHT_VIEWED = "oversight_text"  # the audit log's name for the oversight-marked text a view showed


def sees_whole(role, field):
    """Whether the role (or any of a set of roles) reads the named POLICY field unmasked."""
    return _holds(role, POLICY[field][0])


def mask_circumstance(name, text, role):
    """Free text outside a form that may describe the family (an adjustment line's note): whole for the roles
    that read the circumstances (and the view audited), HIDDEN for the others."""
    if text in (None, ""):
        return text
    if not _holds(role, KINDS["circumstances"]):
        return HIDDEN
    audit.note_unmasked(name)
    return text


def mask(data, role, schemas=None):
    """A copy of case data with every sensitive field the role does not need masked.

    `schemas` maps a step's key in the data to the JSON Schema of the form that collected it, so that
    fields the form marks SENSITIVE are hidden too (from every role when the kind is unknown here)."""
    if not isinstance(data, dict):
        return _mask(data, role, None)
    return {key: _mask(value, role, (schemas or {}).get(key)) for key, value in data.items()}


def mask_answer(answer, role, schema=None):
    """A copy of one step's answer masked for the role, `schema` being the form that collected it."""
    return _mask(answer, role, schema)


def mask_opinion(opinion, role, schema=None):
    """A history entry's copy of a step's opinion, masked as the step's own answer is."""
    return mask_answer({"opinion": opinion}, role, schema)["opinion"]


def _mask(data, role, schema):
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(data, dict):
        properties = schema.get("properties") or {}
        masked = {}
        for key, value in data.items():
            field = properties.get(key) if isinstance(properties, dict) else None
            masked[key] = _masked_field(key, value, role, field if isinstance(field, dict) else {})
        return masked
    if isinstance(data, list):
        return [_mask(item, role, schema.get("items")) for item in data]
    return data


def _masked_field(key, value, role, field):
    if value in (None, "", []):
        return _mask(value, role, field)
    kind = field.get(SENSITIVE)
    if kind is not None and not _holds(role, KINDS.get(kind, ())):
        return HIDDEN
    rule = POLICY.get(key)
    if rule and not _holds(role, rule[0]):
        return rule[1](value)
    if kind == "oversight" and not rule:
        audit.note_unmasked(OVERSIGHT_VIEWED)  # logged as what it is: the oversight's opinions and answers
    elif kind is not None or rule:
        audit.note_unmasked(key)  # shown whole: the request is logged as a view of personal data
    return _mask(value, role, field)
