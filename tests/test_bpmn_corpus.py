"""Standard BPMN in, and what deploys runs: every model of tests/data/bpmn-corpus/ (written as Camunda Modeler
and bpmn.io write them) either deploys and runs to its end with default answers — timers fired by moving the
clock — or is refused naming the element the service would not run. No server error, no case left waiting
on nothing."""
import json
import re
from io import BytesIO
from pathlib import Path

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.testing import LANE_USER
from bangfu.unit_of_work import run_in

CORPUS = Path(__file__).parent / "data" / "bpmn-corpus"
ACCEPTED = sorted(p.name for p in CORPUS.glob("*.bpmn") if not p.name.startswith("refused_"))
# Each refused model, and the element(s) its refusal must name.
REFUSED = {
    "refused_receive_task.bpmn": ["Activity_Receive"],
    "refused_send_task.bpmn": ["Activity_Send"],
    "refused_business_rule_task.bpmn": ["Activity_Dmn"],
    "refused_message_catch_without_sender.bpmn": ["Event_Bank"],
    "refused_signal_boundary_without_sender.bpmn": ["Event_Stop"],
    "refused_event_gateway_message.bpmn": ["Event_Reply"],
    "refused_task_outside_lanes.bpmn": ["Activity_Orphan"],
    "refused_unknown_candidate_group.bpmn": ["Activity_Mgr"],
    "refused_missing_form_key.bpmn": ["Activity_Form"],
    "refused_conditional_event.bpmn": ["Event_Cond"],
    "refused_message_start.bpmn": ["StartEvent_Msg"],
    "refused_due_date_expression.bpmn": ["Activity_Due"],
    "refused_juel_condition.bpmn": ["Flow_3"],
    "refused_complex_gateway.bpmn": ["Gateway_Complex"],
    "refused_groovy_script.bpmn": ["Activity_Groovy"],
    "refused_gateway_without_condition.bpmn": ["Flow_3"],
    "refused_multi_instance_collection.bpmn": ["Activity_Each"],
    "refused_link_events.bpmn": ["Event_ToB", "Event_FromA"],
    "refused_event_gateway_two_timers.bpmn": ["Gateway_Wait"],
    "refused_call_missing_process.bpmn": ["Activity_CallOut"],
}
ENDED = {"completed", "not_eligible", "not_approved", "paid"}
MAX_STEPS = 30
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def deploy(api, name):
    data = {"file": (BytesIO((CORPUS / name).read_bytes()), name)}
    return api.post("/api/v1/process-models", "designer1", data=data, content_type="multipart/form-data")


def test_the_corpus_covers_what_designers_draw():
    assert len(ACCEPTED) >= 20
    assert sorted(REFUSED) == sorted(p.name for p in CORPUS.glob("refused_*.bpmn"))
    text = "".join((CORPUS / name).read_text(encoding="utf-8") for name in ACCEPTED)
    for element in ("<bpmn:task ", "<bpmn:manualTask ", "<bpmn:transaction ", "<bpmn:subProcess ", "<bpmn:callActivity ",
                    "<bpmn:timerEventDefinition", "<bpmn:eventBasedGateway ", "<bpmn:multiInstanceLoopCharacteristics",
                    "camunda:candidateGroups", "camunda:formKey", "camunda:dueDate", "zeebe:assignmentDefinition"):
        assert element in text, element


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_model_the_service_would_not_run_is_refused_naming_the_element(api, name):
    response = deploy(api, name)
    assert response.status_code == 422, response.get_json()
    fields = response.get_json()["error"]["fields"]
    for element in REFUSED[name]:
        assert element in fields, fields
    for problems in fields.values():
        for problem in problems:
            assert _CHINESE.search(problem) and "0x" not in problem and "<" not in problem, problem
    models = [m["key"] for m in api.get("/api/v1/process-models", "designer1").get_json()]
    assert models == ["hardship_assistance"]


