"""Deploying a BPMN document as a new version of its process model."""
import hashlib
import json
from dataclasses import asdict

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..engine import ModelInvalid, ModelProblem, parse_model
from ..errors import NotFound, ValidationFailed
from ..forms import collect_forms
from ..named_operations.binding import model_problems as operation_problems
from ..people.roles import role_for_lane
from ..scheduler.starts import schedule_start
from ..tasks import deadlines
from . import assignment
from .models import ProcessModel, ProcessModelVersion


MAX_BPMN_BYTES = 5 * 1024 * 1024


def read_document(stream):
    """A BPMN document's bytes from a file object, read no further than one byte past the limit (an upload, or
    `bangfu deploy /dev/zero`, is never read whole into memory)."""
    return stream.read(MAX_BPMN_BYTES + 1)


def _deadline_problems(user_tasks):
    return [ModelProblem(task_id, problem) for task_id, problem in deadlines.model_problems(user_tasks)]


def invalid(problems):
    fields = {}
    for p in problems:
        fields.setdefault(p.element, []).append(p.problem)
    return ValidationFailed("流程模型无效，未部署", fields)


def check_model(xml, forms):
    """Everything deployment checks, without storing: (parsed model, forms). Raises ValidationFailed."""
    if len(xml) > MAX_BPMN_BYTES:
        raise ValidationFailed("文件过大", {"file": [f"BPMN 文件不能超过 {MAX_BPMN_BYTES // 1024 // 1024} MB"]})
    try:
        parsed = parse_model(xml)
    except ModelInvalid as exc:
        raise invalid(exc.problems) from None
    problems = assignment.assign(parsed, forms)
    forms, form_problems = collect_forms(forms, [t for t in parsed.user_tasks if t.role])
    problems += _deadline_problems(parsed.user_tasks) + form_problems
    problems += operation_problems(parsed)
    if problems:
        raise invalid(problems)
    return parsed, forms


def deploy(session, services, xml, user=None, comment=None):
    """Store the model as a new version; an identical re-deployment returns the existing version."""
    if comment and len(comment) > 500:
        raise ValidationFailed("部署说明过长", {"comment": ["不能超过 500 个字符"]})
    parsed, forms = check_model(xml, services.forms.using(session))  # the forms' drafts as they stand
    try:
        spec_json = services.engine.dump_spec(parsed)
    except Exception as exc:  # SpiffWorkflow's serializer meeting a spec it does not know: the model's fault, not ours
        raise invalid([ModelProblem("document", f"模型无法保存（{type(exc).__name__}）")]) from None
    forms_json = json.dumps(forms, ensure_ascii=False, sort_keys=True)
    checksum = hashlib.sha256(xml + forms_json.encode()).hexdigest()
    model = _locked_model(session, parsed)
    latest = latest_version(session, model.key, required=False)
    if latest is not None and latest.checksum == checksum:
        return latest, False
    number = (session.scalar(select(func.max(ProcessModelVersion.version))
                             .where(ProcessModelVersion.process_model_id == model.id)) or 0) + 1
    model.name = parsed.name
    version = ProcessModelVersion(
        process_model=model, version=number, checksum=checksum, bpmn_xml=parsed.xml,
        spec_json=spec_json, forms_json=forms_json,
        user_tasks_json=json.dumps([asdict(t) for t in parsed.user_tasks], ensure_ascii=False),
        comment=comment, deployed_by=user)
    session.add(version)
    session.flush()
    schedule_start(session, model.key, parsed.start_timer)
    return version, True


def _locked_model(session, parsed):
    """The model row of the document's process, created when new, locked until the deployment commits: deployments
    of one model run one after the other, each numbering its version after the last. Two first deployments of a
    new model at once both insert; the one that loses the unique key waits for the other and locks its row."""
    query = select(ProcessModel).where(ProcessModel.key == parsed.process_id).with_for_update()
    model = session.scalar(query)
    if model is not None:
        return model
    try:
        with session.begin_nested():
            model = ProcessModel(key=parsed.process_id, name=parsed.name)
            session.add(model)
    except IntegrityError:
        return session.scalar(query)
    return model


def deploy_folder(session, services, comment_prefix="bundled"):
    """Deploy every .bpmn file of the services' models folder; [(file name, version number, created)]."""
    files = sorted((f for f in services.models_dir.iterdir() if f.name.endswith(".bpmn")), key=lambda f: f.name)
    results = []
    for file in files:
        version, created = deploy(session, services, file.read_bytes(), comment=f"{comment_prefix} {file.name}")
        results.append((file.name, version.version, created))
    return results


def latest_version(session, key, required=True):
    version = session.scalar(
        select(ProcessModelVersion).join(ProcessModel).where(ProcessModel.key == key)
        .order_by(ProcessModelVersion.version.desc()).limit(1))
    if version is None and required:
        raise NotFound(f"流程模型 {key[:100]} 不存在", {"process": ["未部署此流程"]})
    return version


def process_steps(session, role=None):
    """(task id, title) of the user tasks in the newest version of every model, in the order the model
    defines them (which follows the process); only the tasks of `role`'s lanes when given."""
    steps = {}
    for model in list_models(session):
        for task in json.loads(model.versions[-1].user_tasks_json) if model.versions else []:
            if role is None or (task.get("role") or role_for_lane(task["lane"])) == role:
                steps.setdefault(task["id"], task["name"])
    return list(steps.items())


def list_models(session):
    return session.scalars(select(ProcessModel).order_by(ProcessModel.key)).unique().all()
