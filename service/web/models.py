"""Designers' pages: process models and their versions, the BPMN modeler with server-side validation and
deployment, and the form editor. Saved forms are snapshotted into a model at its next deployment."""
import json

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import generate_csrf

from .. import db
from ..access import Action, ensure
from ..forms import SchemaInvalid, check_schema
from ..forms.library import SCHEMA_SUFFIX, ui_name
from ..forms.messages import json_error
from ..named_operations.catalogue import listed as operation_list
from ..process_models.operations import check_model, deploy, latest_version, list_models
from ..services import services
from ..unit_of_work import run
from . import pages
from .auth import login_required, page_user


def _designer():
    return ensure(page_user(), Action.DESIGN)


def _form_files():
    return services().forms.schema_names()


@pages.get("/models")
@login_required
def models():
    _designer()
    forms = sorted(services().forms.titles().items(), key=lambda item: (item[1], item[0]))
    return render_template("models.html", models=list_models(db.session()), forms=forms)


@pages.get("/models/<key>/edit")
@login_required
def model_editor(key):
    _designer()
    version = latest_version(db.session(), key)
    widget = {"xml": version.bpmn_xml, "forms": _form_files(), "formTitles": services().forms.titles(),
              "validateUrl": url_for("pages.model_validate"),
              "deployUrl": url_for("pages.model_deploy"), "csrfToken": generate_csrf(), "csrfHeader": "X-CSRFToken",
              "operations": operation_list()}
    return render_template("model_editor.html", version=version, widget=widget)


def _posted_xml():
    body = request.get_json(silent=True) or {}
    xml = body.get("xml")
    if not isinstance(xml, str) or not xml.strip():
        abort(400)
    return xml.encode("utf-8"), body.get("comment")


@pages.post("/models/validate")
@login_required
def model_validate():
    _designer()
    xml, _ = _posted_xml()
    check_model(xml, services().forms)
    return jsonify({"ok": True})


@pages.post("/models/deploy")
@login_required
def model_deploy():
    user = _designer()
    xml, comment = _posted_xml()
    version, created = run(deploy, services(), xml, user=user, comment=(comment or "").strip()[:500] or None)
    return jsonify({"created": created, "key": version.process_model.key,
                    "version": {"version": version.version}}), 201 if created else 200


@pages.route("/forms/<name>", methods=["GET", "POST"])
@login_required
def form_editor(name):
    _designer()
    library = services().forms
    schema_text = library.read(name) if name.endswith(SCHEMA_SUFFIX) else None
    if schema_text is None:
        abort(404)
    ui_text = library.read(ui_name(name)) or "{}"
    error, status = None, 200
    if request.method == "POST":
        schema_text, ui_text = request.form.get("schema", ""), request.form.get("ui_schema", "") or "{}"
        try:
            schema = _parsed("JSON Schema", schema_text)
            ui_schema = _parsed("界面配置", ui_text)
            check_schema(schema)
        except SchemaInvalid as exc:
            error, status = str(exc), 422
        else:
            library.write(name, json.dumps(schema, ensure_ascii=False, indent=2) + "\n")
            library.write(ui_name(name), json.dumps(ui_schema, ensure_ascii=False, indent=2) + "\n")
            flash(f"已保存 {name}；重新部署使用它的流程模型后生效，运行中的案件不受影响", "success")
            return redirect(url_for("pages.form_editor", name=name))
    widget = {"schemaText": schema_text, "uiSchemaText": ui_text, "inputName": "schema"}
    title = services().forms.titles().get(name, name)
    return render_template("form_editor.html", name=name, title=title, widget=widget, error=error), status


def _parsed(label, text):
    """The JSON text's value; SchemaInvalid saying where the text breaks, as the editor counts lines and columns."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise SchemaInvalid(json_error(label, exc)) from None
