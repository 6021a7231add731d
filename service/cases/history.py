"""Appending to a case's history."""
from ..db import utcnow
from .models import CaseEvent

ACTION_LABELS = {
    "started": "发起申报", "claimed": "认领任务", "unclaimed": "退回任务池", "completed": "办理完成",
    "incident": "流程异常", "ended": "流程结束",
    "withdrawn": "撤回申报",
    "timer_fired": "定时器触发", "scheduled_start": "定时发起",
    "review_started": "发起年度复核", "exit_started": "发起退出（撤档）", "closed_on_exit": "家庭撤档，案件终止",
    "programme_started": "发起帮扶项目申请", "warmth_started": "发起送温暖",
    "reassigned": "改派任务",
    "migrated": "迁移到新版本流程",
    "incident_retried": "流程异常：重试", "incident_skipped": "流程异常：跳过失败步骤",
    "terminated": "流程异常：终止案件",
}


def record(session, case, user, action, task=None, decision=None, opinion=None, when=None):
    event = CaseEvent(case_id=case.id, actor_id=user.id if user else None, action=action,
                      task_name=task.spec_name if task else None, task_title=task.title if task else None,
                      decision=decision, opinion=opinion, occurred_at=when or utcnow())
    session.add(event)
    return event
