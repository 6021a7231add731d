"""No model can hold a request or a lock: endless ones are refused at deployment or stopped by the engine's
bounds, and the case is set aside as an incident in its last committed state, never a 500 or a hang."""
import gc
import sys
import threading
import time
import weakref
from contextlib import contextmanager
from pathlib import Path

import pytest

from bangfu.engine import Engine, EngineFailure, Limits, parse_model
from bangfu.engine.deadline import DeadlineExceeded, _watchdog, within
from conftest import Api, make_app, prepare
from http_helpers import post_json as _post
from test_process_models import upload

DATA = Path(__file__).parent / "data"


def model(name, **replace):
    text = (DATA / name).read_text(encoding="utf-8")
    for old, new in replace.items():
        text = text.replace(old, new)
    return text.encode()


def start(api, process):
    response = api.post("/api/v1/cases", "union1", json={"process": process})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("called, element, chain", [
    ("main", "call_helper", "main → main"),
    ("helper", "call_main", "main → helper → main"),
])
def test_a_process_that_calls_itself_is_refused_at_deployment(api, called, element, chain):
    response = upload(api, model("calls.bpmn", CALLED_BY_MAIN=called))
    assert response.status_code == 422
    problems = response.get_json()["error"]["fields"][element]
    assert any(chain in problem and "递归" in problem for problem in problems)
    assert "main" not in [m["key"] for m in api.get("/api/v1/process-models", "designer1").get_json()]


def test_an_executable_process_without_an_id_is_a_model_problem_not_a_server_error(api):
    xml = model("endless_loop.bpmn").replace(b'id="endless_loop" ', b"")
    response = upload(api, xml)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["definitions"] == ["可执行流程缺少 id"]


def test_an_endless_loop_after_a_completion_sets_the_case_aside_and_keeps_the_task_open(api):
    assert upload(api, model("endless_loop.bpmn")).status_code == 201
    case = start(api, "endless_loop")
    [task] = case["open_tasks"]
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": {"decision": "approve"}})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "步" in error["fields"]["case"][0] and "暂停" in error["message"]
    after = api.case(case["id"])
    assert after["status"] == "incident" and "循环" in after["incident"]
    assert [t["id"] for t in after["open_tasks"]] == [task["id"]], "the completion did not happen"
    assert [e["action"] for e in after["history"]] == ["started", "incident"]
    again = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": {"decision": "approve"}})
    assert again.status_code == 409 and "暂停办理" in again.get_json()["error"]["message"]


def test_a_service_stays_responsive_while_a_case_loops(api, server):
    """On SQLite a looping command holds the write lock: others wait only for the bound, never for ever."""
    assert upload(api, model("endless_loop.bpmn")).status_code == 201
    case = start(api, "endless_loop")
    task_id = case["open_tasks"][0]["id"]
    token = api.token("union1")
    results = {}

    def complete():
        results["loop"] = _post(f"{server}/api/v1/tasks/{task_id}/complete", token, {"data": {"decision": "approve"}})
    looping = threading.Thread(target=complete)
    looping.start()
    signed_in = _post(f"{server}/api/v1/auth/token", None, {"username": "center1", "password": "center1-secret"})
    looping.join(timeout=60)
    assert not looping.is_alive()
    assert (results["loop"][0], signed_in[0]) == (409, 200)


def test_a_case_whose_first_steps_loop_starts_as_an_incident(api):
    xml = model("endless_loop.bpmn").replace(b'<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
                                             b'<bpmn:outgoing>f2</bpmn:outgoing></bpmn:startEvent>') \
        .replace(b'sourceRef="review" targetRef="count"', b'sourceRef="start" targetRef="count"')
    xml = xml.replace(b'<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review" />', b"")
    assert upload(api, xml).status_code == 201, upload(api, xml).get_json()
    case = start(api, "endless_loop")
    assert case["status"] == "incident" and "循环" in case["incident"]
    assert case["open_tasks"] == []


