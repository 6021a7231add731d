"""Deploying process models: validated, versioned, unsafe code refused, running cases keep their version."""
import json
from pathlib import Path

import pytest

from bangfu.demo import declaration

DATA = Path(__file__).parent / "data"
MAIN = Path(__file__).parent.parent / "bpmn" / "hardship_assistance.bpmn"


def script_model(script="total = 1 + 1", condition='review["decision"] == "approve"'):
    text = (DATA / "script_task.bpmn").read_text(encoding="utf-8")
    return text.replace("SCRIPT_BODY", script).replace("CONDITION", condition).encode()


def upload(api, content, user="designer1", comment=None, name="model.bpmn"):
    from io import BytesIO
    data = {"file": (BytesIO(content), name)}
    if comment:
        data["comment"] = comment
    return api.post("/api/v1/process-models", user, data=data, content_type="multipart/form-data")


def test_designer_deploys_a_new_model_and_it_is_listed(api):
    response = upload(api, script_model(), comment="首次部署")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["key"] == "script_check" and body["version"]["version"] == 1
    assert body["version"]["deployed_by"] == "designer1"
    models = {m["key"]: m for m in api.get("/api/v1/process-models", "center1").get_json()}
    assert models["script_check"]["latest_version"]["comment"] == "首次部署"
    assert [t["id"] for t in models["script_check"]["latest_version"]["user_tasks"]] == ["review"]


def test_identical_redeployment_creates_no_new_version(api):
    assert upload(api, script_model()).status_code == 201
    again = upload(api, script_model())
    assert again.status_code == 200
    assert again.get_json()["created"] is False
    assert again.get_json()["version"]["version"] == 1


@pytest.mark.parametrize("script, element, fragment", [
    ("import os", "compute", "import"),
    ("x = ().__class__.__bases__", "compute", "__class__"),
    ("data = open('/etc/passwd').read()", "compute", "open"),
    ("x = (", "compute", "语法错误"),
])
def test_unsafe_or_broken_script_is_refused_naming_the_element(api, script, element, fragment):
    response = upload(api, script_model(script=script))
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert element in fields
    assert any(fragment in problem for problem in fields[element])


def test_unsafe_condition_is_refused_naming_the_sequence_flow(api):
    response = upload(api, script_model(condition="__import__('os').system('id')"))
    assert response.status_code == 422
    assert "f4" in response.get_json()["error"]["fields"]


def test_broken_xml_is_refused_and_the_old_version_stays_active(api):
    response = upload(api, (DATA / "broken.bpmn").read_bytes())
    assert response.status_code == 422
    assert "document" in response.get_json()["error"]["fields"]
    models = {m["key"]: m for m in api.get("/api/v1/process-models", "designer1").get_json()}
    assert models["hardship_assistance"]["latest_version"]["version"] == 1


def test_user_task_outside_a_role_lane_is_refused(api):
    response = upload(api, script_model().replace(b'name="grassroots_union"', b'name="visitors"'))
    assert response.status_code == 422
    assert "review" in response.get_json()["error"]["fields"]


def test_missing_form_file_is_refused(api):
    response = upload(api, script_model().replace(b"preliminary_review.schema.json", b"nope.schema.json"))
    assert response.status_code == 422
    assert "nope.schema.json" in response.get_json()["error"]["fields"]["review"][0]


def test_only_designers_deploy(api):
    response = upload(api, script_model(), user="center1")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_running_case_stays_on_its_version_while_new_cases_use_the_newest(api, household, rng):
    old_case = api.start()["id"]
    changed = MAIN.read_bytes().replace('name="初审"'.encode(), 'name="基层初审"'.encode())
    assert changed != MAIN.read_bytes()
    response = upload(api, changed, comment="初审改名")
    assert response.status_code == 201 and response.get_json()["version"]["version"] == 2

    new_case = api.start()["id"]
    assert api.case(old_case)["process_version"] == 1
    assert api.case(new_case)["process_version"] == 2
    for case_id, title, data in ((old_case, "初审", household), (new_case, "基层初审", declaration(rng))):
        api.complete(case_id, "declaration", data)  # two workers: one open file per worker
        assert api.open_task(case_id, "preliminary_review")["title"] == title


def test_script_error_at_run_time_becomes_an_incident_on_the_case(api):
    assert upload(api, script_model(script="total = 1 / 0")).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    api.complete(case_id, "review", {"decision": "approve"})
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert "计算" in case["incident"] and "ZeroDivisionError" in case["incident"]
    assert case["history"][-1]["action"] == "incident"