@pytest.mark.parametrize("name", ACCEPTED)
def test_an_accepted_model_runs_to_its_end_with_default_answers(api, clock, name):
    response = deploy(api, name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    tasks = body["version"]["user_tasks"]
    assert tasks and all(task["role"] in LANE_USER and task["form"] for task in tasks), tasks
    for task in tasks:
        if task["default_form"]:
            assert task["form"] == f"default_{task['default_form']}.schema.json"
            assert task["default_form_label"].startswith("默认")
    started = api.post("/api/v1/cases", "union1", json={"process": body["key"]})
    assert started.status_code == 201, started.get_json()
    case_id = started.get_json()["id"]
    done = []
    for _ in range(MAX_STEPS):
        case = api.get(f"/api/v1/cases/{case_id}", "supervisor1").get_json()
        assert case["status"] != "incident", case.get("incident")
        if case["status"] in ENDED:
            break
        if case["open_tasks"]:
            task = case["open_tasks"][0]
            done.append(task["name"])
            _complete(api, task)
        else:  # it must be waiting on a timer: let it fire
            before = json.dumps(case, sort_keys=True)
            clock.advance(days=40)
            run_in(api.app, lambda session: fire_timers(session, services(), case_id))
            after = api.get(f"/api/v1/cases/{case_id}", "supervisor1").get_json()
            assert json.dumps(after, sort_keys=True) != before, f"{name}: waits on nothing ({after['status']})"
    else:
        pytest.fail(f"{name} did not end within {MAX_STEPS} steps; done: {done}")
    assert done, "no step was done by anyone"


def _complete(api, task):
    user = LANE_USER[task["role"]]
    detail = api.get(f"/api/v1/tasks/{task['id']}", user)
    assert detail.status_code == 200, detail.get_json()
    properties = detail.get_json()["form"]["schema"].get("properties", {})
    answers = {}
    if "decision" in properties:
        answers["decision"] = properties["decision"]["enum"][0]
    if "opinion" in properties:
        answers["opinion"] = "同意"
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"data": answers})
    assert response.status_code == 200, (task, response.get_json())


def test_a_case_left_waiting_for_a_message_that_cannot_come_is_an_incident_naming_it(api):
    data = {"file": (BytesIO((CORPUS.parent / "message_lost.bpmn").read_bytes()), "message_lost.bpmn")}
    assert api.post("/api/v1/process-models", "designer1", data=data,
                    content_type="multipart/form-data").status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "message_lost"}).get_json()
    [task] = case["open_tasks"]
    response = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": {"opinion": "齐了"}})
    assert response.status_code == 200, response.get_json()
    case = api.get(f"/api/v1/cases/{case['id']}", "supervisor1").get_json()
    assert case["status"] == "incident" and "等待材料齐全" in case["incident"] and case["open_tasks"] == []
    from test_pages import Browser
    page = Browser(api.app, "supervisor1").get(f"/cases/{case['id']}").get_data(as_text=True)
    assert "暂无待办任务：流程异常，已暂停" in page and "流程已结束" not in page  # it did not end: it is set aside


def test_camunda_due_dates_date_the_tasks(api):
    assert deploy(api, "form_key_and_due.bpmn").status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "Process_FormKey"}).get_json()
    [task] = case["open_tasks"]
    detail = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()
    assert detail["due_at"].startswith("2026-12-07T15:59:59")  # P1W from Monday 30 November, end of day in China
    assert detail["form"]["schema"]["title"] == "初审"  # camunda:formKey="embedded:app:forms/preliminary_review.form"
    api.post(f"/api/v1/tasks/{task['id']}/complete", "union1", json={"data": {"decision": "approve"}})
    [task] = api.get(f"/api/v1/cases/{case['id']}", "supervisor1").get_json()["open_tasks"]
    assert api.get(f"/api/v1/tasks/{task['id']}", "center1").get_json()["due_at"].startswith("2026-12-31T15:59:59")


