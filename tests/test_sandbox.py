"""The script sandbox: what a designer's script may and may not do."""
import gc
import sys
import weakref

import pytest

from bangfu.engine.restricted import compile_script, namespace, run_bounded
from bangfu.engine.sandbox import ScriptLimit, SandboxEnvironment, ScriptTimeout, UnsafeCode, compile_expression


@pytest.fixture
def sandbox():
    return SandboxEnvironment(timeout=0.2)


def test_conditions_read_task_data_by_subscript(sandbox):
    assert sandbox.evaluate('review["decision"] == "approve"', {"review": {"decision": "approve"}}) is True


def test_scripts_write_results_back_into_task_data_and_drop_helpers(sandbox):
    data = {"members": [{"income": 100}, {"income": 250.5}]}
    sandbox.execute("total = sum([m['income'] for m in members])\ndef helper():\n    return 1", data)
    assert data["total"] == 350.5
    assert "helper" not in data and "__builtins__" not in data


def test_deleting_a_variable_in_a_script_removes_it_from_task_data(sandbox):
    data = {"draft": 1, "keep": 2}
    sandbox.execute("del draft", data)
    assert data == {"keep": 2}


@pytest.mark.parametrize("source", [
    "__import__('os')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__dict__",
    "import os",
    "from os import path",
])
def test_escapes_are_refused_before_running(source):
    with pytest.raises(UnsafeCode):
        compile_expression(source) if "import " not in source else _compile_script(source)


def _compile_script(source):
    from bangfu.engine.sandbox import compile_script
    return compile_script(source)


@pytest.mark.parametrize("source", ["open('/etc/passwd')", "eval('1')", "getattr(x, 'y')", "globals()",
                                    "type(x).mro()", "vars()"])
def test_dangerous_builtins_are_refused_before_running(sandbox, source):
    with pytest.raises(UnsafeCode):
        sandbox.evaluate(source, {"x": 1})


def test_str_format_cannot_reach_dunder_attributes(sandbox):
    with pytest.raises(NotImplementedError):
        sandbox.evaluate("'{0.__class__}'.format(x)", {"x": 1})


@pytest.mark.parametrize("script", [
    "n = sum(range(10**11))", "n = max(range(10**10))", "x = {}.fromkeys(range(10**8))", "a = 'a' * 10**8",
    "c = [0] * 10**9", "b = 10**10**10", "s = 1 << 10**9", "d = 'x'.ljust(10**9)",
    "e = ('a' * 1000).replace('a', 'b' * 1000)", "x = 'ab'\nx *= 10**8",
])
def test_work_inside_one_builtin_call_is_bounded_by_size(sandbox, script):
    """The time bound only acts between Python lines; these would run for minutes inside one call."""
    with pytest.raises(ScriptLimit):
        sandbox.execute(script, {})


def test_ordinary_arithmetic_and_strings_still_work(sandbox):
    data = {}
    sandbox.execute("total = sum(range(100)) * 2\nlabel = '第' + str(2 ** 10) + '号'\nrow = [0] * 5", data)
    assert data == {"total": 9900, "label": "第1024号", "row": [0, 0, 0, 0, 0]}


def test_a_result_that_is_not_json_data_is_refused(sandbox):
    with pytest.raises(ScriptLimit, match="numbers"):
        sandbox.execute("numbers = range(3)", {})


def test_endless_loop_is_stopped_by_the_time_bound(sandbox):
    with pytest.raises(ScriptTimeout):
        sandbox.execute("n = 0\nwhile True:\n    n += 1", {})


def test_engine_turns_a_timeout_into_an_incident_not_a_hang():
    from pathlib import Path

    from bangfu.engine import Engine, parse_model
    text = (Path(__file__).parent / "data" / "script_task.bpmn").read_text(encoding="utf-8")
    xml = text.replace("SCRIPT_BODY", "n = 0\nwhile True:\n    n += 1").replace("CONDITION", "True").encode()
    engine = Engine(script_timeout=0.2)
    parsed = parse_model(xml)
    spec_json = engine.dump_spec(parsed)
    instance = engine.start("t", lambda: spec_json)
    instance.advance()
    task = instance.open_tasks()[0]
    instance.complete(task.id, {"decision": "approve"})
    assert instance.incident and "计算" in instance.incident
    restored = engine.restore("t", lambda: spec_json, engine.dump(instance))
    assert restored.open_tasks() == []


class _Clock:
    """A settable clock for run_bounded."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


class _Node:
    pass


def _collected_later(callback):
    """An object only a reference cycle keeps: the next collection runs `callback` (a weakref callback)."""
    node = _Node()
    node.cycle = node
    return weakref.ref(node, callback)


def test_a_script_whose_time_runs_out_while_a_gc_callback_runs_is_still_stopped():
    """A collection in the middle of a script runs Python callbacks in its thread. The time bound passing
    during one of them must stop the script at its next line, not be raised (and swallowed) in the callback,
    which would leave the script running with no bound at all."""
    clock = _Clock()

    def late(_ref):  # the clock passes the deadline while the callback runs
        clock.now += 10

    trap = _collected_later(late)  # noqa: F841 - the weakref must live until it is collected
    names = namespace({}, {"collect": gc.collect})
    code = compile_script("collect()\ntotal = 0\nfor i in range(1000):\n    total += 1\n")
    with pytest.raises(ScriptTimeout):
        run_bounded(code, names, 1.0, clock=clock)
    assert names.get("total", 0) < 1000, "the script ran on past its time bound"
    assert clock.now == 10, "the callback ran inside the script"


def test_a_script_stays_bounded_in_functions_and_comprehensions_it_defines():
    clock = _Clock()
    code = compile_script("def spin():\n    clock_tick()\n    while True:\n        pass\nspin()\n")
    names = namespace({}, {"clock_tick": lambda: setattr(clock, "now", 10)})
    with pytest.raises(ScriptTimeout):
        run_bounded(code, names, 1.0, clock=clock)
    comprehension = compile_expression("[clock_tick() for i in range(3)] and [i for i in range(10**5) if i < 0]")
    clock.now = 0
    with pytest.raises(ScriptTimeout):
        run_bounded(comprehension, namespace({}, {"clock_tick": lambda: setattr(clock, "now", 10)}), 1.0,
                    clock=clock)


def test_a_script_interrupted_as_its_tracer_is_set_leaves_no_tracer_behind(monkeypatch):
    """The engine's deadline is raised asynchronously and may land just as a condition's tracer is set. A
    tracer left behind would trace the thread's later work and, a second on, raise ScriptTimeout in
    whatever code runs then (the engine's own: an endless loop became a script failure and the command
    answered 200)."""
    from bangfu.engine import restricted

    class Interrupted(BaseException):
        pass

    class LandingSys:  # sys, with an exception landing right after settrace
        gettrace = staticmethod(sys.gettrace)

        @staticmethod
        def settrace(function):
            sys.settrace(function)
            if function is not None:
                raise Interrupted()
    previous = sys.gettrace()
    monkeypatch.setattr(restricted, "sys", LandingSys)
    with pytest.raises(Interrupted):
        run_bounded(compile_expression("1 + 1"), namespace({}), 1.0)
    left = sys.gettrace()
    sys.settrace(previous)
    assert left is previous
