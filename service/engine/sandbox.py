"""SpiffWorkflow's script environment for designers' scripts and conditions.

Designers' code is compiled with RestrictedPython (restricted.py) in the
service, so unsafe code is refused before anything runs. Then:

- A condition made only of cheap nodes runs in-process, as before: constants,
  names, subscripts with a constant key, comparisons (including `in`), `and`,
  `or`, `not`, unary minus, literal tuples/lists/sets of these and `len(name)`.
  None of these can allocate more than the data already holds or loop beyond
  it, so gateway conditions like `review["decision"] == "approve"` cost
  microseconds.
- Everything else (every script, and any expression with a call, an operator,
  a comprehension or an attribute) runs in a worker process under OS limits on
  memory and CPU (script_pool.py). Only the task data the code names is sent,
  as JSON; the names it sets or deletes come back.

Models may call two working-day helpers (workdays.py): `add_working_days(date, n)` (a date or ISO string
in, an ISO date out) and `is_working_day(date)`, e.g. a timer's timeDate
`add_working_days(public_notice["notice_start"], 5)` or a condition `is_working_day(x["day"])`. The holidays
come from the database, which a worker process cannot reach, so they travel with the call: the service's
`calendar` provider gives the known years (a few KB of JSON) and they are sent only with code that names
a helper. A call of a helper whose arguments are themselves cheap (constants, names, subscripts with a
constant key) is cheap too (the helpers step at most ten years of days), so such timer expressions and
conditions run in-process and send nothing; any other code that names them gets the calendar in the
worker. Both paths use the same arithmetic (workdays.Workdays) and raise the same YearNotKnown for a year
without holiday data.

For SpiffWorkflow nothing changes: a script's error is raised here as the same
exception class with the same arguments, on the same script line, so it still
becomes a WorkflowTaskException naming the task and the line.
"""
import ast
import builtins
import functools
import json

from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from .restricted import (
    FORBIDDEN_NAMES, MAX_INT_BITS, MAX_ITEMS, ScriptLimit, ScriptTimeout, UnsafeCode, compile_expression,
    compile_script, namespace, run_bounded,
)
from . import service_calls
from .deadline import shielded
from .script_pool import shared_pool
from .workdays import HELPER_NAMES, Workdays, YearNotKnown, helpers

__all__ = ["FORBIDDEN_NAMES", "MAX_INT_BITS", "MAX_ITEMS", "SandboxEnvironment", "ScriptLimit", "ScriptTimeout",
           "UnsafeCode", "compile_expression", "compile_script", "is_cheap"]

_CHEAP_NODES = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.Compare, ast.BoolOp, ast.And, ast.Or, ast.Tuple, ast.List,
    ast.Set, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn, ast.Is, ast.IsNot,
    ast.Not, ast.USub, ast.UAdd,
)


def _cheap(node):
    if isinstance(node, ast.Subscript):
        return isinstance(node.slice, ast.Constant)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, (ast.Not, ast.USub, ast.UAdd))
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in HELPER_NAMES:
            return not node.keywords and not any(isinstance(arg, ast.Starred) for arg in node.args)
        return (isinstance(node.func, ast.Name) and node.func.id == "len" and not node.keywords
                and len(node.args) == 1 and isinstance(node.args[0], ast.Name))
    return isinstance(node, _CHEAP_NODES)


@functools.lru_cache(maxsize=4096)
def is_cheap(expression):
    """Whether an expression may run in-process: it cannot allocate or loop beyond the data it reads."""
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError:
        return False
    return all(_cheap(node) for node in ast.walk(tree))


@functools.lru_cache(maxsize=4096)
def _names(source, mode):
    """The names the code mentions: restricted code reaches task data through these only."""
    return frozenset(node.id for node in ast.walk(ast.parse(source, mode=mode)) if isinstance(node, ast.Name))


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates restricted code only, under time and memory bounds."""

    def __init__(self, timeout=1.0, memory_mb=256, pool=None, calendar=None):
        super().__init__({})
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.pool = pool if pool is not None else shared_pool(memory_mb)
        # () -> Workdays in force; the service gives bangfu.calendar.current. Without one no year is known.
        self.calendar = calendar or (lambda: Workdays({}))

    def evaluate(self, expression, context, external_context=None):
        code = compile_expression(expression)
        if is_cheap(expression):
            helpers_used = _names(expression, "eval") & HELPER_NAMES
            return run_bounded(code, namespace(context, helpers(self.calendar()) if helpers_used else None),
                               self.timeout)
        return self._in_worker("eval", expression, context)["value"]

    def execute(self, script, context, external_context=None):
        compile_script(script)
        reply = self._in_worker("exec", script, context)
        context.update(reply["set"])
        for key in reply["deleted"]:
            context.pop(key, None)
        return True

    def call_service(self, context, operation_name, operation_params, **kwargs):
        return service_calls.call(context, operation_name, operation_params)

    def _in_worker(self, op, source, context):
        names = _names(source, "eval" if op == "eval" else "exec")
        data = {key: value for key, value in context.items() if key in names}
        request = {"op": op, "source": source, "context": data, "timeout": self.timeout}
        if names & HELPER_NAMES:
            request["calendar"] = self.calendar().to_json()
        try:
            payload = json.dumps(request).encode("ascii")
        except (TypeError, ValueError):
            bad = next((k for k, v in data.items() if not _is_json(v)), "?")
            raise ScriptLimit(f"任务数据 {bad} 不是 JSON 数据，脚本不能读取") from None
        with shielded():  # the pool's bookkeeping is never cut half-way; the call is bounded by its own timeout
            reply = self.pool.run(payload, self.timeout)
        if "error" in reply:
            args, line = reply.get("args"), reply.get("line")
            _raise_at_line(_rebuild(reply["error"], args if isinstance(args, list) else [str(args)]),
                           line if isinstance(line, int) else 0, source)
        return reply


def _is_json(value):
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


_OWN_ERRORS = {"ScriptLimit": ScriptLimit, "ScriptTimeout": ScriptTimeout, "YearNotKnown": YearNotKnown}


def _rebuild(name, args):
    """The worker's exception as one of ours or a builtin class with the same arguments; other classes (and
    BaseException ones such as SystemExit, which must not stop this process) become Exception subclasses of
    the same name, so SpiffWorkflow's message still starts with it."""
    name = str(name)
    if name == "UnsafeCode":
        return UnsafeCode([str(a) for a in args[:1]])
    cls = _OWN_ERRORS.get(name) or getattr(builtins, name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(*args)
        except Exception:
            pass
    return _foreign_error(name[:100])(*args)


@functools.lru_cache(maxsize=64)
def _foreign_error(name):
    return type(name, (Exception,), {"__module__": "script"})


def _raise_at_line(error, line, source):
    """Raise `error` from a frame named <string> at `line`, as restricted code does in-process:
    SpiffWorkflow takes the script line it reports from that frame of the traceback."""
    if 0 < line <= source.count("\n") + 1:
        code = compile("\n" * (line - 1) + "raise error", "<string>", "exec")
        exec(code, {"__builtins__": {}, "error": error})  # noqa: S102 - a fixed one-line raise
    raise error