def test_a_step_without_a_role_in_an_older_version_sets_the_case_aside_naming_it(api, app):
    """A version deployed before every human task needed a role: its start is an incident, not a 409."""
    from bangfu.process_models.models import ProcessModelVersion
    assert deploy(api, "candidate_groups_no_lanes.bpmn").status_code == 201

    def drop_role(session):
        version = session.query(ProcessModelVersion).join(ProcessModelVersion.process_model).filter_by(
            key="Process_Groups").one()
        version.spec_json = version.spec_json.replace('"lane": "grassroots_union"', '"lane": null')
    run_in(app, drop_role)
    response = api.post("/api/v1/cases", "union1", json={"process": "Process_Groups"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "incident" and "填写救助申请" in case["incident"] and "角色" in case["incident"]


def test_the_models_page_shows_each_steps_role_and_default_form(api, app):
    from test_pages import Browser
    assert deploy(api, "plain_tasks_in_lanes.bpmn").status_code == 201
    html = Browser(app, "designer1").get("/models").get_data(as_text=True)
    assert "工会初审" in html and "默认审核表单" in html and "默认办理表单" in html and "基层工会" in html


def test_spiff_messages_lose_their_memory_addresses():
    from bangfu.engine.validation_text import translate

    class Odd(Exception):
        id, name, tag = "Activity_1", "核实", "bpmn:task"
    element, text = translate(Odd("KeyError(<Element {http://www.omg.org/spec/BPMN/20100524/MODEL}task at 0x7f3a2c1d0e80>)"))
    assert element == "Activity_1" and "“核实”（Activity_1）" in text and "0x" not in text and "{http" not in text


def test_a_third_party_step_no_step_chose_a_third_party_for_sets_the_case_aside_naming_it(api):
    xml = (CORPUS / "candidate_groups_no_lanes.bpmn").read_bytes().replace(
        b'camunda:candidateGroups="grassroots_union"', b'camunda:candidateGroups="third_party"')
    data = {"file": (BytesIO(xml), "third_party.bpmn")}
    assert api.post("/api/v1/process-models", "designer1", data=data,
                    content_type="multipart/form-data").status_code == 201
    response = api.post("/api/v1/cases", "union1", json={"process": "Process_Groups"})
    assert response.status_code == 201, response.get_json()
    case = response.get_json()
    assert case["status"] == "incident" and "填写救助申请" in case["incident"] and "第三方社会组织" in case["incident"]


def _relief_case_at_the_timer(api):
    """A case of 意外致困临时救助 (tests/data/sudden_relief.bpmn) worked by the right roles up to its timer; its id
    and what the last completion said."""
    data = {"file": (BytesIO((CORPUS.parent / "sudden_relief.bpmn").read_bytes()), "sudden_relief.bpmn")}
    assert api.post("/api/v1/process-models", "designer1", data=data,
                    content_type="multipart/form-data").status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "Process_SuddenRelief"}).get_json()["id"]
    api.complete(case_id, "Activity_Apply", {"opinion": "职工张建国在车间受伤，家庭收入骤减"}, user="union1")
    api.complete(case_id, "Activity_CentreReview", {"decision": "approve", "opinion": "情况属实"}, user="center1")
    api.complete(case_id, "Activity_Phone", {"opinion": "已电话联系职工本人"}, user="center1")
    done = api.complete(case_id, "Activity_Visit", {"opinion": "入户核实，情况属实"}, user="center1")
    return case_id, done["message"]