def test_a_multi_instance_task_over_a_list_nobody_filled_is_an_incident_at_start_not_a_server_error(api):
    """SpiffWorkflow itself fails on it (a TypeError inside the engine)."""
    source = "<bpmn:loopDataInputRef>members</bpmn:loopDataInputRef><bpmn:inputDataItem id='member' name='member' />"
    assert upload(api, model("multi_instance.bpmn", ITEMS_SOURCE=source)).status_code == 201
    case = start(api, "multi_instance")
    assert case["status"] == "incident"
    assert case["incident"].startswith("流程引擎错误")


def test_a_multi_instance_task_asking_for_a_billion_instances_is_stopped_before_it_makes_them(api):
    xml = model("multi_instance.bpmn", ITEMS_SOURCE="<bpmn:loopCardinality>10 ** 9</bpmn:loopCardinality>")
    assert upload(api, xml).status_code == 201
    case = start(api, "multi_instance")
    assert case["status"] == "incident" and "实例数超过" in case["incident"]


def test_a_case_whose_data_outgrows_the_cap_is_an_incident(migrated):
    app = make_app(migrated, CASE_STATE_KB=64)
    try:
        prepare(app)
        api = Api(app)
        script = "filler = ['x' * 40000, 'y' * 40000]"
        xml = model("endless_loop.bpmn").replace(b"<bpmn:script>rounds = 1</bpmn:script>",
                                                 f"<bpmn:script>{script}\nrounds = 0</bpmn:script>".encode())
        assert upload(api, xml).status_code == 201
        case = start(api, "endless_loop")
        task_id = case["open_tasks"][0]["id"]
        response = api.post(f"/api/v1/tasks/{task_id}/complete", "union1", json={"data": {"decision": "approve"}})
        assert response.status_code == 409
        assert "案件数据超过上限（64 KB）" in api.case(case["id"])["incident"]
    finally:
        from bangfu import db
        db.engine_of(app).dispose()


def test_a_case_whose_first_steps_outgrow_the_cap_starts_as_an_incident_with_no_task(migrated):
    app = make_app(migrated, CASE_STATE_KB=64)
    try:
        prepare(app)
        api = Api(app)
        xml = model("multi_instance.bpmn", ITEMS_SOURCE="<bpmn:loopCardinality>1</bpmn:loopCardinality>") \
            .replace(b"items = [1, 2, 3]", b"items = ['x' * 40000, 'y' * 40000]")
        assert upload(api, xml).status_code == 201
        case = start(api, "multi_instance")
        assert case["status"] == "incident" and "案件数据超过上限（64 KB）" in case["incident"]
        assert case["open_tasks"] == [] and case["data"] == {}, "the case keeps the workflow as it was before it ran"
    finally:
        from bangfu import db
        db.engine_of(app).dispose()


def test_the_engine_stops_a_run_at_its_time_bound():
    """The step bound is set out of reach, so only the clock can stop this run."""
    engine = Engine(limits=Limits(steps=10**9, seconds=0.3))
    spec = engine.dump_spec(parse_model(model("endless_loop.bpmn")))
    instance = engine.start("loop", lambda: spec)
    instance.advance()
    [review] = instance.open_tasks()
    with pytest.raises(EngineFailure, match="0.3 秒"):
        instance.complete(review.id, {"decision": "approve"})


def test_a_deadline_interrupts_only_its_own_thread_and_only_when_late():
    late = []

    def spin():
        try:
            with within(0.2):
                while True:
                    pass
        except DeadlineExceeded:
            late.append(True)
    spinner = threading.Thread(target=spin)
    spinner.start()
    for _ in range(2000):  # meanwhile this thread's quick bounded blocks finish untouched
        with within(5):
            sum(range(50))
    spinner.join(timeout=10)
    assert late == [True]
    deadline = time.monotonic() + 0.3
    with within(0.05):
        pass
    while time.monotonic() < deadline:  # a disarmed deadline never fires afterwards
        sum(range(50))


