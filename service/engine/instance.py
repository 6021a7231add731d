"""A running case's workflow: the queries the service needs and engine runs bounded in steps and time.

A run that hits a bound, or that SpiffWorkflow itself cannot finish, raises EngineFailure: nothing it
left behind can be trusted, so the caller discards it. A script failing inside a task is different:
SpiffWorkflow marks that task as failed and the state stays consistent, so it is kept as an incident.
"""
import copy
import itertools
import logging
import re
from dataclasses import dataclass, field
from uuid import UUID

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from .deadline import DeadlineExceeded, within
from .sandbox import ScriptLimit, ScriptTimeout, UnsafeCode
from .timers import TimerValueError, skip_missed_cycles
from .pending import has_timer_events, pending_timers, tasks_in, timer_of

log = logging.getLogger(__name__)


class TaskNotReady(Exception):
    """The task is finished, cancelled, or not a user task of this instance."""


class EngineFailure(Exception):
    """The engine could not bring the instance to a consistent state (a bound was hit, or SpiffWorkflow
    itself failed): the command's engine work must be discarded and the case set aside as an incident."""

    def __init__(self, text):
        super().__init__(text)
        self.text = text


class _StepLimit(BaseException):
    """Raised between engine steps; a BaseException so SpiffWorkflow's `except Exception` lets it through."""


class InstanceLimit(BaseException):
    """A multi-instance task asked for more instances than a case may hold."""


@dataclass(frozen=True)
class Limits:
    steps: int = 500
    seconds: float = 5.0
    instances: int = 400  # instances one multi-instance task may create (each is a step too)


@dataclass
class OpenTask:
    id: str
    spec_name: str
    title: str
    lane: str | None
    form: str | None
    ui_form: str | None
    properties: dict  # the task's spiffworkflow:property values from the model (due days, prefill)
    data: dict = field(default_factory=dict, repr=False)  # the task's workflow data (the engine's own: read only)


@dataclass(frozen=True)
class FailedStep:
    id: str
    spec_name: str
    title: str
    skippable: bool  # a script, service or business-rule task: the case may go on without its result


def task_properties(spec):
    """The spiffworkflow:property name → value pairs a task spec carries in the model."""
    return dict((getattr(spec, "extensions", None) or {}).get("properties", {}))


