"""Which named operations a task calls, and the deployment check of a model's calls.

A user task names its operations in the property `operations`, run in the order written, e.g.
`bangfu.check_amount(amount=approved_amount, aid_type=open_file.aid_type), bangfu.create_award(aid_type=
open_file.aid_type)`; a parameter's value is a form field of the task (`approved_amount`), a field another task
stored (`open_file.aid_type`), a task id or a text, by the parameter's type. A service task calls one operation
the BPMN way, SpiffWorkflow's `spiffworkflow:serviceTaskOperator id="bangfu.file_household"` with
`spiffworkflow:parameter id=… type=… value=…` children whose values are expressions on the case data.

Versions deployed before operations had names (`rules_by_task_id`, set by migration 0031 on every version then
stored) keep the rules their task ids had: TASK_ID_RULES is that old binding written as calls, so their open cases
run exactly as before; every version deployed since binds by name only.
"""
import ast
import functools
import re
from dataclasses import dataclass

from ..engine import ModelProblem
from .catalogue import OPERATIONS

PROPERTY = "operations"
# The most calls one user task may make: each runs at every completion (the bundled tasks make at most four;
# 50 000 made a completion take minutes).
MAX_CALLS = 20
_CALL = re.compile(r"\s*([\w.]+)\s*(?:\(([^()]*)\))?\s*(?:[,;\n]|$)")
_ARG = re.compile(r"^\s*(\w+)\s*=\s*(.*?)\s*$")

_AMOUNT_OF_FILE = "bangfu.check_amount(amount=proposed_amount, aid_type=aid_type)"
_AMOUNT_APPROVED = "bangfu.check_amount(amount=approved_amount, aid_type=open_file.aid_type)"
_EXIT_TAIL = {"exit_approval": "bangfu.schedule_follow_up, bangfu.record_exit",
              "follow_up_visit": "bangfu.check_follow_up, bangfu.record_follow_up"}
_PROGRAMME_APPROVAL = "bangfu.check_programme_award(programme={0}), bangfu.create_programme_award(programme={0})"
TASK_ID_RULES = {
    "hardship_assistance": {
        "declaration": "bangfu.check_declaration, bangfu.check_duplicate, bangfu.declare_household, "
                       "bangfu.assess_household",
        "assign_third_party": "bangfu.visit_deadline, bangfu.assign_third_party",
        "supervise_visit": "bangfu.reset_visit_deadline",
        "household_visit": "bangfu.reassess_household",
        "re_review": "bangfu.record_category",
        "public_notice": "bangfu.notice_period, bangfu.record_notice",
        "notice_objection": "bangfu.check_objection, bangfu.record_objection",
        "open_file": f"{_AMOUNT_OF_FILE}, bangfu.check_file_number, bangfu.give_file_number, bangfu.file_household",
        "approval": f"{_AMOUNT_APPROVED}, bangfu.create_award(aid_type=open_file.aid_type)",
        "payment": "bangfu.check_payment(aid_type=open_file.aid_type), bangfu.record_payment",
    },
    "annual_review": {
        "assign_review_visit": "bangfu.check_visit_due_date, bangfu.assign_visitor",
        "review_visit_center": "bangfu.check_income_months, bangfu.record_incomes",
        "review_visit_third_party": "bangfu.check_income_months, bangfu.record_incomes",
        "review_conclusion": "bangfu.keep_filed",
        **_EXIT_TAIL,
    },
    "household_exit": dict(_EXIT_TAIL),
    **{process: {"application": check, "application_centre": check,
                 "programme_approval": _PROGRAMME_APPROVAL.format(programme)}
       for process, check, programme in (
           ("education_grant", "bangfu.check_education_application", "education"),
           ("medical_aid", "bangfu.check_medical_application", "medical"),
           ("sudden_aid", "bangfu.check_sudden_application", "sudden"))},
    "festival_warmth": {"warmth_approval": _PROGRAMME_APPROVAL.format("warmth")},
}


@dataclass(frozen=True)
class Call:
    operation: str
    given: dict  # parameter name -> its value as written


