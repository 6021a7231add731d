"""Domain operations by name: listed for designers, called from a user task's `operations` property and from
a service task, checked at deployment, and versions deployed before names keep their task-id rules."""
import random
import re

import pytest
from io import BytesIO
from pathlib import Path

from sqlalchemy import select

from bangfu.demo import declaration
from bangfu.households.models import Household
from bangfu.process_models.models import ProcessModel, ProcessModelVersion
from bangfu.unit_of_work import run_in

HARDSHIP = Path(__file__).parent.parent / "bpmn" / "hardship_assistance.bpmn"
HOUSEHOLD_CHECKS = "bangfu.check_declaration, bangfu.check_duplicate, bangfu.declare_household, bangfu.assess_household"
FILE_NUMBER = "YL2026-0001"

# A designer's own process: a 医疗补助 application that reuses the household checks on its first task, the
# centre decides, and two service tasks record the category and file the household under a number of its own.
MEDICAL_RELIEF = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="defs" targetNamespace="t">
  <bpmn:process id="medical_relief" name="困难职工医疗补助" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_union" name="基层工会"><bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>apply</bpmn:flowNodeRef></bpmn:lane>
      <bpmn:lane id="lane_centre" name="援助中心"><bpmn:flowNodeRef>decide</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>keep_category</bpmn:flowNodeRef><bpmn:flowNodeRef>file_it</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef></bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="apply" name="医疗补助申请">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="declaration.schema.json" />
        <spiffworkflow:property name="operations" value="APPLY_OPERATIONS" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:userTask id="decide" name="补助审核">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="re_review.schema.json" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="keep_category" name="记录类别">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="bangfu.record_category">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="category" type="str" value="decide[&quot;category&quot;]" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f3b</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:serviceTask id="file_it" name="建档">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="SERVICE_OPERATION">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="file_number" type="str" value="&quot;YL&quot; + &quot;2026-0001&quot;" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f3b</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="apply" />
    <bpmn:sequenceFlow id="f2" sourceRef="apply" targetRef="decide" />
    <bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="keep_category" />
    <bpmn:sequenceFlow id="f3b" sourceRef="keep_category" targetRef="file_it" />
    <bpmn:sequenceFlow id="f4" sourceRef="file_it" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def medical_relief(apply=HOUSEHOLD_CHECKS, service="bangfu.file_household"):
    return MEDICAL_RELIEF.replace("APPLY_OPERATIONS", apply).replace("SERVICE_OPERATION", service).encode()


def too_many(applied):
    """The declaration with a household size its listed members do not match (a check no schema makes)."""
    return dict(applied, household_size=len(applied["family_members"]) + 1)


def size_problem(applied):
    return f"家庭人口数应与家庭成员人数一致（已填写 {len(applied['family_members'])} 人）"


def upload(api, content, user="designer1"):
    return api.post("/api/v1/process-models", user, data={"file": (BytesIO(content), "model.bpmn")},
                    content_type="multipart/form-data")


def start(api, process):
    response = api.post("/api/v1/cases", "union1", json={"process": process})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def complete(api, case_id, name, data, user):
    task = api.open_task(case_id, name)
    return api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": data})


def household_of(app, case_id):
    def read(session):
        from bangfu.cases.models import Case
        case = session.get(Case, case_id)
        household = session.get(Household, case.household_id) if case.household_id else None
        return household and (household.status, household.file_number, household.category)
    return run_in(app, read)


def test_operations_are_listed_with_their_parameters_in_chinese(api):
    assert api.get("/api/v1/operations", None).status_code == 401
    listed = {op["name"]: op for op in api.get("/api/v1/operations", "designer1").get_json()}
    filing = listed["bangfu.file_household"]
    assert (filing["label"], filing["kind"], filing["kind_label"], filing["service_task"]) == \
        ("家庭建档（一户一档）", "record", "登记业务数据", True)
    assert filing["params"] == [{"name": "file_number", "label": "档案编号", "type": "field", "type_label": "字段",
                                 "required": False, "default": "file_number", "choices": []}]
    amount = listed["bangfu.check_amount"]
    assert amount["kind"] == "checks" and not amount["service_task"]
    assert [(p["name"], p["label"], p["required"]) for p in amount["params"]] == \
        [("amount", "金额", True), ("aid_type", "帮扶类型", True)]
    award = listed["bangfu.create_programme_award"]
    assert {c["value"]: c["label"] for c in award["params"][0]["choices"]}["medical"] == "医疗救助"
    assert {"bangfu.assess_household", "bangfu.notice_period", "bangfu.check_duplicate", "bangfu.visit_deadline",
            "bangfu.record_exit", "bangfu.create_award"} <= set(listed)