def test_a_default_form_speaks_to_the_person_doing_the_step_and_the_designer_sees_it_is_the_default(api, app):
    """The worker reads what to do (not 模型未指定表单时… meant for the designer); the designer's form list and
    modeler still say which forms are the defaults."""
    from test_pages import Browser
    data = {"file": (BytesIO((CORPUS.parent / "sudden_relief.bpmn").read_bytes()), "sudden_relief.bpmn")}
    assert api.post("/api/v1/process-models", "designer1", data=data,
                    content_type="multipart/form-data").status_code == 201
    case = api.post("/api/v1/cases", "union1", json={"process": "Process_SuddenRelief"}).get_json()
    api.complete(case["id"], "Activity_Apply", {"opinion": "职工张建国在车间受伤"}, user="union1")
    for name, user in (("Activity_CentreReview", "center1"),):
        task = api.open_task(case["id"], name)
        schema = api.get(f"/api/v1/tasks/{task['id']}", user).get_json()["form"]["schema"]
        assert (schema["title"], schema["description"]) == ("审核", "选择审核结论并填写审核意见后提交。")
    page = Browser(app, "center1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert "默认表单" not in page and "模型未指定" not in page
    designer = Browser(app, "designer1")
    models = designer.get("/models").get_data(as_text=True)
    assert "审核（默认表单）" in models and "办理情况（默认表单）" in models
    editor = designer.get("/models/Process_SuddenRelief/edit").get_data(as_text=True)
    assert "审核（默认表单）" in editor


def test_a_case_of_a_process_without_a_household_is_named_by_its_process(api, app):
    """A designer's process files no household: its submitted case is 意外致困临时救助, not 未填写申报 forever,
    and the case waiting on its timer 等待两天补充材料 says so once, from the step that left it waiting on."""
    from test_pages import Browser
    case_id, message = _relief_case_at_the_timer(api)
    assert message == "已提交，等待两天补充材料，2026年12月2日到期后自动继续"
    supervisor = Browser(app, "supervisor1")
    page = supervisor.get(f"/cases/{case_id}").get_data(as_text=True)
    assert re.search(r"<h1>意外致困临时救助 · BF\d+</h1>", page), page[:2000]
    assert '暂无待办任务：等待两天补充材料（<span class="bf-day">2026年12月2日</span>），到期后自动继续。' in page
    assert "未填写申报" not in supervisor.get("/cases").get_data(as_text=True)
    draft = api.post("/api/v1/cases", "union1", json={"process": "Process_SuddenRelief"}).get_json()
    assert "（未填写申报）" in Browser(app, "union1").get(f"/cases/{draft['id']}").get_data(as_text=True)


def test_a_designer_deploys_a_bpmn_file_from_the_models_page(api, app):
    """Drawn in Camunda Modeler, deployed from the page: the steps and their default forms shown at once; a file
    the service would not run is refused with each element named in Chinese, nothing deployed."""
    from test_pages import Browser
    designer = Browser(app, "designer1")
    token = Browser._token(designer.get("/models").get_data(as_text=True))

    def upload(name):
        data = {"file": (BytesIO((CORPUS.parent / name).read_bytes()), name.rpartition("/")[2]),
                "comment": "首次部署", "csrf_token": token}
        return designer.client.post("/models/upload", data=data, content_type="multipart/form-data")

    response = upload("sudden_relief.bpmn")
    assert response.status_code == 302 and response.headers["Location"] == "/models?deployed=Process_SuddenRelief"
    page = designer.get(response.headers["Location"]).get_data(as_text=True)
    assert "已部署「意外致困临时救助」第 1 版" in page
    assert "中心审核：默认审核表单（通过／退回／不予通过＋意见）" in page and "电话联系职工：默认办理表单" in page
    assert '<article id="model-Process_SuddenRelief">' in page and "<details open><summary>第 1 版的办理步骤" in page
    article = page.split('<article id="model-Process_SuddenRelief">')[1].split("</article>")[0]
    # in the order a case meets them: the subprocess's step before the approval after it
    assert re.findall(r"<li><strong>(.*?)</strong>", article) == [
        "填写临时救助申请", "中心审核", "电话联系职工", "登记入户核实情况", "审批救助金额"]
    assert "「意外致困临时救助」与第 1 版相同" in designer.get(upload("sudden_relief.bpmn").headers["Location"]) \
        .get_data(as_text=True)

    refused = upload("bpmn-corpus/refused_send_task.bpmn")
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "流程模型无效，未部署" in html and "发送短信通知" in html and "<code>Activity_Send</code>" in html
    assert [m["key"] for m in api.get("/api/v1/process-models", "designer1").get_json()].count("Process_R2") == 0
    empty = designer.client.post("/models/upload", data={"csrf_token": token}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "请选择要部署的 BPMN 文件" in empty.get_data(as_text=True)
    assert designer.client.post("/models/upload", data={"csrf_token": token, "file": (BytesIO(b"x"), "a.bpmn")},
                                content_type="multipart/form-data").status_code == 422
