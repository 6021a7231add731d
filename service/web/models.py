"""Designers' pages: process models and their versions, the BPMN modeler with server-side validation and
deployment, and the form editor. Saved forms are drafts in the database (forms/library.py), snapshotted into a
model at its next deployment."""
import json
import re
from collections import Counter

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from .. import db
from ..access import Action, ensure, may
from ..errors import Conflict, DomainError, ValidationFailed
from ..forms import SchemaInvalid, check_schema
from ..forms.defaults import FILES as DEFAULT_FILES, LABELS
from ..forms.library import save_draft
from ..forms.messages import json_error
from ..named_operations.catalogue import listed as operation_list
from ..people.roles import LANE_ROLES
from ..process_models import migration
from ..process_models.operations import check_model, deploy, latest_version, list_models, read_document
from ..services import services
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user


def _designer():
    return ensure(page_user(), Action.DESIGN)


def _forms():
    return services().forms.using(db.session())


_DEFAULT_SCHEMAS = {schema for schema, _ in DEFAULT_FILES.values()}


def designer_titles(forms):
    """{schema file name: title} as designers read them: a default form's title is written for the person doing
    the step (审核), so the designer's lists add that it is the default (审核（默认表单）)."""
    return {name: f"{title}（默认表单）" if name in _DEFAULT_SCHEMAS else title
            for name, title in forms.titles().items()}


def form_labels(titles):
    """{schema file name: (its title, its file name's stem where two forms share the title, else None)}: how
    the designer's pages name the form (审批 is the hardship approval's and the programmes' approval's)."""
    counts = Counter(titles.values())
    return {name: (title, name.removesuffix(".schema.json") if counts[title] > 1 else None)
            for name, title in titles.items()}


@pages.get("/models")
@login_required
def models():
    _designer()
    return _models_page()


def _models_page(refusal=None, status=200):
    forms = sorted(((name, title, stem) for name, (title, stem) in form_labels(designer_titles(_forms())).items()),
                   key=lambda form: (form[1], form[2] or "", form[0]))
    problems = [problem for problems in refusal.fields.values() for problem in problems] if refusal else []
    return render_template("models.html", models=list_models(db.session()), forms=forms,
                           open_cases=migration.open_case_counts(db.session()),
                           lane_labels={str(role): role.label for role in LANE_ROLES}, default_labels=LABELS,
                           refusal=refusal, problems=problems, deployed=request.args.get("deployed")), status


@pages.post("/models/upload")
@login_required
def model_upload():
    """Deploy a BPMN file drawn elsewhere (Camunda Modeler, bpmn.io): a new model, or a new version of the model
    whose process id it carries. A refusal lists every element it names on the models page."""
    user = _designer()
    upload = request.files.get("file")
    xml = read_document(upload) if upload else b""
    comment = (request.form.get("comment") or "").strip()[:500] or None
    try:
        if not xml.strip():
            raise ValidationFailed("未部署：请选择要部署的 BPMN 文件", {"file": ["请选择要部署的 BPMN 文件"]})
        version, created = run(deploy, services(), xml, user=user, comment=comment)
    except DomainError as exc:
        return _models_page(exc, exc.status)
    name = version.process_model.name
    if created:
        defaults = [f"{t['name']}：{LABELS[t['default_form']]}" for t in version.user_tasks if t.get("default_form")]
        flash(f"已部署「{name}」第 {version.version} 版，新发起的案件使用此版本"
              + (f"。未指定表单的步骤使用默认表单：{'；'.join(defaults)}" if defaults else ""), "success")
    else:
        flash(f"「{name}」与第 {version.version} 版相同，未产生新版本", "info")
    return redirect(url_for("pages.models", deployed=version.process_model.key))


@pages.get("/models/<key>/edit")
@login_required
def model_editor(key):
    _designer()
    version = latest_version(db.session(), key)
    forms = _forms()
    titles = {name: f"{title}（{stem}）" if stem else title
              for name, (title, stem) in form_labels(designer_titles(forms)).items()}
    widget = {"xml": version.bpmn_xml, "forms": forms.schema_names(), "formTitles": titles,
              "validateUrl": url_for("pages.model_validate"),
              "deployUrl": url_for("pages.model_deploy"), "csrfToken": generate_csrf(), "csrfHeader": "X-CSRFToken",
              "operations": operation_list(), "defaultForms": LABELS}
    return render_template("model_editor.html", version=version, widget=widget)


