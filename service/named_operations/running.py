"""Running the named operations a task calls.

A user task's calls run around its completion: their checks beside the form's schema (one 422 names every bad
field), their derivations before the engine runs the task, their records after it, in the completion's
transaction. A service task's call runs when the engine reaches it, inside the command that moved the engine
(the completion, a timer firing): `service_calls` binds the handler for the engine's run, and a refusal from the
operation (a Conflict, a ValidationFailed) ends the whole command with that answer, rolled back.
"""
import json
from contextlib import contextmanager

from sqlalchemy.exc import SQLAlchemyError

from ..engine import service_calls
from ..errors import Conflict, DomainError
from .binding import task_calls
from .catalogue import OPERATIONS
from .registry import BadArgument

_FORM_TYPE_ERRORS = (TypeError, ValueError, ArithmeticError, AttributeError, KeyError)


class Args(dict):
    """An operation's parameter values; `refs` what the model wrote for each (a field's name, to name it)."""

    def __init__(self, values, refs):
        super().__init__(values)
        self.refs = refs


def _field(ctx, data, reference):
    """A field of the task's form (`amount`) or one another task stored (`open_file.aid_type`)."""
    task, dot, key = reference.partition(".")
    if dot:
        return (ctx.case_data.get(task) or {}).get(key)
    return data.get(reference)


def _args(ctx, data, operation, given):
    values, refs = {}, {}
    for param in operation.params:
        reference = given.get(param.name, param.default)
        if reference is None:
            continue
        refs[param.name] = reference
        values[param.name] = _field(ctx, data, reference) if param.type == "field" else reference
    return Args(values, refs)


def _bound(ctx, task_name):
    ctx.task_name = task_name
    for call in task_calls(ctx.case.process_version, task_name, ctx.task_properties(task_name)):
        operation = OPERATIONS.get(call.operation)
        if operation is None:  # refused at deployment; a version stored before an operation was withdrawn
            raise Conflict(f"此步骤调用的业务操作 {call.operation} 已不存在，不能办理；请流程设计人员修改模型")
        yield operation, call.given


def problems(task_name, ctx, data):
    """Problems the form's schema cannot see. A value of the wrong type (already reported by the schema) just
    skips its check."""
    found = {}
    for operation, given in _bound(ctx, task_name):
        if operation.check is None:
            continue
        try:
            more = operation.check(ctx, data, _args(ctx, data, operation, given))
        except _FORM_TYPE_ERRORS:
            continue
        for field, reasons in more.items():
            found.setdefault(field, []).extend(r for r in reasons if r not in found.get(field, []))
    return found


def derive(task_name, ctx, data):
    """Extra workflow data to store beside the form (or None); an operation may normalise `data` itself."""
    extra = {}
    for operation, given in _bound(ctx, task_name):
        if operation.derive is not None:
            with _model_fault(operation):
                extra.update(operation.derive(ctx, data, _args(ctx, data, operation, given)) or {})
    return extra or None


def record(task_name, ctx, data, extra):
    """Write what the completed task's operations record (the register, awards, the case row)."""
    for operation, given in _bound(ctx, task_name):
        if operation.record is not None:
            with _model_fault(operation):
                operation.record(ctx, data, extra, _args(ctx, data, operation, given))


@contextmanager
def _model_fault(operation):
    """A user task's operation failing on the values its parameters name (a field the form lacks, a category that
    is the declarant's name) is the model's fault: the completion is refused with a 409 naming the operation
    (nothing is kept, the task stays open), not a 500."""
    try:
        yield
    except BadArgument as exc:
        raise Conflict(f"此步骤调用的业务操作“{operation.label}”（{operation.name}）的{exc}，不能办理；"
                       "请流程设计人员检查模型中此操作的参数", {"operations": [operation.name]}) from None
    except _FORM_TYPE_ERRORS as exc:
        raise Conflict(f"此步骤调用的业务操作“{operation.label}”（{operation.name}）运行出错（{type(exc).__name__}），"
                       "不能办理；请流程设计人员检查模型中此操作的参数", {"operations": [operation.name]}) from None


class _Refused(BaseException):
    """A domain refusal inside the engine: a BaseException, so SpiffWorkflow does not turn it into an incident."""

    def __init__(self, error):
        super().__init__(str(error))
        self.error = error


class OperationFailed(Exception):
    """An operation a service task called failed on its values; the text (Chinese) names the operation."""


def _failure_text(operation, exc):
    where = f"业务操作“{operation.label}”（{operation.name}）"
    if isinstance(exc, BadArgument):
        return f"{where}的{exc}；请流程设计人员检查服务任务的参数"
    if isinstance(exc, SQLAlchemyError):
        return f"{where}的参数值无法保存（超出长度或范围）；请流程设计人员检查服务任务的参数"
    return f"{where}运行出错（{type(exc).__name__}）；请流程设计人员检查服务任务的参数"


class _TaskView:
    """What an operation called from a service task reads: the data the engine gives that task."""

    def __init__(self, data, instance):
        self.data, self._instance = data, instance

    def properties(self, spec_name):
        return self._instance.properties(spec_name) if self._instance is not None else {}


def run_with_service_tasks(session, make_context, instance, run):
    """`run()` -> (result, failure text or None), with the service tasks the engine reaches calling their
    operations; `make_context(view)` gives the RuleContext of the command's case, user and session for a task's
    data. Each call runs in a savepoint (an operation that fails leaves nothing behind, its task an incident), and
    a run whose engine work is discarded (`failure`) takes back what its service tasks wrote."""
    run_savepoint = []

    def handle(name, params, data):
        operation = OPERATIONS.get(name)
        if operation is None:  # refused at deployment; a spec stored otherwise is an incident
            raise LookupError(f"未知的业务操作 {name}")
        if not run_savepoint:
            run_savepoint.append(session.begin_nested())
        ctx = make_context(_TaskView(data, instance))
        values = {param.name: data.get(param.default) if param.type == "field" else param.default
                  for param in operation.params if param.default is not None}
        values.update(params)
        args = Args(values, {name: name for name in values})
        try:
            with session.begin_nested():
                extra = operation.derive(ctx, dict(args), args) if operation.derive else None
                if operation.record:
                    operation.record(ctx, dict(args), extra, args)
        except DomainError as exc:
            raise _Refused(exc) from None
        except Exception as exc:  # the model gave a value the operation cannot take: the task's incident
            raise OperationFailed(_failure_text(operation, exc)) from None
        if extra:
            data.update(extra)
        return json.dumps(extra, default=str) if extra else "null"
    try:
        with service_calls.handling(handle):
            result, failure = run()
    except _Refused as refused:
        raise refused.error from None
    if run_savepoint:
        (run_savepoint[0].rollback if failure else run_savepoint[0].commit)()
    return result, failure
