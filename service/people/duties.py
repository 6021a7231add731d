"""Segregation of duties: the pairs of steps that, within one case, must be done by different people.

A user may hold several roles (user_roles) and change them, so a role check alone does not keep a step and its
check independent. Claiming or completing a task is refused when the same user completed its paired step
in the same case, in either order and however often the case looped back.

Declared here, once. The other four-eyes rules live where their rows are, as CHECK constraints:
a payment batch's maker and checker (money.models.PaymentBatch, `maker_checker`) and a fund standard's
drafter and approver (money.models.FundStandard, `four_eyes`).
"""
from sqlalchemy import bindparam, select

from ..errors import Forbidden
from ..tasks.models import HumanTask, TaskState

# (step, step): BPMN task ids that may not both be done by one person in one case.
SEPARATE_STEPS = (
    ("household_visit", "visit_oversight"),  # 入户走访 / 走访监督 (hardship assistance)
    ("re_review", "approval"),  # 复审结论 / 审批
    ("approval", "payment"),  # 审批 / 发放确认
    ("programme_review", "programme_approval"),  # 审核 / 审批 (金秋助学, 医疗救助, 意外致困)
    ("review_conclusion", "exit_approval"),  # 年度复核结论 / 退出审批 (annual review)
    ("exit_request", "exit_approval"),  # 退出申请 / 退出审批 (household exit)
)


_DONE_PAIRED = select(HumanTask).where(  # built once: checked at every claim and completion
    HumanTask.case_id == bindparam("case_id"), HumanTask.state == TaskState.COMPLETED,
    HumanTask.completed_by_id == bindparam("user_id"), HumanTask.spec_name.in_(bindparam("paired", expanding=True))
).limit(1)


def paired_steps(step):
    """The steps that must be done by someone other than whoever does `step`."""
    return {b if a == step else a for a, b in SEPARATE_STEPS if step in (a, b)}


def ensure_independent(session, user, task, someone_else=False):
    """Forbidden when `user` completed a step of the task's case that must be independent of this one;
    `someone_else`: the caller asks on the user's behalf (改派), and the message names them."""
    paired = paired_steps(task.spec_name)
    if not paired:
        return
    done = session.scalar(_DONE_PAIRED, {"case_id": task.case_id, "user_id": user.id, "paired": sorted(paired)})
    if done is not None:
        who = user.display_name if someone_else else "您"
        raise Forbidden(f"职责分离：{who}已办理本案件的「{done.title}」，「{task.title}」须由其他人员办理",
                        {"username" if someone_else else "task": [f"与「{done.title}」须由不同人员办理"]})


def barred_users(session, task):
    """The ids of the users who completed a step of the task's case that must be independent of it: the
    people ensure_independent would refuse it to, left out where someone is chosen for it (改派)."""
    paired = paired_steps(task.spec_name)
    if not paired:
        return set()
    return set(session.scalars(select(HumanTask.completed_by_id).where(
        HumanTask.case_id == task.case_id, HumanTask.state == TaskState.COMPLETED,
        HumanTask.spec_name.in_(sorted(paired)), HumanTask.completed_by_id.is_not(None))))