def test_a_designers_new_process_runs_the_household_checks_and_files_through_a_service_task(api, app, rng):
    assert upload(api, medical_relief()).status_code == 201
    case_id = start(api, "medical_relief")["id"]
    applied = declaration(rng)
    refused = complete(api, case_id, "apply", too_many(applied), "union1")
    assert refused.status_code == 422  # bangfu.check_declaration: the household's size against its members
    assert refused.get_json()["error"]["fields"]["data.household_size"] == [size_problem(applied)]

    assert complete(api, case_id, "apply", applied, "union1").status_code == 200
    case = api.case(case_id)
    assert case["household_name"] == applied["name"]  # bangfu.declare_household
    assert household_of(app, case_id)[0] == "declared"
    decide = api.open_task(case_id, "decide", user="center1")
    task = api.get(f"/api/v1/tasks/{decide['id']}", "center1").get_json()
    assert task["context"]["assessment"]["suggested_category"]  # bangfu.assess_household's derived data

    done = complete(api, case_id, "decide", {"decision": "approve", "category": "deep"}, "center1")
    assert done.status_code == 200, done.get_json()
    assert api.case(case_id)["status"] == "completed"
    assert household_of(app, case_id) == ("filed", FILE_NUMBER, "deep")  # the service task, same transaction
    assert api.case(case_id)["file_number"] == FILE_NUMBER


def test_a_refusal_inside_a_service_task_refuses_the_whole_completion(api, app):
    # No declaration was registered for this case: filing it is refused, and the decision is not taken either.
    assert upload(api, medical_relief(apply="bangfu.check_declaration")).status_code == 201
    case_id = start(api, "medical_relief")["id"]
    assert complete(api, case_id, "apply", declaration(random.Random(3)), "union1").status_code == 200
    refused = complete(api, case_id, "decide", {"decision": "approve", "category": "deep"}, "center1")
    assert refused.status_code == 409
    assert "不能建档" in refused.get_json()["error"]["message"]
    case = api.case(case_id)
    assert case["status"] == "active" and [t["name"] for t in case["open_tasks"]] == ["decide"]
    assert case["category"] is None


def problems_of(response):
    assert response.status_code == 422, response.get_json()
    return response.get_json()["error"]["fields"]


def test_unknown_operations_and_wrong_parameters_are_refused_at_deployment_naming_the_task(api):
    unknown = problems_of(upload(api, medical_relief(apply="bangfu.check_declaration, bangfu.no_such_thing")))
    assert any("未知的业务操作 bangfu.no_such_thing" in p and "医疗补助申请" in p for p in unknown["apply"])
    missing = problems_of(upload(api, medical_relief(apply="bangfu.check_amount(amount=requested)")))
    assert any("缺少必填参数 aid_type（帮扶类型）" in p for p in missing["apply"])
    extra = problems_of(upload(api, medical_relief(apply="bangfu.assess_household(colour=red)")))
    assert any("没有参数 colour" in p for p in extra["apply"])
    choice = problems_of(upload(api, medical_relief(apply="bangfu.create_programme_award(programme=holiday)")))
    assert any("参数 programme 应为" in p for p in choice["apply"])
    garbled = problems_of(upload(api, medical_relief(apply="bangfu.check_amount(amount")))
    assert any("写法有误" in p for p in garbled["apply"])
    service = problems_of(upload(api, medical_relief(service="bangfu.no_such_service")))
    assert any("服务任务“建档”" in p and "未知的业务操作" in p for p in service["file_it"])
    check = problems_of(upload(api, medical_relief(service="bangfu.check_declaration")))
    assert any("不能由服务任务调用" in p for p in check["file_it"])
    no_operator = medical_relief().replace(b'<spiffworkflow:serviceTaskOperator id="bangfu.file_household">',
                                           b'<spiffworkflow:serviceTaskOperator>')
    assert any("serviceTaskOperator" in p for p in problems_of(upload(api, no_operator))["file_it"])


