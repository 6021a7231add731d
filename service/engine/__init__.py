"""SpiffWorkflow lives behind this package; the rest of the service never imports it."""
from . import timing  # noqa: F401  (Spiff's timers read the service clock)
from .parsing import ModelInvalid, ModelProblem, ParsedModel, UserTaskDefinition, parse_model
from .sandbox import ScriptTimeout, UnsafeCode
from .instance import EngineFailure, Instance, Limits, OpenTask, TaskNotReady
from .timers import Cycle, CycleInvalid, PendingTimer
from .workflow import Engine

__all__ = ["Cycle", "CycleInvalid", "Engine", "EngineFailure", "Instance", "Limits", "ModelInvalid", "ModelProblem",
           "OpenTask", "ParsedModel", "PendingTimer", "ScriptTimeout", "TaskNotReady", "UnsafeCode",
           "UserTaskDefinition", "parse_model"]
