"""A restricted Python environment for BPMN scripts and conditions.

Scripts come from process designers, so they run with RestrictedPython: no
imports, no names or attributes starting with an underscore, a short list of
builtins (no open, eval, getattr tricks), and a wall-clock bound enforced by a
trace function. Code is compiled once per source text and cached.
"""
import ast
import functools
import operator
import sys
import time

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

_BANNED_BUILTINS = {"__build_class__", "setattr", "delattr", "id", "_getattr_"}
_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("dict", "list", "set", "tuple", "min", "max", "sum", "sorted", "any", "all",
                 "enumerate", "zip", "map", "filter", "reversed")
}
BUILTINS = {k: v for k, v in safe_builtins.items() if k not in _BANNED_BUILTINS} | _EXTRA_BUILTINS

_GUARDS = {
    "_getattr_": safer_getattr,
    "_getitem_": operator.getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
}
_INPLACE = {
    "+=": operator.add, "-=": operator.sub, "*=": operator.mul, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": operator.mod, "|=": operator.or_, "&=": operator.and_,
}


class UnsafeCode(Exception):
    """The code uses something the sandbox forbids, or does not compile."""

    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class ScriptTimeout(Exception):
    pass


def _static_problems(source, mode):
    """Problems RestrictedPython lets through at compile time but we refuse outright."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return [f"语法错误（第 {exc.lineno} 行）：{exc.msg}"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            problems.append(f"第 {node.lineno} 行：不允许 import")
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            problems.append(f"第 {node.lineno} 行：不允许 global/nonlocal")
        elif isinstance(node, (ast.ClassDef, ast.AsyncFunctionDef, ast.Await, ast.Yield, ast.YieldFrom)):
            problems.append(f"第 {node.lineno} 行：不允许定义类、协程或生成器")
    return problems


@functools.lru_cache(maxsize=4096)
def compile_expression(source):
    problems = _static_problems(source, "eval")
    if problems:
        raise UnsafeCode(problems)
    result = compile_restricted_eval(source)
    if result.errors:
        raise UnsafeCode(result.errors)
    return result.code


@functools.lru_cache(maxsize=1024)
def compile_script(source):
    problems = _static_problems(source, "exec")
    if problems:
        raise UnsafeCode(problems)
    result = compile_restricted_exec(source)
    if result.errors:
        raise UnsafeCode(result.errors)
    return result.code


def _run_bounded(code, namespace, timeout):
    deadline = time.monotonic() + timeout

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return eval(code, namespace)  # noqa: S307 - restricted code object
    finally:
        sys.settrace(previous)


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that evaluates restricted code only."""

    def __init__(self, timeout=1.0):
        super().__init__({})
        self.timeout = timeout

    def _namespace(self, context):
        namespace = dict(context)
        namespace.update(_GUARDS)
        namespace["__builtins__"] = BUILTINS
        return namespace

    def evaluate(self, expression, context, external_context=None):
        return _run_bounded(compile_expression(expression), self._namespace(context), self.timeout)

    def execute(self, script, context, external_context=None):
        namespace = self._namespace(context)
        _run_bounded(compile_script(script), namespace, self.timeout)
        for key, value in namespace.items():
            if key == "__builtins__" or key in _GUARDS or callable(value):
                continue
            context[key] = value
        for key in [k for k in context if k not in namespace]:
            del context[key]
        return True

    def call_service(self, context, **kwargs):
        raise UnsafeCode(["服务任务（serviceTask）未启用"])
