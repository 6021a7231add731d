"""The script sandbox: what a designer's script may and may not do."""
import pytest

from service.engine.sandbox import SandboxEnvironment, ScriptTimeout, UnsafeCode, compile_expression


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
    from service.engine.sandbox import compile_script
    return compile_script(source)


@pytest.mark.parametrize("source, error", [
    ("open('/etc/passwd')", NameError),
    ("eval('1')", (UnsafeCode, NameError)),
    ("getattr(x, 'y')", NameError),
    ("globals()", NameError),
    ("'{0.__class__}'.format(x)", Exception),
])
def test_dangerous_builtins_are_missing_at_run_time(sandbox, source, error):
    with pytest.raises(error):
        sandbox.evaluate(source, {"x": 1})


def test_endless_loop_is_stopped_by_the_time_bound(sandbox):
    with pytest.raises(ScriptTimeout):
        sandbox.execute("n = 0\nwhile True:\n    n += 1", {})


def test_engine_turns_a_timeout_into_an_incident_not_a_hang():
    from pathlib import Path

    from service.engine import Engine, parse_model
    text = (Path(__file__).parent / "data" / "script_task.bpmn").read_text(encoding="utf-8")
    xml = text.replace("SCRIPT_BODY", "n = 0\nwhile True:\n    n += 1").replace("CONDITION", "True").encode()
    engine = Engine(script_timeout=0.2)
    parsed = parse_model(xml)
    spec_json = engine.dump_spec(parsed)
    instance = engine.start("t", lambda: spec_json)
    task = instance.open_tasks()[0]
    instance.complete(task.id, {"decision": "approve"})
    assert instance.incident and "计算" in instance.incident
    restored = engine.restore("t", lambda: spec_json, engine.dump(instance))
    assert restored.open_tasks() == []
