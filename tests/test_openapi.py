"""The OpenAPI document is valid OpenAPI 3 and says what the service answers; errors keep their HTTP headers;
request-parsing messages are Chinese without touching marshmallow's private API."""
import copy
import importlib
import io
import pkgutil
import re

import marshmallow
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

import bangfu
from bangfu.testing import pay_case_through_batch


def document(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def response_problems(spec, path, method, status, body):
    """Where `body` contradicts the schema the document gives this response (empty when it conforms)."""
    responses = spec["paths"][path][method]["responses"]
    response = responses.get(str(status)) or responses["default"]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    schema = dict(response["content"]["application/json"]["schema"], components=spec["components"])
    return [f"{'.'.join(map(str, error.absolute_path))}: {error.message}"
            for error in OAS30Validator(schema).iter_errors(body)]


def test_the_openapi_document_is_valid_openapi_3(api):
    spec = document(api)
    assert spec["openapi"].startswith("3.")
    validate_spec(copy.deepcopy(spec))


def test_no_operation_describes_its_body_as_swagger_2_form_data(api):
    for path, operations in document(api)["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            assert all(p["in"] in ("path", "query", "header", "cookie") for p in operation.get("parameters", [])), \
                f"{method.upper()} {path}"


def test_deployment_is_documented_as_one_multipart_request_body(api):
    operation = document(api)["paths"]["/api/v1/process-models"]["post"]
    assert "parameters" not in operation
    assert operation["requestBody"]["required"] is True
    assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
    ref = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = document(api)["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert body["required"] == ["file"]
    assert body["properties"]["file"]["type"] == "string" and body["properties"]["file"]["format"] == "binary"
    assert body["properties"]["comment"]["type"] == "string"


def test_a_deployment_without_a_file_is_a_422_naming_file(api):
    response = api.post("/api/v1/process-models", "designer1", data={"comment": "没有文件"},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": ["必填"]}


def test_a_deployment_whose_file_is_a_plain_form_field_is_a_422_not_a_server_error(api):
    response = api.post("/api/v1/process-models", "designer1", data={"file": "<definitions/>"},
                        content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"file": ["应为上传的文件"]}


def test_a_deployment_comment_reaches_the_version(api):
    from test_process_models import script_model, upload
    response = upload(api, script_model(), comment="首次部署")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"]["comment"] == "首次部署"


def test_amounts_are_documented_as_the_decimal_strings_the_service_returns(api, case_at, replies):
    spec = document(api)
    case_id = case_at("payment")
    pay_case_through_batch(api.app, case_id)
    case = api.case(case_id)
    assert case["approved_amount"] == case["paid_amount"] == "800.00"
    for name in ("Case", "CaseDetail"):
        for field in ("approved_amount", "paid_amount"):
            documented = spec["components"]["schemas"][name]["properties"][field]
            assert documented["type"] == "string" and documented["format"] == "decimal"
            assert documented["nullable"] is True
            assert re.fullmatch(documented["pattern"], case[field])
    assert response_problems(spec, "/api/v1/cases/{case_id}", "get", 200, case) == []


def test_every_answer_along_a_whole_case_matches_the_document(api, case_at, replies):
    """Open and completed tasks, an unassigned and an assigned third party, claims, the inbox, process models."""
    spec = document(api)
    case_id = case_at("household_visit")
    task = api.open_task(case_id, "household_visit")
    checks = [
        ("/api/v1/cases/{case_id}", "get", api.get(f"/api/v1/cases/{case_id}", "supervisor1")),
        ("/api/v1/cases", "get", api.get("/api/v1/cases", "center1")),
        ("/api/v1/tasks/{task_id}", "get", api.get(f"/api/v1/tasks/{task['id']}", "thirdparty1")),
        ("/api/v1/tasks/{task_id}/claim", "post", api.post(f"/api/v1/tasks/{task['id']}/claim", "thirdparty1")),
        ("/api/v1/tasks", "get", api.get("/api/v1/tasks?mine=true", "thirdparty1")),
        ("/api/v1/tasks/{task_id}/unclaim", "post", api.post(f"/api/v1/tasks/{task['id']}/unclaim", "thirdparty1")),
        ("/api/v1/tasks/{task_id}/complete", "post", api.post(
            f"/api/v1/tasks/{task['id']}/complete", "thirdparty1", json={"data": replies["household_visit"]})),
        ("/api/v1/tasks/{task_id}", "get", api.get(f"/api/v1/tasks/{task['id']}", "supervisor1")),
        ("/api/v1/process-models", "get", api.get("/api/v1/process-models", "designer1")),
        ("/api/v1/auth/me", "get", api.get("/api/v1/auth/me", "inspector1")),
        ("/api/v1/auth/token", "post", api.post("/api/v1/auth/token", json={"username": "nobody", "password": "x"})),
        ("/api/v1/cases", "post", api.post("/api/v1/cases", "union1", json={"process": "no_such_process"})),
    ]
    household_id = api.case(case_id)["household_id"]
    checks += [
        ("/api/v1/households", "get", api.get("/api/v1/households?status=declared", "center1")),
        ("/api/v1/households", "get", api.get("/api/v1/households?filed_year=x", "center1")),
        ("/api/v1/households/{household_id}", "get", api.get(f"/api/v1/households/{household_id}", "supervisor1")),
        ("/api/v1/households/{household_id}", "get", api.get(f"/api/v1/households/{household_id}", "union2")),
        ("/api/v1/households/{household_id}", "get", api.get(f"/api/v1/households/{household_id}", "finance1")),
    ]
    for path, method, response in checks:
        assert response.status_code < 500, (path, response.get_json())
        assert response_problems(spec, path, method, response.status_code, response.get_json()) == [], path


def test_the_money_lists_answer_one_envelope_as_documented(api):
    """Fund standards and adjustment lists answer {"items": [...]} (standards add the one in force), awards a page
    of them; each answer conforms to the document (the envelopes come from api.schema.listing / page_of)."""
    spec = document(api)
    answers = {"/api/v1/fund-standards": api.get("/api/v1/fund-standards", "center1"),
               "/api/v1/adjustments": api.get("/api/v1/adjustments", "center1"),
               "/api/v1/awards": api.get("/api/v1/awards?page_size=5", "center1")}
    for path, response in answers.items():
        assert response.status_code == 200, (path, response.get_json())
        assert response_problems(spec, path, "get", 200, response.get_json()) == [], path
    assert {path: sorted(response.get_json()) for path, response in answers.items()} == {
        "/api/v1/fund-standards": ["in_force_id", "items"], "/api/v1/adjustments": ["items"],
        "/api/v1/awards": ["items", "page", "page_size", "total"]}
    documented = spec["components"]["schemas"]
    assert sorted(documented["AwardPage"]["properties"]) == ["items", "page", "page_size", "total"]
    assert documented["StandardList"]["properties"]["items"]["items"] == {"$ref": "#/components/schemas/Standard"}


def test_the_token_operation_needs_no_bearer_token_in_the_document(api):
    spec = document(api)
    assert spec["paths"]["/api/v1/auth/token"]["post"]["security"] == []
    assert "security" not in spec["paths"]["/api/v1/cases"]["post"]  # the document-wide bearer requirement


def test_a_method_not_allowed_answers_405_with_its_allow_header_and_the_json_error(api):
    response = api.request("DELETE", "/api/v1/cases", "supervisor1")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.mimetype == "application/json"
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_marshmallow_private_default_messages_are_left_alone(app):
    from bangfu.api.schema import Schema
    assert marshmallow.Schema._default_error_messages["unknown"] == "Unknown field."
    assert Schema.error_messages == {"type": "应为对象", "unknown": "未知字段"}


def test_every_schema_in_the_service_derives_from_the_base_schema():
    from bangfu.api.schema import Schema
    for module in pkgutil.walk_packages(bangfu.__path__, "bangfu."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    seen, stack = [], [marshmallow.Schema]
    while stack:
        for sub in stack.pop().__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("bangfu.") and sub is not Schema:
                seen.append(sub)
    assert seen
    assert [s for s in seen if not issubclass(s, Schema)] == []


def test_schema_level_request_errors_are_in_chinese(api):
    unknown = api.post("/api/v1/auth/token", json={"username": "union1", "password": "x", "otp": "1"})
    assert unknown.status_code == 422
    assert unknown.get_json()["error"]["fields"] == {"otp": ["未知字段"]}
    not_an_object = api.post("/api/v1/cases", "union1", json=["hardship_assistance"])
    assert not_an_object.status_code == 422
    assert not_an_object.get_json()["error"]["fields"] == {"body": ["应为对象"]}


def test_a_bpmn_upload_of_binary_garbage_is_a_model_problem(api):
    response = api.post("/api/v1/process-models", "designer1", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(b"\x00\xff\xfe garbage"), "x.bpmn")})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]