def test_the_task_page_of_a_case_set_aside_says_so_and_offers_no_form_to_submit(app, api):
    from test_pages import Browser
    assert upload(api, model("endless_loop.bpmn")).status_code == 201
    case = start(api, "endless_loop")
    task_id = case["open_tasks"][0]["id"]
    union = Browser(app, "union1")
    submitted = union.post(f"/tasks/{task_id}", {"data": '{"decision": "approve"}'})
    assert submitted.status_code == 302
    assert "流程运行异常，本次办理未生效" in union.get(submitted.headers["Location"]).get_data(as_text=True)
    page = union.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "已暂停办理" in page and "循环" in page
    assert 'id="task-form"' not in page and "（只读）" in page


def test_a_multi_instance_task_over_a_list_too_long_is_stopped_before_it_makes_a_task_per_item(api):
    """The children of a parallel multi-instance task are made in one step, each with a copy of the data."""
    source = "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:inputDataItem id='item' name='item' />"
    xml = model("multi_instance.bpmn", ITEMS_SOURCE=source).replace(b"items = [1, 2, 3]", b"items = list(range(5000))")
    assert upload(api, xml).status_code == 201
    case = start(api, "multi_instance")
    assert case["status"] == "incident" and "实例数超过 400" in case["incident"]


def test_a_multi_instance_task_over_a_short_list_runs_once_per_item(api):
    source = "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef><bpmn:inputDataItem id='item' name='item' />"
    xml = model("multi_instance.bpmn", ITEMS_SOURCE=source)
    assert upload(api, xml).status_code == 201
    case = start(api, "multi_instance")
    assert case["status"] == "completed" and case["data"]["items"] == [1, 2, 3]


def test_a_deadline_passing_during_shielded_work_is_raised_when_it_ends_not_inside_it():
    from bangfu.engine.deadline import shielded
    finished = []
    with pytest.raises(DeadlineExceeded):
        with within(0.05):
            with shielded():
                until = time.monotonic() + 0.3
                while time.monotonic() < until:  # the deadline passes in here
                    pass
                finished.append(True)
    assert finished == [True]


def test_a_deadline_set_just_as_its_block_ends_never_reaches_the_callers_code():
    """Many tiny deadlines, some firing as their block finishes: each is taken inside `within`."""
    outside = 0
    for _ in range(2000):
        try:
            with within(0.00005):
                sum(range(100))
        except DeadlineExceeded:
            pass
        outside += 1  # a stray exception here would fail the test
    assert outside == 2000


class _Node:
    pass


def _land_in_a_gc_callback(deadline):
    """Fire `deadline` from inside a weakref callback run by a collection, as a late deadline may fire while
    a collection runs in the engine's thread: its exception lands in the callback, where CPython swallows it."""
    def callback(_ref):
        _watchdog.fire_now(deadline.token)
        for _ in range(1000):  # the exception lands at once, here at the latest
            pass
    node = _Node()
    node.cycle = node
    ref = weakref.ref(node, callback)
    del node
    gc.collect()
    return ref


@contextmanager
def _swallowed():
    """The exceptions CPython swallows meanwhile (Exception ignored in ...)."""
    seen = []
    previous = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: seen.append(unraisable.exc_type)
    try:
        yield seen
    finally:
        sys.unraisablehook = previous


def test_a_deadline_swallowed_in_a_gc_callback_still_ends_its_block_at_the_next_step():
    steps = []
    with _swallowed() as swallowed, pytest.raises(DeadlineExceeded):
        with within(60) as deadline:
            for step in range(3):
                deadline.check()  # the block's step boundary
                steps.append(step)
                if step == 0:
                    _land_in_a_gc_callback(deadline)
    assert swallowed == [DeadlineExceeded], "the deadline's exception landed in the callback"
    assert steps == [0]


def test_a_block_that_ran_on_past_a_swallowed_deadline_does_not_end_as_if_in_time():
    finished = []
    with _swallowed() as swallowed, pytest.raises(DeadlineExceeded):
        with within(60) as deadline:
            _land_in_a_gc_callback(deadline)
            finished.append(True)
    assert swallowed == [DeadlineExceeded] and finished == [True]


