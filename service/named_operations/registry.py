"""What a named operation is: its name, Chinese label, kind, parameters and the hooks that run it.

Kinds, as a designer reads them: `checks` returns problems ({field: [reasons]}, a 422 before the task is
completed); `derive` adds data to the case (stored beside the form, or as a service task's result); `record`
writes domain rows (the household register, awards, the case row) in the completion's transaction.

Hooks take `(ctx, data, args)` (`record` also the derived `extra`): `data` is the submitted form on a user task
and the evaluated parameters on a service task; `args` the operation's parameters, resolved.
"""
from dataclasses import dataclass, field
from typing import Callable

KIND_LABELS = {"checks": "校验", "derive": "推导数据", "record": "登记业务数据"}
# Parameter types: a form field or `task.field` of the case data on a user task (an expression on a service
# task), a task id of the model, a literal text, or one of `choices`.
TYPE_LABELS = {"field": "字段", "task": "任务", "text": "文本", "choice": "选项"}


class BadArgument(ValueError):
    """A parameter value the operation cannot take (a service task's expression gave a number for a file number,
    an unknown category): the model's fault, so the task becomes an incident naming the parameter, not a refusal
    of the user whose completion reached it."""

    def __init__(self, param, reason):
        super().__init__(f"参数 {param} {reason}")
        self.param, self.reason = param, reason


@dataclass(frozen=True)
class Param:
    name: str
    label: str
    type: str = "field"
    required: bool = False
    default: str | None = None
    choices: dict = field(default_factory=dict)  # value -> Chinese label, for type "choice"


@dataclass(frozen=True)
class Operation:
    name: str
    label: str
    kind: str
    description: str
    params: tuple = ()
    check: Callable | None = None
    derive: Callable | None = None
    record: Callable | None = None
    service_task: bool = True  # may be called from a service task (checks have no one to show problems to)

    def param(self, name):
        return next((p for p in self.params if p.name == name), None)

    def describe(self):
        """The operation as the modeler's side panel and GET /operations show it."""
        return {"name": self.name, "label": self.label, "kind": self.kind, "kind_label": KIND_LABELS[self.kind],
                "description": self.description, "service_task": self.service_task,
                "params": [{"name": p.name, "label": p.label, "type": p.type, "type_label": TYPE_LABELS[p.type],
                            "required": p.required, "default": p.default,
                            "choices": [{"value": k, "label": v} for k, v in p.choices.items()]}
                           for p in self.params]}
