"""Who does each human task of a model being deployed, with which form and due date.

The role: `camunda:candidateGroups` when the task has them (each group a role's key or Chinese label, all naming
the same role), else the lane the task stands in (the lane of its subprocess for a task inside one). The form:
the model's Spiff form, else the form a `camunda:formKey` names, else a default form (forms/defaults.py). The
due date: Spiff's properties, or `camunda:dueDate` as whole days or weeks (`P3D`, `P2W`) or a date.
"""
import re
from datetime import date, datetime

from ..engine import ModelProblem
from ..forms.defaults import FILES, default_kind, form_key_files
from ..people.roles import LANE_ROLES, role_for_lane
from ..tasks.deadlines import DUE_DATE, DUE_IN_DAYS

_WEEKS_DAYS = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?")


def _where(task):
    return f"“{task.name}”（{task.element}）" if task.name and task.name != task.element else task.element


def _allowed():
    return "、".join(f"{role.label}（{role}）" for role in LANE_ROLES)


def _role(task):
    """(role, None) or (None, why not)."""
    if task.candidate_groups:
        roles = {group: role_for_lane(group) for group in task.candidate_groups}
        unknown = [group for group, role in roles.items() if role is None]
        if unknown:
            return None, f"候选组 {'、'.join(unknown)} 不是可办理任务的角色；可用：{_allowed()}"
        if len(set(roles.values())) > 1:
            return None, f"候选组 {'、'.join(task.candidate_groups)} 对应多个角色；一个任务只能由一个角色办理"
        return next(iter(roles.values())), None
    role = role_for_lane(task.lane)
    if role is None:
        where = f"泳道“{task.lane}”不是角色" if task.lane else "不在任何泳道中"
        return None, (f"{where}，也没有用 camunda:candidateGroups 指定角色；任务须位于以角色命名的泳道中，"
                      f"或指定候选组：{_allowed()}")
    return role, None


def _due_properties(text):
    """({property: value}, None) for a camunda:dueDate, or (None, why it cannot be read)."""
    found = _WEEKS_DAYS.fullmatch(text)
    if found and any(found.groups()):
        return {DUE_IN_DAYS: str(int(found.group(1) or 0) * 7 + int(found.group(2) or 0))}, None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text).date()
        return {DUE_DATE: day.isoformat()}, None
    except ValueError:
        return None, (f"camunda:dueDate 只能是天或周的时长（如 P3D、P2W）或日期（如 2026-12-31）；"
                      f"当前为 {text[:100]}")


def assign(parsed, library):
    """Choose and record (ParsedModel.assign) each human task's role, form and due date; [ModelProblem]."""
    problems = []
    for task in parsed.user_tasks:
        role, why = _role(task)
        if role is None:
            problems.append(ModelProblem(task.id, f"{_where(task)}：{why}"))
            continue
        properties = {}
        if not task.form and task.form_key:
            schema, ui = form_key_files(library, task.form_key)
            if schema is None:
                problems.append(ModelProblem(task.id, f"{_where(task)}：camunda:formKey “{task.form_key[:100]}”"
                                                      f"指定的表单 {ui} 不存在"))
                continue
            task.form, task.ui_form = schema, ui
        elif not task.form:
            task.default_form = default_kind(task)
            task.form, task.ui_form = FILES[task.default_form]
        properties["formJsonSchemaFilename"] = task.form
        if task.ui_form:
            properties["formUiSchemaFilename"] = task.ui_form
        if task.due_date:
            due, why = _due_properties(task.due_date)
            if due is None:
                problems.append(ModelProblem(task.id, f"{_where(task)}：{why}"))
                continue
            properties.update(due)
        task.role = str(role)
        task.properties.update(properties)
        parsed.assign(task, str(role), properties)
    return problems
