"""A parallel join that waits for each branch of the round it is in, when a loop leads back before its split.

SpiffWorkflow 3.2's parallel gateway counts a branch as arrived when any earlier instance of the join has that
branch's last task completed, except the instance that fired (an ancestor of this round). The instance that
arrived first in an earlier round was cancelled when the other branch fired the join, yet its completed parent
still counts: in the next round the join fires as soon as the other branch arrives. In the hardship model a
second visit round (after an upheld objection or a 复审 return) opened 复审结论 while 走访监督 or the visit of
that round was still open, and the late branch then drew the case back to a new 复审. Here a cancelled
instance is a token already consumed and is not counted.

The class keeps the library's typename, so every stored model version is restored with it.
"""
from SpiffWorkflow.bpmn.serializer.default.task_spec import ParallelGatewayConverter
from SpiffWorkflow.bpmn.specs import defaults
from SpiffWorkflow.util.task import TaskState


class ParallelGateway(defaults.ParallelGateway):

    def _check_threshold_unstructured(self, my_task):
        waiting_inputs = set(self.inputs)

        def remove_ancestor(task):
            if task.task_spec in waiting_inputs:
                waiting_inputs.remove(task.task_spec)
            elif task.parent is not None:
                remove_ancestor(task.parent)

        for task in my_task.workflow.get_tasks(spec_name=self.name):
            if task.is_descendant_of(my_task):  # first iteration: this one is reached only after the join
                remove_ancestor(task)
            elif my_task.is_descendant_of(task) or task.state == TaskState.CANCELLED:
                continue  # an earlier round's join that fired, or one whose token a firing consumed
            elif task.parent.state == TaskState.COMPLETED and task.parent.task_spec in waiting_inputs:
                waiting_inputs.remove(task.parent.task_spec)
        return not waiting_inputs


def register(registry):
    """Restore every stored "ParallelGateway" spec as the class above."""
    ParallelGatewayConverter(ParallelGateway, registry, typename="ParallelGateway")