def test_renaming_a_task_keeps_its_operations_in_a_new_version(api, rng):
    renamed = medical_relief().replace(b'"apply"', b'"medical_application"').replace(
        b'targetRef="apply"', b'targetRef="medical_application"').replace(
        b'sourceRef="apply"', b'sourceRef="medical_application"').replace(
        b"<bpmn:flowNodeRef>apply<", b"<bpmn:flowNodeRef>medical_application<")
    assert upload(api, renamed).status_code == 201
    case_id = start(api, "medical_relief")["id"]
    applied = declaration(rng)
    assert "data.household_size" in problems_of(complete(api, case_id, "medical_application", too_many(applied),
                                                         "union1"))


def _without_operations(xml):
    return re.sub(rb'\s*<spiffworkflow:property name="operations" value="[^"]*" />', b"", xml)


def test_versions_deployed_before_named_operations_keep_the_rules_of_their_task_ids(api, app, rng):
    """Migration 0031 marks every stored version `rules_by_task_id`: a version whose model names no operations
    still runs the hardship rules of its task ids; one deployed since without names runs none."""
    assert upload(api, _without_operations(HARDSHIP.read_bytes())).status_code == 201
    applied = declaration(rng)
    bad = too_many(applied)
    unnamed = api.start()["id"]

    def mark_old(session):
        version = session.scalar(select(ProcessModelVersion).join(ProcessModel)
                                 .where(ProcessModel.key == "hardship_assistance")
                                 .order_by(ProcessModelVersion.version.desc()).limit(1))
        version.rules_by_task_id = True
    old = api.start()["id"]
    run_in(app, mark_old)
    assert "data.household_size" in problems_of(complete(api, old, "declaration", bad, "union1"))
    assert complete(api, old, "declaration", applied, "union1").status_code == 200
    assert api.case(old)["household_name"] == applied["name"]  # its record rule ran too

    def mark_new(session):
        for version in session.scalars(select(ProcessModelVersion)):
            version.rules_by_task_id = False
    run_in(app, mark_new)
    answer = complete(api, unnamed, "declaration", bad, "union1")
    assert answer.status_code == 200, answer.get_json()  # no names, no rules


def test_what_a_service_task_wrote_is_taken_back_when_the_engine_work_is_discarded(api, app, rng):
    """After filing, the model loops between two gateways until the run's step bound: the completion's engine
    work is discarded and the case set aside; the household stays declared, not filed."""
    endless = medical_relief().replace(b'<bpmn:sequenceFlow id="f4" sourceRef="file_it" targetRef="end" />', (
        b'<bpmn:sequenceFlow id="f4" sourceRef="file_it" targetRef="spin" />'
        b'<bpmn:exclusiveGateway id="spin"><bpmn:incoming>f4</bpmn:incoming><bpmn:incoming>back</bpmn:incoming>'
        b'<bpmn:outgoing>round</bpmn:outgoing></bpmn:exclusiveGateway>'
        b'<bpmn:exclusiveGateway id="spin_again"><bpmn:incoming>round</bpmn:incoming>'
        b'<bpmn:outgoing>back</bpmn:outgoing></bpmn:exclusiveGateway>'
        b'<bpmn:sequenceFlow id="round" sourceRef="spin" targetRef="spin_again" />'
        b'<bpmn:sequenceFlow id="back" sourceRef="spin_again" targetRef="spin" />')).replace(
        b'<bpmn:endEvent id="end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>', b'').replace(
        b'<bpmn:flowNodeRef>end</bpmn:flowNodeRef>',
        b'<bpmn:flowNodeRef>spin</bpmn:flowNodeRef><bpmn:flowNodeRef>spin_again</bpmn:flowNodeRef>')
    deployed = upload(api, endless)
    assert deployed.status_code == 201, deployed.get_json()
    case_id = start(api, "medical_relief")["id"]
    assert complete(api, case_id, "apply", declaration(rng), "union1").status_code == 200
    complete(api, case_id, "decide", {"decision": "approve", "category": "deep"}, "center1")
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert household_of(app, case_id) == ("declared", None, None)
    assert case["file_number"] is None and case["category"] is None


def with_service_call(operation, parameter, value):
    """The medical relief process whose 建档 service task calls `operation` with one parameter's expression."""
    return medical_relief(apply="bangfu.check_declaration, bangfu.declare_household", service=operation).replace(
        b'<spiffworkflow:parameter id="file_number" type="str" value="&quot;YL&quot; + &quot;2026-0001&quot;" />',
        f'<spiffworkflow:parameter id="{parameter}" type="str" value="{value}" />'.encode())