def run_script_case(api, script, opinion=""):
    assert upload(api, script_model(script=script)).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    decision = {"decision": "approve", "opinion": opinion} if opinion else {"decision": "approve"}
    api.complete(case_id, "review", decision)
    return api.case(case_id)


def test_unknown_name_at_run_time_becomes_an_incident(api):
    case = run_script_case(api, "total = undefined_name + 1")
    assert case["status"] == "incident" and "undefined_name" in case["incident"]


def test_a_script_result_that_cannot_be_stored_becomes_an_incident_not_an_error(api):
    case = run_script_case(api, "numbers = range(3)")
    assert case["status"] == "incident" and "numbers" in case["incident"]


def test_a_runaway_builtin_call_becomes_an_incident(api):
    case = run_script_case(api, "total = sum(range(10**11))")
    assert case["status"] == "incident" and "range" in case["incident"]


def test_incident_text_never_shows_a_personal_number(api, household):
    case = run_script_case(api, "n = int(review['opinion'])", opinion=household["id_number"][:-1] + "X")
    assert case["status"] == "incident"
    assert household["id_number"][:-1] not in case["incident"] and "******" in case["incident"]


def test_a_failing_post_script_on_a_user_task_becomes_an_incident(api):
    model = script_model().replace(
        b"</spiffworkflow:properties></bpmn:extensionElements>",
        b"</spiffworkflow:properties><spiffworkflow:postScript>m = 1 / 0</spiffworkflow:postScript>"
        b"</bpmn:extensionElements>", 1)
    assert upload(api, model).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    api.complete(case_id, "review", {"decision": "approve"})
    case = api.case(case_id)
    assert case["status"] == "incident" and "ZeroDivisionError" in case["incident"]


def test_sandboxed_script_results_reach_the_gateway(api):
    model = script_model(script="total = sum([1, 2, 3])\nlabel = '合计' + str(total)", condition="total == 6")
    assert upload(api, model).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    api.complete(case_id, "review", {"decision": "approve"})
    case = api.case(case_id)
    assert case["status"] == "completed"
    assert case["data"]["label"] == "合计6"


def test_a_sensitivity_mark_of_an_unknown_kind_is_refused_naming_the_field(app, api):
    from bangfu.resources import bundled_forms
    from bangfu.services import services
    with app.app_context():
        edits = services().forms.edits_dir
    form = json.loads((bundled_forms() / "preliminary_review.schema.json").read_text(encoding="utf-8"))
    form["properties"]["opinion"]["x-sensitive"] = "circumstance"
    edits.mkdir(parents=True, exist_ok=True)
    edited = edits / "preliminary_review.schema.json"
    edited.write_text(json.dumps(form, ensure_ascii=False), encoding="utf-8")
    try:
        response = upload(api, script_model())
    finally:
        edited.unlink()
    assert response.status_code == 422
    assert "properties/opinion: x-sensitive 的值应为 circumstances、oversight 之一" in response.get_json()["error"]["fields"]["review"][0]


def test_a_model_with_too_many_elements_is_refused_at_once(api):
    """Under 5 MB a model can hold 20 000 script tasks, and SpiffWorkflow's parser took two minutes over them
    (its process index grows with the square of the elements), holding the request and a worker."""
    import time
    steps = "".join(f'<bpmn:scriptTask id="s{i}" name="步骤{i}"><bpmn:script>x = {i}</bpmn:script></bpmn:scriptTask>'
                    f'<bpmn:sequenceFlow id="g{i}" sourceRef="s{i}" targetRef="s{i + 1}" />' for i in range(8000))
    started = time.monotonic()
    response = upload(api, script_model().replace(b"</bpmn:process>", steps.encode() + b"</bpmn:process>"))
    assert time.monotonic() - started < 5
    assert response.status_code == 422
    assert "模型过大" in response.get_json()["error"]["fields"]["document"][0]


@pytest.mark.parametrize("code", ["not " * 20000 + "True", "1+" * 50000 + "1", "x" + "[0]" * 30000])
def test_code_nested_too_deep_to_compile_is_a_problem_of_its_element(api, code):
    """The parser's stack overflowing was a 500 (MemoryError) or a 400 blaming the request body (RecursionError)."""
    for model, element, label in ((script_model(condition=code), "f4", "条件表达式"),
                                  (script_model(script=f"total = {code}"), "compute", "脚本")):
        response = upload(api, model)
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["fields"][element] == [f"{label}不安全或有误：嵌套层级过深，无法编译（请拆成几行或几个步骤）"]
