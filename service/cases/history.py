"""Appending to a case's history."""
from ..db import utcnow
from .models import CaseEvent

ACTION_LABELS = {
    "started": "发起申报", "claimed": "认领任务", "unclaimed": "退回任务池", "completed": "办理完成",
    "incident": "流程异常", "ended": "流程结束",
    "withdrawn": "撤回申报",
    "timer_opened": "到期发起",  # a timer fired and opened the task named (a 督办 when a visit runs late)
}


def record(session, case, user, action, task=None, decision=None, opinion=None, when=None):
    event = CaseEvent(case_id=case.id, actor_id=user.id if user else None, action=action,
                      task_name=task.spec_name if task else None, task_title=task.title if task else None,
                      decision=decision, opinion=opinion, occurred_at=when or utcnow())
    session.add(event)
    return event
