"""RestrictedPython's policy, guards and compilation for designers' scripts and conditions.

Scripts come from process designers, so they run with RestrictedPython: no
imports, no names or attributes starting with an underscore, a short list of
builtins (no open, eval, getattr tricks), and a wall-clock bound enforced by a
trace function. The trace function only runs between Python lines, so work done
inside one builtin call is bounded by size instead: `range` yields at most
MAX_ITEMS numbers, and `*`, `**`, `<<` and the string methods that multiply
their input refuse results that would be too large. Code is compiled once per
source text and cached.

These checks give designers clear errors, but they cannot bound memory or the
time spent inside one builtin call; script_pool.py runs code under OS limits for
that. This module is shared by the service and the script workers, so it imports
only the standard library and RestrictedPython: a worker loads it as a plain
module, without the bangfu package (whose import loads Flask).
"""
import ast
import functools
import json
import operator
import sys
import time

from RestrictedPython import RestrictingNodeTransformer, compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Eval import default_guarded_getiter
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr,
)

MAX_ITEMS = 100_000
MAX_INT_BITS = 100_000
# Names refused at deployment: none is available at run time either, but a model using them is a mistake
# (or an attempt) better shown to its designer straight away.
FORBIDDEN_NAMES = {"open", "eval", "exec", "compile", "globals", "locals", "vars", "dir", "getattr", "setattr",
                   "delattr", "type", "input", "breakpoint", "help", "memoryview", "object", "super", "exit",
                   "quit"}
_BANNED_BUILTINS = {"__build_class__", "setattr", "delattr", "id", "_getattr_"}
_EXTRA_BUILTINS = {
    name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
    for name in ("dict", "list", "set", "tuple", "min", "max", "sum", "sorted", "any", "all",
                 "enumerate", "zip", "map", "filter", "reversed")
}


class ScriptLimit(ValueError):
    """The script asked for a result larger than the sandbox allows."""


def _bounded_range(*args):
    result = range(*args)
    if len(result) > MAX_ITEMS:
        raise ScriptLimit(f"range 最多 {MAX_ITEMS} 个数")
    return result


def _check_size(items):
    if items > MAX_ITEMS:
        raise ScriptLimit(f"结果过大（超过 {MAX_ITEMS} 项）")


def _mul(a, b):
    for seq, times in ((a, b), (b, a)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int):
            _check_size(len(seq) * max(times, 0))
    return a * b


def _pow(a, b):
    if isinstance(a, int) and isinstance(b, int) and abs(a) > 1 and b * a.bit_length() > MAX_INT_BITS:
        raise ScriptLimit("数值过大")
    return a ** b


def _lshift(a, b):
    if isinstance(a, int) and isinstance(b, int) and b > MAX_INT_BITS:
        raise ScriptLimit("数值过大")
    return a << b


def _sized_method(method, size_of_result):
    def guarded(*args):
        _check_size(size_of_result(*args))
        return method(*args)
    return guarded


_STRING_METHODS = {  # methods whose result can dwarf their input, with the size they would produce
    "ljust": lambda s: lambda width, *rest: width,
    "rjust": lambda s: lambda width, *rest: width,
    "center": lambda s: lambda width, *rest: width,
    "zfill": lambda s: lambda width: width,
    "expandtabs": lambda s: lambda tabsize=8: len(s) * max(tabsize, 1),
    "replace": lambda s: lambda old, new, *rest: len(s) * max(len(new), 1) + len(new),
}


def _getattr(obj, name, *default):
    value = safer_getattr(obj, name, *default)
    if isinstance(obj, str) and name in _STRING_METHODS:
        return _sized_method(value, _STRING_METHODS[name](obj))
    return value


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's checks, plus `*`, `**` and `<<` routed through size guards."""

    _GUARDED = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_"}

    def visit_BinOp(self, node):
        node = self.node_contents_visit(node)
        guard = self._GUARDED.get(type(node.op))
        if guard is None:
            return node
        call = ast.Call(func=ast.Name(guard, ast.Load()), args=[node.left, node.right], keywords=[])
        return ast.fix_missing_locations(ast.copy_location(call, node))


BUILTINS = {k: v for k, v in safe_builtins.items() if k not in _BANNED_BUILTINS} | _EXTRA_BUILTINS
BUILTINS["range"] = _bounded_range

GUARDS = {
    "_getattr_": _getattr,
    "_mul_": _mul,
    "_pow_": _pow,
    "_lshift_": _lshift,
    "_getitem_": operator.getitem,
    "_getiter_": default_guarded_getiter,
    "_write_": full_write_guard,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_inplacevar_": lambda op, x, y: _INPLACE[op](x, y),
}
_INPLACE = {
    "+=": operator.add, "-=": operator.sub, "*=": _mul, "/=": operator.truediv,
    "//=": operator.floordiv, "%=": operator.mod, "|=": operator.or_, "&=": operator.and_,
    "**=": _pow, "<<=": _lshift,
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
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_NAMES:
            problems.append(f"第 {node.lineno} 行：不允许使用 {node.id}")
    return problems


def _compiled(source, mode, compile_restricted):
    problems = _static_problems(source, mode)
    if problems:
        raise UnsafeCode(problems)
    result = compile_restricted(source, policy=_Policy)
    if result.errors:
        raise UnsafeCode(result.errors)
    return result.code


@functools.lru_cache(maxsize=4096)
def compile_expression(source):
    return _compiled(source, "eval", compile_restricted_eval)


@functools.lru_cache(maxsize=1024)
def compile_script(source):
    return _compiled(source, "exec", compile_restricted_exec)


def run_bounded(code, names, timeout):
    """Run restricted code in `names`, stopped between lines once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止")
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        return eval(code, names)  # noqa: S307 - restricted code object
    finally:
        sys.settrace(previous)


def json_value(name, value):
    """The value as JSON text; ScriptLimit naming the variable if it is not JSON data."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        raise ScriptLimit(f"脚本结果 {name} 不能保存（{type(value).__name__} 不是 JSON 数据）") from None


def namespace(context):
    """Globals for restricted code: the task data, the guards and the short builtins."""
    names = dict(context)
    names.update(GUARDS)
    names["__builtins__"] = BUILTINS
    return names


def is_data(key, value):
    """Whether a name left in a script's namespace is data to write back (not a guard or a helper)."""
    return key != "__builtins__" and key not in GUARDS and not callable(value)