class CallsInvalid(ValueError):
    pass


def parse_calls(text):
    """The calls a user task's `operations` property writes; CallsInvalid saying what is wrong."""
    calls, position, text = [], 0, (text or "").strip()
    while position < len(text):
        found = _CALL.match(text, position)
        if not found or found.end() == position:
            raise CallsInvalid(f"无法识别“{text[position:position + 30]}”，应为“操作名(参数=值, …)”并以逗号分隔")
        given = {}
        for part in filter(str.strip, (found.group(2) or "").split(",")):
            arg = _ARG.match(part)
            if not arg:
                raise CallsInvalid(f"{found.group(1)} 的参数“{part.strip()}”应写作 参数=值")
            given[arg.group(1)] = _unquoted(arg.group(2))
        calls.append(Call(found.group(1), given))
        position = found.end()
    return calls


def _unquoted(value):
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def task_calls(version, task_name, properties):
    """The calls a user task of the version makes before and after its completion."""
    if version.rules_by_task_id:
        text = TASK_ID_RULES.get(version.process_model.key, {}).get(task_name)
    else:
        text = properties.get(PROPERTY)
    return _parsed(text) if text else ()


@functools.lru_cache(maxsize=512)
def _parsed(text):
    return tuple(parse_calls(text))


def _call_problems(call, service_task):
    """What is wrong with one call of an operation (unknown, parameters missing, unknown or not a choice)."""
    operation = OPERATIONS.get(call.operation)
    if operation is None:
        return [f"未知的业务操作 {call.operation}（可用的操作见 GET /api/v1/operations）"]
    if service_task and not operation.service_task:
        return [f"业务操作 {call.operation}（{operation.label}）是表单办理时的操作，不能由服务任务调用"]
    problems = [f"业务操作 {call.operation} 没有参数 {name}" for name in call.given
                if operation.param(name) is None]
    for param in operation.params:
        value = call.given.get(param.name)
        if not value and param.required:
            problems.append(f"业务操作 {call.operation}（{operation.label}）缺少必填参数 {param.name}（{param.label}）")
        elif value and param.choices:
            literal = _literal(value) if service_task else value
            if literal not in param.choices:
                allowed = "、".join(f"{k}（{v}）" for k, v in param.choices.items())
                problems.append(f"业务操作 {call.operation} 的参数 {param.name} 应为 {allowed} 之一")
    return problems


def _literal(expression):
    try:
        return ast.literal_eval(expression)
    except (ValueError, SyntaxError):
        return None


def model_problems(parsed):
    """Each task of a model about to be deployed whose operations are unknown or wrongly called, named."""
    problems = []
    for task in parsed.user_tasks:
        text = task.properties.get(PROPERTY)
        if not text:
            continue
        try:
            calls = parse_calls(text)
        except CallsInvalid as exc:
            problems.append(ModelProblem(task.id, f"任务“{task.name}”的业务操作写法有误：{exc}"))
            continue
        if len(calls) > MAX_CALLS:
            problems.append(ModelProblem(task.id, f"任务“{task.name}”调用了 {len(calls)} 个业务操作，最多 {MAX_CALLS} 个"))
            continue
        repeated = sorted({call.operation for call in calls if calls.count(call) > 1})
        problems += [ModelProblem(task.id, f"任务“{task.name}”：业务操作 {name} 以相同参数调用了多次") for name in repeated]
        problems += [ModelProblem(task.id, f"任务“{task.name}”：{p}") for call in calls
                     for p in _call_problems(call, service_task=False)]
    for spec in _service_tasks(parsed):
        call = Call(spec.operation_name, {k: v["value"] for k, v in spec.operation_params.items()})
        name = spec.bpmn_name or spec.bpmn_id
        problems += [ModelProblem(spec.bpmn_id, f"服务任务“{name}”：{p}") for p in _call_problems(call, True)]
    return problems


def _service_tasks(parsed):
    for process in (parsed.spec, *parsed.subprocess_specs.values()):
        for spec in process.task_specs.values():
            if hasattr(spec, "operation_name"):
                yield spec
