"""RestrictedPython's policy, guards and compilation for designers' scripts and conditions.

Scripts come from process designers, so they run with RestrictedPython: no
imports, no names or attributes starting with an underscore, a short list of
builtins (no open, eval, getattr tricks), and a bound on the CPU time their
thread spends, enforced by a trace function. CPU time, not wall-clock time:
restricted code cannot wait for anything, and a machine under load (or another
thread holding the interpreter) must not make a trivial condition time out. The
trace function only runs between Python lines, so work done inside one builtin
call is bounded by size instead: `range` yields at most MAX_ITEMS numbers, and
`*`, `**`, `<<` and the string methods that multiply their input refuse results
that would be too large. Code is compiled once per source text and cached.

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
import re
import sys
import time
import types

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


# RestrictedPython's refusals, as a designer reads them: (its English pattern, our Chinese sentence).
_REFUSALS = [
    (r'"(?P<n>[^"]+)" is an invalid variable name because it starts with "_"', "`{n}` 不是允许的名称（名称不能以下划线开头）"),
    (r'"(?P<n>[^"]+)" is an invalid variable name because it ends with "__roles__"', "`{n}` 不是允许的名称"),
    (r'"(?P<n>[^"]+)" is a reserved name', "`{n}` 是保留名称，不能使用"),
    (r'"(?P<n>[^"]+)" is an invalid attribute name because it starts with "_"',
     "`{n}` 不是允许的属性名（属性名不能以下划线开头）"),
    (r'"(?P<n>[^"]+)" is an invalid attribute name because it ends with "__roles__"', "`{n}` 不是允许的属性名"),
    (r'"(?P<n>[^"]+)" is a restricted name', "`{n}` 是受限的名称，不能访问"),
    (r"(?P<n>Exec|Eval) calls are not allowed", "不允许调用 {n}"),
    (r"(?P<n>\w+) statements? (?:are not allowed|is not known to RestrictedPython)", "不允许使用 {n} 语句"),
    (r"Unpacking in comprehensions is not allowed", "推导式中不允许解包"),
    (r"Augmented assignment of attributes is not allowed", "不允许对属性做增量赋值（如 a.b += 1）"),
    (r"Augmented assignment of object items and slices is not allowed", "不允许对元素或切片做增量赋值（如 a[0] += 1）"),
    (r"Assignment expressions are only allowed for simple targets", "赋值表达式（:=）只能赋给简单的名称"),
    (r'(?:Lazy|"\*") imports? (?:statements )?are not allowed', "不允许 import"),
    (r'The keyword argument "metaclass" is not allowed', "不允许使用 metaclass"),
]
_REFUSALS = [(re.compile(pattern), text) for pattern, text in _REFUSALS]
_SYNTAX = [
    (r"invalid syntax", "写法无效"), (r"was never closed", "括号没有闭合"), (r"unmatched", "括号不成对"),
    (r"expected ':'", "此处缺少冒号"), (r"unexpected indent", "缩进多余"), (r"expected an indented block", "此处应缩进"),
    (r"unindent does not match", "缩进与上文不一致"), (r"unterminated (?:triple-quoted )?string", "字符串缺少结尾的引号"),
    (r"invalid character", "包含无效字符（是否用了中文标点？）"), (r"cannot assign to", "此处不能赋值"),
    (r"Perhaps you forgot a comma", "可能缺少逗号"), (r"unexpected EOF", "内容不完整"),
]
_SYNTAX = [(re.compile(pattern, re.I), text) for pattern, text in _SYNTAX]


def refusal_in_chinese(info):
    """One of RestrictedPython's refusals as a Chinese sentence (any other text as a generic refusal)."""
    for pattern, text in _REFUSALS:
        found = pattern.search(info)
        if found:
            return text.format(**found.groupdict())
    return "此写法不允许在流程脚本中使用"


