"""SpiffWorkflow lives behind this package; the rest of the service never imports it."""
from . import timing  # noqa: F401  (Spiff's timers read the service clock)
from .human_tasks import UserTaskDefinition
from .parsing import ModelInvalid, ModelProblem, ParsedModel, flow_order, flow_positions, parse_model
from .sandbox import ScriptTimeout, UnsafeCode
from .start_timers import StartTimer
from .instance import EngineFailure, FailedStep, Instance, Limits, OpenTask, TaskNotReady
from .migration import MappedTask, MigrationPlan, StepSpec
from .pending import PendingTimer
from .workflow import Engine

__all__ = ["Engine", "EngineFailure", "FailedStep", "Instance", "Limits", "MappedTask", "MigrationPlan",
           "ModelInvalid", "ModelProblem", "OpenTask", "ParsedModel", "PendingTimer", "ScriptTimeout", "StartTimer",
           "StepSpec", "TaskNotReady", "UnsafeCode", "UserTaskDefinition", "parse_model"]
