"""Awards from decisions outside the money area: the hardship application's 审批, and a household's exit.

- 审批 approved (cases/rules.py): the 建档 form's aid type names the programme (living → 生活救助, medical →
  医疗救助, education → 金秋助学; legal aid, training and employment help carry no money and create none).
  The approved amount is monthly for living aid. The award runs to the end of the standard in force (its
  effective_to) and keeps that standard and its item.
- Exit (register.exit_household, whichever path calls it): the household's active awards end on the exit date;
  their instalments due from that day on that are not paid are cancelled (awards.end_award).
"""
from decimal import Decimal

from ..households.models import EXIT_REASONS
from .awards import Grant, active_awards, create_award, end_award
from .standards import held_to
from .models import Programme

AID_TYPE_PROGRAMME = {"living": Programme.LIVING, "medical": Programme.MEDICAL, "education": Programme.EDUCATION}


def award_hardship_approval(session, case, household, aid_type, approved_amount, approved_on, approver):
    """The award a hardship application's approval creates, or None for an aid type that pays no money."""
    programme = AID_TYPE_PROGRAMME.get(aid_type)
    if programme is None or approved_amount is None or household is None:
        return None
    held = held_to(session, programme, None, approved_on, category=household.category)
    grant = Grant(programme=programme, amount=Decimal(str(approved_amount)),
                  period_end=held.standard.effective_to if held.standard else None,
                  standard_id=held.standard.id if held.standard else None,
                  standard_item_id=held.item.id if held.item else None, category=household.category)
    return create_award(session, household, grant, approved_on, approver, case)


def end_household_awards(session, household, on):
    """The household left the register on `on`: each of its active awards ends then. Returns them."""
    reason = f"家庭退出（{EXIT_REASONS.get(household.exit_reason, household.exit_reason)}）"
    ended = active_awards(session, household.id)
    for award in ended:
        end_award(session, award, on, reason)
    return ended