def _posted_xml():
    """The modeler's {"xml": …, "comment": …}; a 400 naming the field when either is not text."""
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    xml, comment = body.get("xml"), body.get("comment")
    if not isinstance(xml, str) or not xml.strip():
        raise DomainError("未收到模型", {"xml": ["应为 BPMN 文本"]})  # a 400, as a request without its body
    if comment is not None and not isinstance(comment, str):
        raise DomainError("部署说明有误", {"comment": ["应为文本"]})
    return xml.encode("utf-8"), comment


@pages.post("/models/validate")
@login_required
def model_validate():
    _designer()
    xml, _ = _posted_xml()
    check_model(xml, _forms())
    return jsonify({"ok": True})


@pages.post("/models/deploy")
@login_required
def model_deploy():
    user = _designer()
    xml, comment = _posted_xml()
    version, created = run(deploy, services(), xml, user=user, comment=(comment or "").strip()[:500] or None)
    defaults = [f"{t['name']}：{LABELS[t['default_form']]}" for t in version.user_tasks if t.get("default_form")]
    return jsonify({"created": created, "key": version.process_model.key,
                    "version": {"version": version.version}, "defaults": defaults}), 201 if created else 200


@pages.route("/forms/<name>", methods=["GET", "POST"])
@login_required
def form_editor(name):
    user = _designer()
    forms = _forms()
    draft = forms.draft(name)
    if draft is None:
        abort(404)
    schema_text, ui_text, based_on = draft.schema_text, draft.ui_text, draft.revision
    error, status, newest = None, 200, None
    if request.method == "POST":
        schema_text, ui_text = request.form.get("schema", ""), request.form.get("ui_schema", "") or "{}"
        based_on = request.form.get("based_on", type=int)
        try:
            schema = _parsed("JSON Schema", schema_text)
            ui_schema = _parsed("界面配置", ui_text)
            check_schema(schema)
            if based_on is None:
                raise SchemaInvalid("缺少所依据的版本号，请重新打开表单后再修改")
            saved = run(save_draft, services().forms, user, name, schema, ui_schema, based_on).revision
        except SchemaInvalid as exc:
            error, status = str(exc), 422
        except Conflict as exc:  # a stale save: the newest revision a link away, what was typed kept in the editor
            error, status, newest = exc.message, exc.status, forms.draft(name)
        except ValidationFailed as exc:  # a form the store refuses
            error, status = exc.message, exc.status
        else:
            flash(f"已保存 {name} 第 {saved} 版；重新部署使用它的流程模型后生效，运行中的案件不受影响", "success")
            return redirect(url_for("pages.form_editor", name=name))
    widget = {"schemaText": schema_text, "uiSchemaText": ui_text, "inputName": "schema"}
    return render_template("form_editor.html", name=name, title=designer_titles(forms).get(name, name), widget=widget,
                           error=error, newest=newest, draft=draft, based_on=based_on,
                           history=forms.history(name)), status


def _parsed(label, text):
    """The JSON text's value; SchemaInvalid saying where the text breaks, as the editor counts lines and columns."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SchemaInvalid(json_error(label, exc)) from None


@pages.route("/models/<key>/versions/<int:number>/migration", methods=["GET", "POST"])
@login_required
def model_migration(key, number):
    """The preview of moving a version's open cases to a newer version (迁移), and (POST) the move of those
    that can; designers and the centre head (migration checks Action.MIGRATE_CASES)."""
    try:
        return _model_migration(key, number)
    except DomainError as exc:  # the API's field `to` is the target version here, not a list's 结束日期
        exc.fields = {"target_version" if name == "to" else name: reasons for name, reasons in exc.fields.items()}
        raise


def _model_migration(key, number):
    user = page_user()
    to = request.values.get("to", type=int)
    if to is None:
        abort(400)
    if request.method == "POST":
        result = migration.migrate(services(), user, key, number, to)
        flash(f"已迁移到第 {to} 版 {len(result.moved)} 件；未迁移 {len(result.refused)} 件"
              + ("（原因见下表）" if result.refused else ""), "success" if not result.refused else "info")
        return redirect(url_for("pages.model_migration", key=key, number=number, to=to))
    result = migration.preview(db.session(), services(), user, key, number, to)
    return render_template("model_migration.html", result=result, may_design=may(user, Action.DESIGN),
                           movable=sum(move.can_move for move in result.cases),
                           model_name=latest_version(db.session(), key).process_model.name)


_IDENTIFIER = re.compile(r"([A-Za-z_][\w.\-]*)")


@pages.app_template_filter("identifiers")
def identifiers(text):
    """Element ids and file names in a migration reason shown as code: identifiers the designer typed, not words."""
    parts = _IDENTIFIER.split(text or "")
    return Markup("".join(f"<code>{escape(part)}</code>" if index % 2 else str(escape(part))
                          for index, part in enumerate(parts)))