def syntax_error_in_chinese(exc):
    reason = next((text for pattern, text in _SYNTAX if pattern.search(exc.msg or "")), "写法无效")
    where = f"第 {exc.lineno} 行第 {exc.offset} 列" if exc.offset else f"第 {exc.lineno} 行"
    return f"语法错误（{where}）：{reason}"


class _Policy(RestrictingNodeTransformer):
    """RestrictedPython's checks, in Chinese, plus `*`, `**` and `<<` routed through size guards."""

    _GUARDED = {ast.Mult: "_mul_", ast.Pow: "_pow_", ast.LShift: "_lshift_"}

    def error(self, node, info):
        self.errors.append(f"第 {getattr(node, 'lineno', '?')} 行：{refusal_in_chinese(info)}")

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
        return [syntax_error_in_chinese(exc)]
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
    try:
        problems = _static_problems(source, mode)
        if problems:
            raise UnsafeCode(problems)
        result = compile_restricted(source, policy=_Policy)
    except (RecursionError, MemoryError):  # the parser's stack: `not not … True`, `1+1+…+1` thousands deep
        raise UnsafeCode(["嵌套层级过深，无法编译（请拆成几行或几个步骤）"]) from None
    if result.errors:
        raise UnsafeCode(result.errors)
    return result.code


@functools.lru_cache(maxsize=4096)
def compile_expression(source):
    return _compiled(source, "eval", compile_restricted_eval)


@functools.lru_cache(maxsize=1024)
def compile_script(source):
    return _compiled(source, "exec", compile_restricted_exec)


def _own_codes(code):
    """`code` and the code objects nested in it (comprehensions, lambdas, functions it defines), by id."""
    codes = {id(code): code}  # the objects are kept: an id stays theirs
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            codes.update(_own_codes(const))
    return codes


def run_bounded(code, names, timeout, clock=time.thread_time):
    """Run restricted code in `names`, stopped between its lines once its thread has used `timeout` seconds
    of CPU (by `clock`).

    Only the restricted code's own frames are traced and interrupted. Any other Python code that runs in
    this thread meanwhile (a guard, a helper, and above all a weakref or GC callback run by a collection
    that happens in the middle of the script) is left alone: an exception raised there would be
    swallowed by CPython ("Exception ignored in ...") and, as a trace function that raises is unset, the
    script would then run on with no bound at all. The frames of that other code run untraced (they are
    bounded by size, see above), and the script's next line after them is stopped. For the same reason a
    tracer left in the thread after the script (were one ever left) could not interrupt the service's own
    code: a ScriptTimeout raised in the engine's code is taken for the designer's script failing."""
    deadline = clock() + timeout
    own = _own_codes(code)

    def line(frame, event, arg):
        if clock() > deadline:
            raise ScriptTimeout(f"脚本运行超过 {timeout} 秒，已中止")
        return line

    def call(frame, event, arg):
        if id(frame.f_code) not in own:
            return None  # not the script's: no line events for it, and never interrupted
        return line(frame, event, arg)

    previous = sys.gettrace()
    try:
        # Set inside the try: an exception landing as soon as it is set (the engine's deadline is raised
        # asynchronously) must not leave it tracing the thread's later work.
        sys.settrace(call)
        return eval(code, names)  # noqa: S307 - restricted code object
    finally:
        sys.settrace(previous)


def json_value(name, value):
    """The value as JSON text; ScriptLimit naming the variable if it is not JSON data."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        raise ScriptLimit(f"脚本结果 {name} 不能保存（{type(value).__name__} 不是 JSON 数据）") from None


def namespace(context, helpers=None):
    """Globals for restricted code: the task data, the helpers offered to models (working days), the guards
    and the short builtins."""
    names = dict(context)
    names.update(helpers or {})
    names.update(GUARDS)
    names["__builtins__"] = BUILTINS
    return names


def is_data(key, value):
    """Whether a name left in a script's namespace is data to write back (not a guard or a helper)."""
    return key != "__builtins__" and key not in GUARDS and not callable(value)
