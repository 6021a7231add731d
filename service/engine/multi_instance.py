"""How many instances one multi-instance task may make, checked before SpiffWorkflow makes them.

A parallel multi-instance task creates all its children in one engine step, each with its own copy of
the task data, so neither the step count nor the deadline stops one that asks for a million: its
cardinality is checked as it is evaluated, and its input collection as it is read.
"""
from collections.abc import Sized

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine

from .instance import InstanceLimit
from .timers import checked_value


class ScriptEngine(PythonScriptEngine):
    """SpiffWorkflow's script engine over the sandbox, refusing a cardinality past the limit and a timer
    expression's value no timer can use (timers.checked_value)."""

    def __init__(self, environment, max_instances):
        super().__init__(environment=environment)
        self.max_instances = max_instances

    def evaluate(self, task, expression, external_context=None):
        result = super().evaluate(task, expression, external_context)
        if expression == getattr(task.task_spec, "cardinality", None) and isinstance(result, int) \
                and result > self.max_instances:
            raise InstanceLimit()
        return checked_value(task, expression, result)

    def call_service(self, task, **kwargs):
        """A service task's call; its error is the task's error. (SpiffWorkflow's own handler names a variable
        it does not have, so every failing call was an incident reading "name 'script' is not defined".)"""
        try:
            return self.environment.call_service(task.data, **kwargs)
        except Exception as exc:
            raise WorkflowTaskException(str(exc) or type(exc).__name__, task=task, exception=exc) from exc


class _BoundedInput:
    """A multi-instance task's input collection that refuses to be read past the limit."""

    def __init__(self, source, limit):
        self._source, self._limit = source, limit

    def get(self, my_task):
        value = self._source.get(my_task)
        if isinstance(value, Sized) and len(value) > self._limit:
            raise InstanceLimit()
        return value

    def __getattr__(self, name):
        return getattr(self._source, name)


def bound_inputs(specs, limit):
    """Wrap the input collection of every multi-instance task in these (restored, cached) specs."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            source = getattr(task_spec, "data_input", None)
            if source is not None and not isinstance(source, _BoundedInput):
                task_spec.data_input = _BoundedInput(source, limit)
