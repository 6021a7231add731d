"""Moving a running workflow to another version of its process, with SpiffWorkflow's own diff and migration
helpers (SpiffWorkflow.bpmn.util.diff): which task of the new version each task of the case stands for, what
has no counterpart, and the move itself.

A case can move only when every task it has done or is doing has a counterpart: a task restored without its
spec is broken, and an open task or a waiting event without one would be dropped with its work. Steps the case
has not reached yet may have none: the new version simply does not have them.

SpiffWorkflow's `migrate_workflow` resets every ready and waiting task, so that what follows it is predicted
from the new spec. A reset task keeps its id (the human-task row and its claim stay valid) but takes its
parent's data and loses its internal data; both are put back here, since a ready task may carry data shared
from a parallel branch or a prefill, and a waiting timer its due time (counted again only when the new
version changed the timer itself).
"""
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from .instance import task_properties

_OPEN = TaskState.READY | TaskState.WAITING
_DONE = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR | TaskState.CANCELLED
_AHEAD = TaskState.FUTURE | TaskState.LIKELY | TaskState.MAYBE


@dataclass(frozen=True)
class StepSpec:
    """A task spec as the service reads it: its element id, name, lane and model properties."""
    spec_name: str
    title: str
    lane: str | None
    properties: dict = field(default_factory=dict, compare=False, hash=False)
    kind: str = ""  # the spec's class, e.g. UserTask, IntermediateCatchEvent

    @property
    def form(self):
        return self.properties.get("formJsonSchemaFilename")


@dataclass(frozen=True)
class MappedTask:
    """An open task of the case (a user task to do, or an event waiting) and its counterpart in the new version."""
    task_id: str
    waiting: bool  # an event the case waits on (a timer, a boundary event), rather than a user task to do
    old: StepSpec
    new: StepSpec
    changed: tuple  # serialised attributes of the spec that differ (SpecDiff.comparisons)


@dataclass
class MigrationPlan:
    mapped: list = field(default_factory=list)  # MappedTask of each open task
    lost_steps: list = field(default_factory=list)  # StepSpec of steps not reached yet that the new version lacks
    refusals: list = field(default_factory=list)  # why the case cannot move, in Chinese; empty when it can

    @property
    def can_move(self):
        return not self.refusals


def step_spec(spec):
    return StepSpec(spec.name, getattr(spec, "bpmn_name", None) or spec.name, getattr(spec, "lane", None),
                    task_properties(spec), type(spec).__name__)


def _label(spec):
    title = getattr(spec, "bpmn_name", None)
    return f"「{title}」（{spec.name}）" if title and title != spec.name else f"「{spec.name}」"


def _diffs(registry, workflow, new_spec, new_subprocess_specs):
    """[(sub)workflow, its SpecDiff and WorkflowDiff (None, None when the new version lacks its spec), new spec]
    for the workflow and each of its subprocesses (SpiffWorkflow's diff_workflow, keeping the spec diffs)."""
    found = []
    for sub in (workflow, *workflow.subprocesses.values()):
        spec = new_spec if sub is workflow else new_subprocess_specs.get(sub.spec.name)
        if spec is None:
            found.append((sub, None, None, None))
            continue
        spec_diff = SpecDiff(registry, sub.spec, spec)
        found.append((sub, spec_diff, WorkflowDiff(sub, spec_diff), spec))
    return found


def plan(registry, workflow, new_spec, new_subprocess_specs):
    """What moving `workflow` to the new specs would do (MigrationPlan); changes nothing."""
    result = MigrationPlan()
    if new_spec.name != workflow.spec.name:
        result.refusals.append(f"新版本的流程标识 {new_spec.name} 与案件的 {workflow.spec.name} 不同")
        return result
    lost = {}
    for sub, spec_diff, diff, _ in _diffs(registry, workflow, new_spec, new_subprocess_specs):
        if diff is None:
            result.refusals.append(f"子流程{_label(sub.spec)}在新版本中已删除")
            continue
        reached = set()
        for task in diff.removed:
            spec = task.task_spec
            if task.has_state(_AHEAD):
                if not _predicted_from_open(task):  # kept by the move with a spec the new version lacks
                    result.refusals.append(f"后续步骤{_label(spec)}在新版本中已删除，无法重新安排")
                continue
            if task.has_state(TaskState.READY) and spec.manual:
                result.refusals.append(f"待办任务{_label(spec)}在新版本中已删除")
            elif task.has_state(TaskState.WAITING):
                result.refusals.append(f"等待中的{_waiting_kind(spec)}{_label(spec)}在新版本中已删除")
            elif task.has_state(_DONE | TaskState.READY):
                result.refusals.append(f"已办理的步骤{_label(spec)}在新版本中已删除，其办理记录无法对应")
            reached.add(spec.name)
        for spec in spec_diff.removed:  # steps the case has not reached (those it has are refusals above)
            if spec.name not in reached and getattr(spec, "bpmn_id", None):
                lost.setdefault(spec.name, step_spec(spec))
        for task, new in diff.alignment.items():  # task -> new spec, for every task not removed
            if new is None or not _shown(task):
                continue
            old = task.task_spec
            differences = tuple(k for k in spec_diff.comparisons.get(old, ()) if k not in _STRUCTURE)
            if task.has_state(TaskState.READY) and old.manual and not new.manual:
                result.refusals.append(f"待办任务{_label(old)}在新版本中不再是人工任务")
                continue
            if "typename" in differences:
                result.refusals.append(f"{_label(old)}在新版本中的类型已改变（{type(new).__name__}）")
                continue
            result.mapped.append(MappedTask(str(task.id), task.has_state(TaskState.WAITING), step_spec(old),
                                            step_spec(new), differences))
    result.lost_steps = list(lost.values())
    result.refusals = list(dict.fromkeys(result.refusals))
    return result


_STRUCTURE = {"inputs", "outputs"}  # where a task sits changes with any step added beside it: not a change of its own


def _shown(task):
    """An open user task, or an event the case waits on (a join waiting for its other branches is neither)."""
    if task.has_state(TaskState.READY):
        return task.task_spec.manual
    return task.has_state(TaskState.WAITING) and getattr(task.task_spec, "event_definition", None) is not None


def _predicted_from_open(task):
    """Whether the predicted task hangs below a ready or waiting task, which the move predicts again."""
    parent = task.parent
    while parent is not None:
        if parent.has_state(_OPEN):
            return True
        parent = parent.parent
    return False


def _waiting_kind(spec):
    definition = getattr(spec, "event_definition", None)
    return "定时器" if type(definition).__name__.endswith("TimerEventDefinition") else "事件"


def migrate(registry, workflow, new_spec, new_subprocess_specs):
    """Move the workflow onto the new specs (a plan without refusals first); the caller then advances it."""
    kept = {task.id: (dict(task.data), dict(task.internal_data), task.task_spec)
            for task in workflow.get_tasks(state=_OPEN)}
    for sub, _, diff, spec in _diffs(registry, workflow, new_spec, new_subprocess_specs):
        migrate_workflow(diff, sub, spec)
    workflow.subprocess_specs = dict(new_subprocess_specs)
    for task in workflow.get_tasks(state=_OPEN):
        if task.id not in kept:
            continue
        data, internal, old_spec = kept[task.id]
        task.data = data
        definition = getattr(task.task_spec, "event_definition", None)
        if definition is not None and _same_event(registry, getattr(old_spec, "event_definition", None), definition):
            task.internal_data = internal


def _same_event(registry, old, new):
    return old is not None and registry.convert(old) == registry.convert(new)
