"""The steps a person does, as the model writes them: user tasks, manual tasks and plain tasks, wherever they stand
(the process, an embedded subprocess or transaction, a process a call activity runs, a multi-instance body).

A plain BPMN file gives them no Spiff form: the deployment chooses each one's role and form (process_models) and
writes its choice back into the spec with `assign`, so that a running case reads them as it reads a Spiff model's
(the lane names the role, `formJsonSchemaFilename` the form).

Camunda Modeler's attributes read here: `camunda:candidateGroups`, `camunda:formKey`, `camunda:dueDate`, and the
Camunda 8 (zeebe) equivalents `zeebe:assignmentDefinition candidateGroups`, `zeebe:formDefinition formKey`,
`zeebe:taskSchedule dueDate`. Every other camunda:/zeebe: attribute or element is ignored.
"""
from dataclasses import dataclass, field

CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
ZEEBE = "http://camunda.org/schema/zeebe/1.0"
KINDS = {"UserTask": "user", "ManualTask": "manual", "NoneTask": "task"}


@dataclass
class UserTaskDefinition:
    id: str  # the task spec's name: the BPMN id, or "<id> [child]" for a multi-instance or loop body
    name: str
    lane: str | None
    form: str | None
    ui_form: str | None
    properties: dict = field(default_factory=dict)
    kind: str = "user"  # user, manual or task (a plain BPMN task)
    element: str = ""  # the BPMN id
    candidate_groups: list = field(default_factory=list)
    form_key: str | None = None
    due_date: str | None = None
    role: str | None = None  # chosen at deployment
    default_form: str | None = None  # "review" or "completion" when the deployment gave it a default form


def _attribute(node, name):
    value = node.get(f"{{{CAMUNDA}}}{name}")
    return value.strip() if value and value.strip() else None


def _zeebe(node, element, name):
    found = node.xpath(f"./*[local-name()='extensionElements']/z:{element}/@{name}", namespaces={"z": ZEEBE})
    return found[0].strip() if found and found[0].strip() else None


def _groups(text):
    return [group.strip() for group in (text or "").split(",") if group.strip()]


def human_task_specs(specs):
    """(process spec, task spec) for every task a person does, in each spec's order."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            if type(task_spec).__name__ in KINDS:
                yield spec, task_spec


def definitions(root, specs):
    """A UserTaskDefinition for each human task of the process specs, reading its element in `root`."""
    found = []
    for _, task_spec in human_task_specs(specs):
        element = task_spec.bpmn_id or task_spec.name
        nodes = root.xpath("//*[@id=$id]", id=element)
        node = nodes[0] if nodes else None
        props = dict((getattr(task_spec, "extensions", None) or {}).get("properties", {}))
        groups, form_key, due_date = [], None, None
        if node is not None:
            groups = _groups(_attribute(node, "candidateGroups") or _zeebe(node, "assignmentDefinition",
                                                                            "candidateGroups"))
            form_key = _attribute(node, "formKey") or _zeebe(node, "formDefinition", "formKey") \
                or _zeebe(node, "formDefinition", "formId")
            due_date = _attribute(node, "dueDate") or _zeebe(node, "taskSchedule", "dueDate")
        found.append(UserTaskDefinition(
            id=task_spec.name, name=task_spec.bpmn_name or element, lane=task_spec.lane,
            form=props.get("formJsonSchemaFilename"), ui_form=props.get("formUiSchemaFilename"), properties=props,
            kind=KINDS[type(task_spec).__name__], element=element, candidate_groups=groups, form_key=form_key,
            due_date=due_date))
    return found


def assign(specs, task, lane, properties):
    """Write the deployment's choice for one human task into its spec(s): the lane its role reads and the
    properties (form files, due date) a running case reads."""
    for _, task_spec in human_task_specs(specs):
        if task_spec.name == task.id:
            task_spec.lane = lane
            if getattr(task_spec, "extensions", None) is None:
                task_spec.extensions = {}
            task_spec.extensions.setdefault("properties", {}).update(properties)