def test_an_engine_run_whose_deadline_was_swallowed_in_a_gc_callback_is_stopped_not_committed(monkeypatch):
    """The loop ends after twenty rounds, well within the step bound: only the time bound can stop it. Its
    deadline fires during the first condition, inside a GC callback; the run must not finish and stand."""
    xml = model("endless_loop.bpmn").replace(b"<bpmn:script>rounds = 1</bpmn:script>",
                                             b"<bpmn:script>trail = trail + [1]</bpmn:script>")
    xml = xml.replace(b"rounds &gt; 0", b"len(trail) &lt; 20")
    engine = Engine(limits=Limits(steps=10**6, seconds=60))
    spec = engine.dump_spec(parse_model(xml))
    instance = engine.start("loop", lambda: spec)
    instance.seed({"trail": []})
    instance.advance()
    [review] = instance.open_tasks()
    environment = engine.script_engine.environment
    evaluate = environment.evaluate
    traps = []

    def evaluate_late(expression, context, external_context=None):
        if not traps:
            traps.append(_land_in_a_gc_callback(instance._deadline))
        return evaluate(expression, context, external_context)
    monkeypatch.setattr(environment, "evaluate", evaluate_late)
    with _swallowed() as swallowed, pytest.raises(EngineFailure, match="60 秒"):
        instance.complete(review.id, {"decision": "approve"})
    assert swallowed == [DeadlineExceeded]
    assert not instance.is_completed, "the loop ran on to its end past the deadline"


def _script_tracer_out_of_time_in_the_engine():
    """The trace function of a condition run by run_bounded, as it would be if it were left in the thread,
    with a clock past its deadline whenever the engine is running its steps (SpiffWorkflow's own code)."""
    from bangfu.engine import restricted

    def clock():
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_name == "do_engine_steps" and "SpiffWorkflow" in frame.f_code.co_filename:
                return 1000.0
            frame = frame.f_back
        return 0.0
    captured = []

    class CapturingSys:
        gettrace = staticmethod(sys.gettrace)

        @staticmethod
        def settrace(function):
            if function is not None:
                captured.append(function)
    real = restricted.sys
    restricted.sys = CapturingSys
    try:
        restricted.run_bounded(restricted.compile_expression("1 + 1"), {}, 1.0, clock=clock)
    finally:
        restricted.sys = real
    return captured[0]


def test_a_script_tracer_out_of_time_never_stops_the_engines_own_code(migrated):
    """How the endless loop once answered 200 under load: a condition's tracer, left tracing the thread (an
    engine deadline had landed just as it was set), raised ScriptTimeout a second on inside SpiffWorkflow's
    own code; that counts as the designer's script failing, so the completion was kept and the case set
    aside with "流程：脚本运行超过 1.0 秒". A script's tracer interrupts the script's own frames only.

    Traced line by line, the engine runs many times slower: the time bound is set far out (and the step bound
    low), so the step bound ends the loop however loaded the machine is."""
    app = make_app(migrated, ENGINE_STEPS=60, ENGINE_TIMEOUT=600)
    try:
        prepare(app)
        api = Api(app)
        assert upload(api, model("endless_loop.bpmn")).status_code == 201
        case = start(api, "endless_loop")
        [task] = case["open_tasks"]
        previous = sys.gettrace()
        sys.settrace(_script_tracer_out_of_time_in_the_engine())
        try:
            response = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                                json={"data": {"decision": "approve"}})
        finally:
            sys.settrace(previous)
        assert response.status_code == 409
        assert "连续运行超过 60 步" in response.get_json()["error"]["fields"]["case"][0]
        after = api.case(case["id"])
        assert [t["id"] for t in after["open_tasks"]] == [task["id"]], "the completion did not happen"
        assert [e["action"] for e in after["history"]] == ["started", "incident"]
    finally:
        from bangfu import db
        db.engine_of(app).dispose()
