"""The one place that drives SpiffWorkflow: parsing output in, instances started, restored and dumped.

An instance's stored state never includes its spec: the spec is stored once per
process-model version and cached here, already restored, by version key.
"""
import json
import logging
import threading

from cachetools import LRUCache
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from . import gateways, migration
from .instance import Instance, Limits
from .multi_instance import ScriptEngine, bound_inputs
from .start_timers import start_timer_of
from .timers import SPIFF_KINDS
from .sandbox import SandboxEnvironment


class _NoTaskData(logging.Filter):
    """SpiffWorkflow attaches whole task data (ID and card numbers) to its log records; drop it."""

    def filter(self, record):
        record.__dict__.pop("data", None)
        record.__dict__.pop("internal_data", None)
        return True


for _name in ("spiff", "spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
    _logger = logging.getLogger(_name)
    _logger.setLevel(logging.WARNING)  # also stops Spiff from collecting task data for each record
    _logger.addFilter(_NoTaskData())


class _StateOnlyConverter(BpmnWorkflowConverter):
    """Dumps a workflow without its spec (stored once per model version), through the serializer's documented
    extension point: BpmnWorkflowConverter.to_dict less its two spec entries. It follows SpiffWorkflow 3.2's
    converter, hence the upper bound in pyproject.toml. Restoring needs no override: the serializer passes
    objects it does not recognise through unchanged, so `restore` hands it the cached spec objects."""

    def to_dict(self, workflow):
        dct = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct


class Engine:
    """Owns the parser output, serializer and sandboxed script engine."""

    def __init__(self, script_timeout=1.0, script_memory_mb=256, spec_cache_size=64, limits=Limits(), calendar=None):
        config = dict(SPIFF_CONFIG)
        config[BpmnWorkflow] = _StateOnlyConverter
        registry = BpmnWorkflowSerializer.configure(config)
        gateways.register(registry)
        self.serializer = BpmnWorkflowSerializer(registry)
        self.script_engine = ScriptEngine(SandboxEnvironment(script_timeout, script_memory_mb, calendar=calendar),
                                          limits.instances)
        self._specs = LRUCache(spec_cache_size)
        self._lock = threading.Lock()
        self.limits = limits

    def dump_spec(self, parsed):
        return json.dumps({
            "spec": self.serializer.to_dict(parsed.spec),
            "subprocess_specs": {k: self.serializer.to_dict(v) for k, v in parsed.subprocess_specs.items()},
        })

    def _spec(self, key, load_spec_json):
        """The restored spec for a version key; `load_spec_json` is called only on a cache miss."""
        with self._lock:
            cached = self._specs.get(key)
        if cached is not None:
            return cached
        dct = json.loads(load_spec_json())
        specs = (self.serializer.from_dict(dct["spec"]),
                 {k: self.serializer.from_dict(v) for k, v in dct["subprocess_specs"].items()})
        bound_inputs([specs[0], *specs[1].values()], self.limits.instances)
        with self._lock:
            self._specs[key] = specs
        return specs

    def start(self, key, load_spec_json):
        """A new instance of the version's process, not yet run: call `advance` to run it. A timer on its
        start event has fired: it says when cases start (start_timer), and this case is one of them."""
        spec, subprocess_specs = self._spec(key, load_spec_json)
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=self.script_engine)
        for task in workflow.get_tasks(spec_class=StartEvent):
            if isinstance(task.task_spec.event_definition, TimerEventDefinition):
                task._set_internal_data(event_fired=True)
                if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                    # Spiff forks a path per cycle and gives such an event no path of its own: this case takes one
                    task._sync_children(task.task_spec.outputs, TaskState.FUTURE)
                    for child in task.children:
                        child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
        return Instance(workflow, self.limits)

    def start_timer(self, key, load_spec_json):
        """The version's timer start event as a StartTimer (when cases start), or None when it has none."""
        spec, _ = self._spec(key, load_spec_json)
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            if isinstance(task_spec, StartEvent) and isinstance(definition, TimerEventDefinition):
                kind = SPIFF_KINDS[type(definition).__name__]
                return start_timer_of(task_spec.bpmn_id, kind, definition.expression)
        return None

    def restore(self, key, load_spec_json, state_json):
        spec, subprocess_specs = self._spec(key, load_spec_json)
        dct = json.loads(state_json)
        self.serializer.migrate(dct)
        dct["spec"], dct["subprocess_specs"] = spec, dict(subprocess_specs)
        workflow = self.serializer.from_dict(dct)
        workflow.script_engine = self.script_engine
        return Instance(workflow, self.limits)

    def plan_migration(self, instance, key, load_spec_json):
        """What moving the instance to the version `key` would do (migration.MigrationPlan); changes nothing."""
        spec, subprocess_specs = self._spec(key, load_spec_json)
        return migration.plan(self.serializer.registry, instance.workflow, spec, subprocess_specs)

    def migrate(self, instance, key, load_spec_json, advance=True):
        """Move the instance onto the version `key` and run on from where it stands; its plan must allow it.
        Without `advance` it stays where the move left it: an incident's retry runs on from its failed steps."""
        spec, subprocess_specs = self._spec(key, load_spec_json)
        instance._bounded(lambda: migration.migrate(self.serializer.registry, instance.workflow, spec,
                                                    subprocess_specs))
        if advance:
            instance.advance()

    def dump(self, instance):
        dct = self.serializer.to_dict(instance.workflow)
        dct[self.serializer.VERSION_KEY] = self.serializer.VERSION
        return json.dumps(dct, separators=(",", ":"))
