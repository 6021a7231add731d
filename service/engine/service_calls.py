"""Service tasks call named operations through the command that moves the engine.

SpiffWorkflow hands a service task's operator (its name and evaluated parameters) to the script environment;
the environment passes them to the handler the running command bound here (named_operations.running), which
runs the operation in the command's own transaction. No handler bound (an engine run that no command owns, a
case start before its case row exists) is an error of that task, kept as an incident.
"""
from contextlib import contextmanager
from contextvars import ContextVar

_handler = ContextVar("bangfu_service_calls", default=None)


class NoServiceCalls(Exception):
    pass


@contextmanager
def handling(handler):
    """`handler(operation name, {parameter: value}, task data) -> JSON text` answers the block's service tasks."""
    token = _handler.set(handler)
    try:
        yield
    finally:
        _handler.reset(token)


def call(data, operation_name, operation_params):
    handler = _handler.get()
    if handler is None:
        raise NoServiceCalls("服务任务只能在办理任务或定时器触发时运行，流程发起时不能调用")
    return handler(operation_name, {name: param["value"] for name, param in operation_params.items()}, data)
