"""The shape of a model's service tasks, checked before SpiffWorkflow parses them.

A service task calls a named operation: one `spiffworkflow:serviceTaskOperator` with the operation's name as
its `id`, and a `spiffworkflow:parameter` per parameter with `id`, `type` and `value` (an expression on the
case data, run in the sandbox like a condition). Which operations exist is the service's business
(named_operations.binding checks the names and parameters at deployment).
"""
from .sandbox import UnsafeCode, compile_expression

_OPERATOR = "bpmn:extensionElements/spiffworkflow:serviceTaskOperator"


def service_task_problems(root, namespaces):
    """(element id, problem) for each service task written in a way the service cannot run."""
    problems = []
    for node in root.xpath(".//bpmn:serviceTask", namespaces=namespaces):
        element = node.get("id") or "serviceTask"
        operators = node.xpath(_OPERATOR, namespaces=namespaces)
        if len(operators) != 1 or not (operators[0].get("id") or "").strip():
            problems.append((element, "服务任务须有且只有一个 spiffworkflow:serviceTaskOperator，其 id 为业务操作名"
                                      "（如 bangfu.file_household）"))
            continue
        for param in operators[0].xpath(".//spiffworkflow:parameter", namespaces=namespaces):
            name = param.get("id")
            if not name or param.get("type") is None or param.get("value") is None:
                problems.append((element, f"服务任务参数 {name or '(无 id)'} 须有 id、type 和 value"))
                continue
            try:
                compile_expression(param.get("value").strip() or "None")
            except UnsafeCode as exc:
                problems += [(element, f"服务任务参数 {name} 的表达式不安全或有误：{p}") for p in exc.problems]
    return problems
