"""The bare-engine baseline of bench/cases.py, run in a process of its own.

    python bench/engine_baseline.py BPMN PROCESS ORDER_JSON     (started by bench/cases.py, never by hand)

What it measures: the same BPMN parsed once with SpiffBpmnParser; per case a BpmnWorkflow with the default
PythonScriptEngine, each READY manual task completed with the form data the service receives (the same JSON)
stored as task.data[task_spec.name] = data, then do_engine_steps, and after the start and after every task a
full serialize_json + deserialize_json of the whole workflow, spec included (BpmnWorkflowSerializer over
SPIFF_CONFIG): what a naive service keeping the workflow as one JSON document would do, less any storage.

Why a process of its own: in the benchmark's own process the baseline ran beside the service's heap (its
modules, caches and the test client's objects), so its speed followed the service's checkout through the
garbage collector (24-34 cases/s between checkouts on one machine). Here it imports SpiffWorkflow and the
standard library only, with SpiffWorkflow's loggers at WARNING as the service sets them (below WARNING
Spiff gathers a task's data for every state change's log record). bench/cases.py sends it one case at a
time and waits, so the two sides still run interleaved and never at once.

Protocol: one JSON object per line on stdin, {"case": {task name: form data}} or {"stop": true}; for each
case one line on stdout: {"wall": seconds, "timings": [ms per task], "names": [task names],
"state_bytes": [...]}, or {"error": text}.
"""
import json
import logging
import sys
import time

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

NOTICE_OVER = "2026-01-09T23:59:59+08:00"  # the notice's end the service's rules derive: over already
VISIT_DEADLINE = "2099-12-31T23:59:59+08:00"  # the visit's due instant, for its 督办 timer: never reached
FILE_NUMBER = "DA2026000001"  # the number the service's bangfu.give_file_number derives at 建档


class NoServices(TaskDataEnvironment):
    """A service task (建档's bangfu.file_household) calls nothing here: the baseline is the engine alone, and
    what the service's operation writes is part of what the service is measured doing."""

    def call_service(self, context, **kwargs):
        return "{}"

for _name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data"):
    logging.getLogger(_name).setLevel(logging.WARNING)


class EngineDriver:
    def __init__(self, bpmn, process, order):
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(bpmn)
        self.spec = parser.get_spec(process)
        self.subprocess_specs = parser.get_subprocess_specs(process)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.order = order
        self.script_engine = PythonScriptEngine(environment=NoServices())
        self.rank = {name: i for i, name in enumerate(order)}

    def round_trip(self, workflow, state_bytes):
        text = self.serializer.serialize_json(workflow)
        state_bytes.append(len(text))
        restored = self.serializer.deserialize_json(text)
        restored.script_engine = self.script_engine
        return restored

    def run_case(self, data):
        t_case = time.perf_counter()
        timings, names, state_bytes = [], [], []
        workflow = BpmnWorkflow(self.spec, self.subprocess_specs, script_engine=self.script_engine)
        workflow.do_engine_steps()
        workflow = self.round_trip(workflow, state_bytes)
        while True:
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            task = min(ready, key=lambda t: self.rank.get(t.task_spec.name, 99))
            name = task.task_spec.name
            t0 = time.perf_counter()
            task.data[name] = data[name]
            if name == "public_notice":
                task.data[name] = dict(data[name], notice_ends_at=NOTICE_OVER)
            if name == "open_file":
                task.data[name] = dict(data[name], file_number=FILE_NUMBER)
            if name == "assign_third_party":
                task.data["visit_deadline"] = VISIT_DEADLINE
            task.run()
            workflow.do_engine_steps()
            workflow = self.round_trip(workflow, state_bytes)
            timings.append((time.perf_counter() - t0) * 1000)
            names.append(name)
        wall = time.perf_counter() - t_case
        if not workflow.completed or names != self.order:
            return {"error": f"engine case stopped after {names}"}
        return {"wall": wall, "timings": timings, "names": names, "state_bytes": state_bytes}


def main():
    bpmn, process, order = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    driver = EngineDriver(bpmn, process, order)
    for line in sys.stdin:
        message = json.loads(line)
        if message.get("stop"):
            break
        try:
            answer = driver.run_case(message["case"])
        except Exception as exc:  # reported to the parent, which stops the benchmark with it
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