@pytest.mark.parametrize("operation, parameter, value, reason", [
    ("bangfu.file_household", "file_number", "12345", "参数 file_number 应为 1 至 32 个字符的档案编号"),
    ("bangfu.file_household", "file_number", "&quot;YL&quot; * 40", "参数 file_number 应为 1 至 32 个字符的档案编号"),
    ("bangfu.file_household", "file_number", "None", "参数 file_number 应为 1 至 32 个字符的档案编号"),
    ("bangfu.record_category", "category", "&quot;very_deep&quot;", "参数 category 应为"),
    ("bangfu.record_category", "category", "{'deep': 1}", "参数 category 应为"),
    ("bangfu.assign_third_party", "organisation", "&quot;U-STEEL&quot;", "参数 organisation 应为已登记的第三方社会组织"),
])
def test_a_service_task_giving_an_operation_a_value_it_cannot_take_is_an_incident_naming_it(
        api, app, operation, parameter, value, reason):
    """The model's expression is at fault, not the user completing the step before it: the case is set aside
    naming the operation and the parameter in Chinese (it read "name 'script' is not defined"), nothing of the
    call is kept (a household filed under a number no list can show)."""
    assert upload(api, with_service_call(operation, parameter, value)).status_code == 201
    case_id = start(api, "medical_relief")["id"]
    assert complete(api, case_id, "apply", declaration(random.Random(3)), "union1").status_code == 200
    assert complete(api, case_id, "decide", {"decision": "approve", "category": "deep"}, "center1").status_code == 200
    case = api.case(case_id)
    assert case["status"] == "incident"
    assert case["incident"].startswith("建档：业务操作") and f"（{operation}）的{reason}" in case["incident"]
    assert household_of(app, case_id)[:2] == ("declared", None)


def test_a_task_calling_too_many_or_the_same_operations_again_is_refused(api):
    """Every call runs at each completion: 8 000 calls took a completion 10 s, and a record called twice
    (declare_household) records twice."""
    many = problems_of(upload(api, medical_relief(apply=", ".join([HOUSEHOLD_CHECKS] * 6))))
    assert many["apply"] == ["任务“医疗补助申请”调用了 24 个业务操作，最多 20 个"]
    twice = problems_of(upload(api, medical_relief(apply=HOUSEHOLD_CHECKS + ", bangfu.declare_household")))
    assert twice["apply"] == ["任务“医疗补助申请”：业务操作 bangfu.declare_household 以相同参数调用了多次"]
    two_amounts = "bangfu.check_amount(amount=a, aid_type=living), bangfu.check_amount(amount=b, aid_type=living)"
    assert upload(api, medical_relief(apply=two_amounts)).status_code == 201


@pytest.mark.parametrize("call, reason", [
    ("bangfu.create_award(amount=nope, aid_type=living)", "的参数 amount 应为金额"),
    ("bangfu.file_household(file_number=nope)", "的参数 file_number 应为 1 至 32 个字符的档案编号"),
    ("bangfu.assign_third_party(organisation=nope)", "的参数 organisation 应为已登记的第三方社会组织的编码"),
    ("bangfu.record_category(category=name)", "的参数 category 应为"),
])
def test_a_user_tasks_operation_naming_a_field_it_cannot_use_refuses_the_completion_naming_it(api, app, call, reason):
    """A field the form lacks, or the declarant's name as the category: the completion was a 500; it is a 409
    naming the operation, nothing of it is kept and the task stays open for the repaired model."""
    assert upload(api, medical_relief(apply="bangfu.check_declaration, bangfu.declare_household, " + call)).status_code == 201
    case_id = start(api, "medical_relief")["id"]
    refused = complete(api, case_id, "apply", declaration(random.Random(3)), "union1")
    assert refused.status_code == 409, refused.get_json()
    operation = call.split("(")[0]
    assert refused.get_json()["error"]["fields"] == {"operations": [operation]}
    assert f"（{operation}）{reason}" in refused.get_json()["error"]["message"]
    assert [t["name"] for t in api.case(case_id)["open_tasks"]] == ["apply"]
    assert household_of(app, case_id) is None  # declare_household's row went with the refused completion