class Instance:
    """A running case's workflow, with the queries and commands the service needs."""

    def __init__(self, workflow, limits=Limits()):
        self.workflow = workflow
        self.limits = limits
        self.incident = None
        self._deadline = None  # the running command's time bound (deadline.within), checked at every step

    def open_tasks(self):
        tasks = []
        for task in self.workflow.get_tasks(state=TaskState.READY, manual=True):
            spec = task.task_spec
            props = task_properties(spec)
            tasks.append(OpenTask(str(task.id), spec.name, spec.bpmn_name or spec.name, spec.lane,
                                  props.get("formJsonSchemaFilename"), props.get("formUiSchemaFilename"), props,
                                  task.data))
        return tasks

    def task_data(self, task_id):
        return self._ready_task(task_id).data

    def submitted(self, task_id):
        """What a completed user task stored under its own name (its round's answers), or None when the
        workflow holds no such completed task."""
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            return None
        if task is None or task.state != TaskState.COMPLETED:
            return None
        return task.data.get(task.task_spec.name)

    def properties(self, spec_name):
        """The model properties (spiffworkflow:property) of the task spec named `spec_name`."""
        for process in (self.workflow.spec, *self.workflow.subprocess_specs.values()):
            if spec_name in process.task_specs:
                return task_properties(process.task_specs[spec_name])
        return {}

    def complete(self, task_id, form_data, extra=None):
        """Store the form under the task's id in the task data, run it, and advance the engine.

        Once the task has run, what it wrote is copied into the ready and waiting tasks of parallel
        branches of the same (sub)process: when branches join, SpiffWorkflow merges their data with the
        last branch to arrive winning, and that branch would otherwise bring back the value from before
        (a visit's new assessment, a second round's answers). A task whose script failed spreads nothing."""
        task = self._ready_task(task_id)
        task.data.update({task.task_spec.name: form_data, **(extra or {})})
        keys = [task.task_spec.name, *(extra or {})]

        def run():
            try:
                task.run()  # runs the task's own post-script, if it has one
            except _SCRIPT_FAILURES as exc:
                self._record_incident(exc, task)
                return
            self._share_with_parallel_branches(task, keys)
            self._steps()
        self._bounded(run)

    def _share_with_parallel_branches(self, task, keys):
        written = {key: task.data[key] for key in keys if key in task.data}
        for other in tasks_in(self.workflow, TaskState.READY | TaskState.WAITING):
            if other is not task and other.workflow is task.workflow and \
                    other.task_spec.name != task.task_spec.name and not other.is_descendant_of(task):
                other.data.update(copy.deepcopy(written))

    def seed(self, data):
        """Data the new instance starts with, for its first gateways and tasks (before the first `advance`)."""
        for task in self.workflow.get_tasks(state=TaskState.READY):
            task.data.update(copy.deepcopy(data))

    def advance(self):
        """Run the engine's own tasks (gateways, scripts, events) until only user tasks or waits are left."""
        self._bounded(self._steps)

    def fire_timers(self):
        """Let timer events whose time has come fire, and run on from them."""
        self._bounded(self._timers_then_steps)

    def _timers_then_steps(self):
        try:
            self.workflow.refresh_timers()
        except TimerValueError as exc:
            self._record_incident(exc)
            return
        skip_missed_cycles(self.workflow.get_tasks(state=TaskState.WAITING))
        self._steps()

    def pending_timers(self):
        """The timer events the workflow waits on, with the due times the engine computed when it reached
        them (PendingTimer), earliest first; empty once the workflow has ended or failed."""
        if self.workflow.completed:
            return []
        return pending_timers(self.workflow)

    def may_wait_on_timers(self):
        """Whether the model has any timer event at all (its process or a subprocess): if not, a case of it
        never waits on one."""
        return any(has_timer_events(spec) for spec in (self.workflow.spec, *self.workflow.subprocess_specs.values()))

    def cancel(self):
        """End the workflow where it stands: every task not yet finished is cancelled."""
        self._bounded(self.workflow.cancel)

    def failed_steps(self):
        """The tasks SpiffWorkflow marks failed (a script, a condition, a service call that raised)."""
        return [FailedStep(str(task.id), task.task_spec.name, task.task_spec.bpmn_name or task.task_spec.name,
                           _skippable(task.task_spec)) for task in self.workflow.get_tasks(state=TaskState.ERROR)]

    def retry(self):
        """Run the failed tasks again (their model or the data they read may have been repaired), let timers
        that came due meanwhile fire, and run on; a failure again is recorded as `incident`."""
        self.incident = None  # the last run's, on an instance kept in memory since

        def run():
            for task in self.workflow.get_tasks(state=TaskState.ERROR):
                task._set_state(TaskState.READY)
                try:
                    task.run()
                except _SCRIPT_FAILURES as exc:
                    self._record_incident(exc, task)
                    return
            self._timers_then_steps()
        self._bounded(run)

    def skip(self, task_id):
        """Mark a failed script, service or business-rule task done without running it, and run on.
        TaskNotReady when the task is not such a failed task."""
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            task = None
        if task is None or task.state != TaskState.ERROR or not _skippable(task.task_spec):
            raise TaskNotReady(task_id)
        self.incident = None

        def run():
            task.complete()
            self._steps()
        self._bounded(run)

    def start_replica_problem(self):
        """Why this instance, just started with no data and advanced, may differ from a start of the same
        version at another moment or for another case; None when it cannot.

        A start reads nothing but the model and the (empty) start data when every task it ran or reached is
        a start event without an event definition, a gateway (its conditions see the same empty data) or a
        user task now waiting for its user. A script may read a clock helper, a timer's due time depends on
        when it is reached, a service or business-rule task or a call activity runs code or other models:
        any of them, anywhere the start reached, makes copies inexact, and the caller starts instances one
        by one instead (households/review.start_annual_reviews)."""
        if self.incident or self.workflow.completed or not self.open_tasks():
            return "启动后没有待办任务"
        for task in self.workflow.get_tasks(state=_REACHED):
            spec = task.task_spec
            kind = type(spec).__name__
            definition = type(getattr(spec, "event_definition", None)).__name__
            if kind not in _REPLICABLE or (kind == "StartEvent" and definition != "NoneEventDefinition"):
                return f"{spec.bpmn_name or spec.name}（{kind}）"
            if task.data:
                return f"{spec.bpmn_name or spec.name} 带有数据"
        return None

    def progress_marker(self):
        """Something that changes whenever any task of the workflow changes state."""
        return [(task.id, task.state) for task in self.workflow.get_tasks()]

    def _steps(self):
        steps = itertools.count(1)
        deadline = self._deadline

        def count(_task):
            if deadline is not None:
                deadline.check()  # a deadline whose exception was swallowed (in a GC callback) still stops the run
            if next(steps) > self.limits.steps:
                raise _StepLimit()
        try:
            self.workflow.do_engine_steps(will_complete_task=count)
        except _SCRIPT_FAILURES as exc:
            self._record_incident(exc)
            return
        if not self.workflow.completed and not any(tasks_in(self.workflow, _CAN_GO_ON)):
            self.incident = "流程无法继续：既没有待办任务，也没有等待中的事件（模型中可能有无尽循环）"
        elif not self.workflow.completed and not self._may_move():
            waits = "、".join(sorted({t.task_spec.bpmn_name or t.task_spec.bpmn_id or t.task_spec.name
                                     for t in self.workflow.get_tasks(state=TaskState.WAITING)
                                     if getattr(t.task_spec, "event_definition", None) is not None}))
            self.incident = f"流程无法继续：没有待办任务，也没有等待中的定时器；所等待的事件（{waits or '无'}）不会到来"

    def _may_move(self):
        """Whether something can still move the workflow: a ready task (a person's, after the engine ran) or a
        timer event waiting for its time. Nothing delivers a message or signal from outside a case."""
        if any(tasks_in(self.workflow, TaskState.READY)):
            return True
        return any(timer_of(getattr(task.task_spec, "event_definition", None)) is not None
                   for task in tasks_in(self.workflow, TaskState.WAITING))

    def _bounded(self, run):
        """Run engine work within the step and time limits; EngineFailure when it cannot finish cleanly."""
        try:
            with within(self.limits.seconds) as deadline:
                self._deadline = deadline
                try:
                    run()
                finally:
                    self._deadline = None
        except DeadlineExceeded:
            raise EngineFailure(f"流程运行超过 {self.limits.seconds:g} 秒，已中止") from None
        except InstanceLimit:
            raise EngineFailure(f"多实例任务的实例数超过 {self.limits.instances}，已中止") from None
        except _StepLimit:
            raise EngineFailure(f"流程连续运行超过 {self.limits.steps} 步，已中止（模型中可能有无尽循环或递归）") from None
        except RecursionError:
            raise EngineFailure("流程嵌套过深，已中止") from None
        except Exception as exc:  # SpiffWorkflow failing in its own code: nothing it left can be trusted
            log.warning("engine failure: %s", type(exc).__name__)
            raise EngineFailure(f"流程引擎错误：{_incident_text(exc)}") from None

    def _record_incident(self, exc, task=None):
        if isinstance(exc, TimerValueError):  # names its event, and masks the value it quotes itself
            self.incident = exc.text[:500]
            return
        raised_in = getattr(exc, "task", None)  # Spiff names the task whose code failed (a timer after `task`)
        task = raised_in if raised_in is not None else task
        failed = [task] if task is not None else self.workflow.get_tasks(state=TaskState.ERROR)
        where = failed[0].task_spec.bpmn_name or failed[0].task_spec.name if failed else "流程"
        self.incident = f"{where}：{_incident_text(exc)}"

    @property
    def is_completed(self):
        return self.workflow.completed

    @property
    def outcome(self):
        """The `outcome` property of the end event reached, or None while running."""
        if not self.workflow.completed:
            return None
        ends = [t for t in self.workflow.get_tasks(state=TaskState.COMPLETED)
                if type(t.task_spec).__name__ == "EndEvent"]
        ends.sort(key=lambda t: t.last_state_change)
        # A side path's end (a 督办 finished after the case was paid) says nothing of how the case ended.
        outcomes = [task_properties(t.task_spec).get("outcome") for t in ends]
        return next((o for o in reversed(outcomes) if o), "completed")

    def element_states(self):
        """(BPMN ids of elements done, BPMN ids of elements active now), for marking a diagram."""
        done, current = set(), set()
        for task in self.workflow.get_tasks():
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id is None:
                continue
            if task.state == TaskState.COMPLETED:
                done.add(bpmn_id)
            elif task.state in (TaskState.READY, TaskState.WAITING, TaskState.STARTED, TaskState.ERROR):
                if task.state == TaskState.WAITING and isinstance(task.task_spec, BoundaryEvent):
                    continue  # a timer armed on a task (走访逾期) is not a step under way
                current.add(bpmn_id)
        return sorted(done - current), sorted(current)

    @property
    def data(self):
        """The case data as the open tasks see it, or as the process ended with it."""
        ready = self.workflow.get_tasks(state=TaskState.READY, manual=True)
        if ready:
            merged = {}
            for task in ready:
                merged.update(task.data)
            return merged
        last = self.workflow.last_task
        return dict(last.data) if last is not None else {}

    def _ready_task(self, task_id):
        try:
            task = self.workflow.get_task_from_id(UUID(task_id))
        except Exception:
            task = None
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(task_id)
        return task


def _skippable(spec):
    return any(cls.__name__ in _SKIPPABLE for cls in type(spec).__mro__)


_SKIPPABLE = frozenset({"ScriptTask", "ServiceTask", "BusinessRuleTask"})
# Task specs a start may run or reach and still be the same for every case (start_replica_problem).
_REPLICABLE = frozenset({"BpmnStartTask", "StartEvent", "ExclusiveGateway", "ParallelGateway", "InclusiveGateway",
                         "UserTask", "ManualTask", "NoneTask"})
_REACHED = TaskState.COMPLETED | TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
_SCRIPT_FAILURES = (SpiffWorkflowException, UnsafeCode, ScriptTimeout, ScriptLimit, TimerValueError)
_CAN_GO_ON = TaskState.READY | TaskState.WAITING | TaskState.STARTED  # a user task, a wait, a running subprocess
_LONG_NUMBER = re.compile(r"\d(?:[ \-]?\d){5,}(?:[ \-]?[Xx])?")  # ID, card and phone numbers, spaced or not


def _incident_text(exc):
    """The error's first line, with long digit runs masked: a message may quote task data, and an
    incident is shown to every role that reads the case."""
    line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return _LONG_NUMBER.sub("******", line)[:500]
