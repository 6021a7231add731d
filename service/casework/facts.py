"""The key facts of a case's steps, in words: what a step's one-line summary carries
(复审 the category, 公示 its dates, 建档 the file number and proposed amount, 审批 the approved amount; the
annual review's and the exit's conclusion with its category or exit reason, the 防返困 follow-up's result)
and what the payment (发放确认) page shows above its form."""
from ..households import register
from ..households.assessment import CATEGORY_LABELS
from ..households.models import EXIT_REASONS
from ..wording import long_date as day, yuan

AMOUNT_TERM = "审批金额"  # the one name of the amount 审批 approves, on every page and in every message


def _re_review(data):
    category = CATEGORY_LABELS.get(data.get("category"))
    return [f"认定类别：{category}"] if category else []


def _public_notice(data):
    start, end = data.get("notice_start"), data.get("notice_end")
    return [f"公示期：{day(start)}至{day(end)}"] if start and end else []


def _notice_objection(data):
    received = [f"异议收到日期：{day(data['received_on'])}"] if data.get("received_on") else []
    outcome = {"upheld": "异议成立，重新调查", "not_upheld": "异议不成立，继续公示"}.get(data.get("decision"))
    # The form's 核查结论 is the finding, free text about the family (not shown in a summary); the outcome is
    # its 异议是否成立.
    return received + ([f"异议是否成立：{outcome}"] if outcome else [])


def _household_visit(data):
    verified = yuan(data.get("verified_monthly_household_income"))
    return [f"核实家庭月收入：{verified}"] if verified else []


def _open_file(data):
    facts = [f"档案编号：{data['file_number']}"] if data.get("file_number") else []
    proposed = yuan(data.get("proposed_amount"))
    return facts + ([f"拟帮扶金额：{proposed}"] if proposed else [])


def _approval(data):
    approved = yuan(data.get("approved_amount"))
    return [f"{AMOUNT_TERM}：{approved}"] if approved and data.get("decision") == "approve" else []


def _payment(data):
    paid = yuan(data.get("paid_amount"))
    facts = [f"发放金额：{paid}"] if paid else []
    return facts + ([f"发放日期：{day(data['paid_on'])}"] if data.get("paid_on") else [])


def _review_conclusion(data):
    """年度复核结论: the category kept or changed, or why the household leaves (what 退出审批 decides on)."""
    if data.get("decision") == "exit":
        return _exit_request(data)
    category = CATEGORY_LABELS.get(data.get("category"))
    return [f"困难类别：{category}"] if category else []


def _exit_request(data):
    reason = EXIT_REASONS.get(data.get("exit_reason"))
    return [f"退出原因：{reason}"] if reason else []


def _follow_up_visit(data):
    returned = data.get("returned_to_hardship")
    return [] if returned is None else ["回访结论：返困" if returned is True else "回访结论：未返困"]


_FACTS = {"re_review": _re_review, "public_notice": _public_notice, "notice_objection": _notice_objection,
          "household_visit": _household_visit, "review_visit_center": _household_visit,
          "review_visit_third_party": _household_visit,
          "open_file": _open_file, "approval": _approval, "payment": _payment,
          "review_conclusion": _review_conclusion, "exit_request": _exit_request, "follow_up_visit": _follow_up_visit}


def step_facts(spec_name, data):
    """The key facts one round of a step recorded, each a short phrase; empty for steps without any."""
    facts = _FACTS.get(spec_name)
    return facts(data or {}) if facts else []


def task_panel(spec_name, case, data):
    """Facts shown above a task's form, or None: the payment's approved amount and account."""
    return _payment_panel(case, data) if spec_name == "payment" else None


def _payment_panel(case, data):
    """What finance checks before confirming a payment: the approved amount and the household's account
    (`data` is the case data already masked for the reader)."""
    declaration = data.get("declaration") or {}
    return {"approved_amount": yuan(case.approved_amount), "bank_name": declaration.get("bank_name"),
            "account_name": declaration.get("bank_account_name"),
            "card_number": declaration.get("bank_card_number")}


# Steps that see the one-file check's warnings: 初审, where the union checks the declared family.
MEMBER_CHECK_STEPS = {"preliminary_review"}


def household_warnings(session, task):
    """For 初审: members of the declared household (the worker included) who are in another household 在档,
    each with that file's number (一人多档 is for the reviewer to settle: a warning, not a refusal)."""
    if task.spec_name not in MEMBER_CHECK_STEPS or not task.case.household_id:
        return []
    household = register.household_of(session, task.case)
    return register.member_warnings(session, household) if household is not None else []
