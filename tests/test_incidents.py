"""Cases in incident: the centre head lists them, retries the failed step after a repair (of the data it
reads, or of the model as a new version), skips a failed script task, or terminates the case; each with a
reason, in the case's history and the audit log."""
import json
import re
from pathlib import Path

import pytest

from bangfu import calendar
from bangfu.unit_of_work import run_in
from test_audit import last
from test_calendar import YEAR_2027
from test_process_models import upload

DATA = Path(__file__).parent / "data"
APPROVE = {"decision": "approve"}


def model(script):
    return (DATA / "incident_model.bpmn").read_text(encoding="utf-8").replace("SCRIPT_BODY", script).encode()


def case_in_incident(api, script):
    """A case of the incident model whose script task failed after its review; its confirmation is open."""
    assert upload(api, model(script)).status_code == 201
    response = api.post("/api/v1/cases", "union1", json={"process": "incident_check"})
    assert response.status_code == 201, response.get_json()
    case_id = response.get_json()["id"]
    api.complete(case_id, "review", APPROVE)
    case = api.case(case_id)
    assert case["status"] == "incident", case
    return case_id


def act(api, case_id, action, user="head1", **body):
    return api.post(f"/api/v1/incidents/{case_id}/{action}", user, json=body)


def open_names(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


def test_the_head_lists_cases_in_incident_with_their_error_and_failed_step(api):
    case_id = case_in_incident(api, "total = 1 / 0")
    listed = api.get("/api/v1/incidents", "head1").get_json()["items"]
    assert [(i["case_id"], i["process"], i["process_version"], i["latest_version"]) for i in listed] == \
        [(case_id, "incident_check", 1, 1)]
    assert "计算" in listed[0]["error"] and "ZeroDivisionError" in listed[0]["error"]
    one = api.get(f"/api/v1/incidents/{case_id}", "head1").get_json()
    assert [(s["name"], s["title"], s["skippable"]) for s in one["failed_steps"]] == [("compute", "计算", True)]


@pytest.mark.parametrize("script, error", [
    ('total = review["monthly_income"] * 3', "计算：读取的数据项 monthly_income 不存在（KeyError）"),
    ("total = monthly_income * 3", "计算：使用的名称 monthly_income 在案件数据中不存在（NameError）"),
    ("total = 1 / 0", "计算：除数为零（ZeroDivisionError：division by zero）"),
])
def test_a_failed_script_is_said_in_chinese_with_pythons_words_for_the_designer(api, app, script, error):
    """The centre head reads what went wrong (not KeyError:monthly_income.); the designer still finds the
    error's kind and the name the script read. On the incidents page too, and nothing is flashed raw."""
    from test_pages import Browser
    case_id = case_in_incident(api, script)
    assert api.case(case_id)["incident"] == error
    page = Browser(app, "head1").get("/incidents").get_data(as_text=True)
    assert error in page
    # the model files no household: the card is headed by the case's reference, its process named once
    assert re.search(r"<strong>BF\d+</strong></a>\s*· 异常处理检查 第 1 版", page) and page.count("异常处理检查") == 1


def test_a_retry_on_the_page_that_fails_again_points_to_the_card_not_quoting_the_error(api, app):
    """A flashed message shows no model key (monthly_income); the card under it has the new error in full."""
    from test_pages import Browser
    case_id = case_in_incident(api, 'total = review["monthly_income"] * 3')
    head = Browser(app, "head1")
    assert head.post(f"/incidents/{case_id}/retry", {"reason": "再试一次"}).status_code == 302
    page = head.get("/incidents").get_data(as_text=True)
    [message] = re.findall(r'<p class="bf-flash bf-flash-error"[^>]*>(.*?)</p>', page)
    assert message == f"案件 {api.case(case_id)['reference']} 已重试，但流程再次异常，原因见下方该案件"
    assert "计算：读取的数据项 monthly_income 不存在（KeyError）" in page


def test_retry_after_the_data_it_reads_is_repaired_goes_on(api, app):
    """The script counts working days into 2027, whose holidays nobody imported: retried before the import the
    case stays in incident with the error again; after it, the case goes on."""
    case_id = case_in_incident(api, 'due = add_working_days("2027-03-01", 3)')
    assert "2027" in api.case(case_id)["incident"]
    assert api.post(f"/api/v1/tasks/{api.open_task(case_id, 'confirm')['id']}/complete", "union1",
                    json={"data": APPROVE}).status_code == 409

    again = act(api, case_id, "retry", reason="先试一次")
    assert again.status_code == 200 and again.get_json()["status"] == "incident"
    assert "2027" in again.get_json()["incident"]

    run_in(app, calendar.import_days, YEAR_2027, "2027.csv")
    done = act(api, case_id, "retry", reason="已导入2027年节假日安排")
    assert done.status_code == 200, done.get_json()
    assert done.get_json() == {"case_id": case_id, "status": "active", "incident": None}
    case = api.case(case_id)
    assert open_names(api, case_id) == ["confirm"]
    retried = [e for e in case["history"] if e["action"] == "incident_retried"]
    assert [(e["actor"], e["opinion"], e["action_label"]) for e in retried] == [
        ("head1", "先试一次", "流程异常：重试"), ("head1", "已导入2027年节假日安排", "流程异常：重试")]
    assert case["history"][-1]["action"] == "incident_retried"  # no new incident after the second
    entry = last(app, "casework.incidents.retry_incident")
    assert entry.actor_name == "head1" and entry.subject_kind == "case" and entry.subject_id == case_id
    detail = entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)
    assert detail["outcome"] == "active" and detail["step"] == "compute"
    api.complete(case_id, "confirm", APPROVE)
    assert api.case(case_id)["status"] == "completed" and api.case(case_id)["data"]["due"] == "2027-03-04"


def test_retry_on_the_newest_version_after_the_model_is_fixed(api, app):
    """The repair deployed as version 2: the case moves there by version migration, then its failed step runs
    again and it finishes; the history shows the move, then the retry, and the audit entry says both."""
    case_id = case_in_incident(api, "total = 1 / 0")
    assert act(api, case_id, "retry", reason="当前版本重试").get_json()["status"] == "incident"
    assert api.get(f"/api/v1/incidents/{case_id}/retry-preview", "head1").status_code == 409  # on the newest
    assert upload(api, model("total = 1 + 1"), comment="修正脚本").status_code == 201
    preview = api.get(f"/api/v1/incidents/{case_id}/retry-preview", "head1").get_json()
    assert preview["to_version"] == 2 and preview["move"]["can_move"] and preview["move"]["reasons"] == []
    assert [(t["from_step"], t["to_step"]) for t in preview["move"]["tasks"]] == [("confirm", "confirm")]
    assert api.get(f"/api/v1/incidents/{case_id}/retry-preview", "center1").status_code == 403
    # the models page and the version's preview count it among the open cases, not as one 办理中
    from test_pages import Browser
    designer = Browser(app, "designer1")
    assert '<td data-label="未办结案件">1' in designer.get("/models").get_data(as_text=True)
    assert "第 1 版未办结的案件 1 件（其中流程异常 1 件，须先在流程异常页处理），可迁移 <strong>0</strong> 件" in \
        designer.get("/models/incident_check/versions/1/migration?to=2").get_data(as_text=True)
    done = act(api, case_id, "retry", reason="模型已修正", on_latest=True)
    assert done.status_code == 200 and done.get_json()["status"] == "active", done.get_json()
    case = api.case(case_id)
    assert case["process_version"] == 2 and open_names(api, case_id) == ["confirm"]
    tail = [(e["action"], e.get("task_title"), e["opinion"]) for e in case["history"]][-2:]
    assert tail == [("migrated", "流程版本 第 1 版 → 第 2 版", None), ("incident_retried", "计算", "模型已修正")]
    entry = last(app, "casework.incidents.retry_incident")
    detail = entry.detail if isinstance(entry.detail, dict) else json.loads(entry.detail)
    assert (detail["process"], detail["from_version"], detail["to_version"], detail["outcome"]) == \
        ("incident_check", 1, 2, "active")
    assert "version" not in detail  # the move is said once, as from_version / to_version
    api.complete(case_id, "confirm", APPROVE)
    assert api.case(case_id)["status"] == "completed" and api.case(case_id)["data"]["total"] == 2


def test_retry_on_a_newest_version_without_the_cases_steps_is_refused(api, app):
    """Version 2 drops the confirmation the case stands on: refused with the element named, nothing changed."""
    case_id = case_in_incident(api, "total = 1 / 0")
    assert upload(api, without_confirm()).status_code == 201
    assert api.get("/api/v1/incidents", "head1").status_code == 200  # the head's API token made before counting
    before, entries = api.case(case_id), len(_entries(app))
    preview = api.get(f"/api/v1/incidents/{case_id}/retry-preview", "head1").get_json()["move"]
    assert not preview["can_move"] and preview["reasons"] == ["待办任务「确认」（confirm）在新版本中已删除"]
    refused = act(api, case_id, "retry", reason="模型已修正", on_latest=True)
    assert refused.status_code == 409, refused.get_json()
    message = refused.get_json()["error"]["message"]
    assert "不能迁移到第 2 版" in message and "「确认」（confirm）在新版本中已删除" in message, message
    after = api.case(case_id)
    assert (after["status"], after["process_version"], after["incident"]) == ("incident", 1, before["incident"])
    assert after["history"] == before["history"]
    assert [e.action for e in _entries(app)[entries:]] == []


def test_a_retry_that_fails_again_on_the_newest_version_leaves_the_case_on_its_version(api):
    """Version 2's script fails too: the move is discarded with the retry, the case stays on version 1 with
    the new error, and a later repair (version 3) still moves it."""
    case_id = case_in_incident(api, "total = 1 / 0")
    assert upload(api, model("total = undefined_name"), comment="仍有错误").status_code == 201
    again = act(api, case_id, "retry", reason="第2版", on_latest=True)
    assert again.status_code == 200 and again.get_json()["status"] == "incident"
    assert "undefined_name" in again.get_json()["incident"]
    case = api.case(case_id)
    assert case["process_version"] == 1 and "migrated" not in [e["action"] for e in case["history"]]
    assert [e["action"] for e in case["history"]][-2:] == ["incident_retried", "incident"]
    assert upload(api, model("total = 1 + 1"), comment="修正").status_code == 201
    done = act(api, case_id, "retry", reason="第3版", on_latest=True)
    assert done.get_json()["status"] == "active" and api.case(case_id)["process_version"] == 3


def without_confirm():
    """The incident model (script repaired) without its confirmation: the fork leads straight to the join."""
    text = model("total = 1 + 1").decode()
    start, end = text.index('    <bpmn:userTask id="confirm"'), text.index("</bpmn:userTask>", text.index('id="confirm"'))
    text = text[:start] + text[end + len("</bpmn:userTask>\n"):]
    text = text.replace("<bpmn:flowNodeRef>confirm</bpmn:flowNodeRef>", "")
    text = text.replace('<bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f6</bpmn:incoming>',
                        '<bpmn:incoming>f5</bpmn:incoming><bpmn:incoming>f4</bpmn:incoming>')
    text = text.replace('<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="confirm" />',
                        '<bpmn:sequenceFlow id="f4" sourceRef="fork" targetRef="join" />')
    text = text.replace('<bpmn:sequenceFlow id="f6" sourceRef="confirm" targetRef="join" />', "")
    assert 'id="confirm"' not in text
    return text.encode()


def _entries(app):
    """The audit log's entries of commands (views of personal data, as reading the case here, left out)."""
    from test_audit import entries
    return [e for e in entries(app) if e.action != "privacy.viewed_unmasked"]


def test_skip_marks_the_failed_script_done_and_the_case_goes_on(api, app):
    case_id = case_in_incident(api, "total = 1 / 0")
    done = act(api, case_id, "skip", reason="金额由人工核算，跳过计算")
    assert done.status_code == 200 and done.get_json()["status"] == "active", done.get_json()
    case = api.case(case_id)
    skipped = case["history"][-1]
    assert (skipped["action"], skipped["task"], skipped["opinion"]) == \
        ("incident_skipped", "compute", "金额由人工核算，跳过计算")
    assert "total" not in case["data"] and open_names(api, case_id) == ["confirm"]
    assert last(app, "casework.incidents.skip_failed_step").actor_name == "head1"
    api.complete(case_id, "confirm", APPROVE)
    assert api.case(case_id)["status"] == "completed"


def test_a_failed_step_that_is_not_a_script_is_not_skipped(api):
    """A user task whose own script failed after its form was stored: repaired and retried, never skipped."""
    text = model("total = 1 + 1").replace(
        b'<spiffworkflow:property name="formJsonSchemaFilename" value="preliminary_review.schema.json" />\n'
        b'      </spiffworkflow:properties></bpmn:extensionElements>\n'
        b'      <bpmn:incoming>f1</bpmn:incoming>',
        b'<spiffworkflow:property name="formJsonSchemaFilename" value="preliminary_review.schema.json" />\n'
        b'      </spiffworkflow:properties><spiffworkflow:postScript>x = 1 / 0</spiffworkflow:postScript>'
        b'</bpmn:extensionElements>\n      <bpmn:incoming>f1</bpmn:incoming>', 1)
    assert b"postScript" in text
    assert upload(api, text).status_code == 201
    case_id = api.post("/api/v1/cases", "union1", json={"process": "incident_check"}).get_json()["id"]
    api.complete(case_id, "review", APPROVE)
    assert api.case(case_id)["status"] == "incident"
    refused = act(api, case_id, "skip", reason="跳过")
    assert refused.status_code == 409 and "不能跳过" in refused.get_json()["error"]["message"]
    assert upload(api, model("total = 1 + 1"), comment="去掉出错的脚本").status_code == 201
    done = act(api, case_id, "retry", reason="已修正初审的脚本", on_latest=True)
    assert done.status_code == 200 and done.get_json()["status"] == "active", done.get_json()
    assert open_names(api, case_id) == ["confirm"]


def test_terminate_cancels_the_workflow_and_closes_open_tasks(api, app):
    case_id = case_in_incident(api, "total = 1 / 0")
    assert open_names(api, case_id) == ["confirm"]
    done = act(api, case_id, "terminate", reason="申请人已撤回申请")
    assert done.status_code == 200 and done.get_json() == {"case_id": case_id, "status": "terminated",
                                                           "incident": None}
    case = api.case(case_id)
    assert case["status_label"] == "异常终止" and case["open_tasks"] == [] and case["closed_at"]
    assert (case["history"][-1]["action"], case["history"][-1]["opinion"]) == ("terminated", "申请人已撤回申请")
    assert last(app, "casework.incidents.terminate_case").actor_name == "head1"
    assert api.get("/api/v1/incidents", "head1").get_json()["items"] == []


def test_actions_on_a_case_not_in_incident_are_refused_in_chinese(api):
    case_id = api.start()["id"]
    for action in ("retry", "skip", "terminate"):
        refused = act(api, case_id, action, reason="误操作")
        assert refused.status_code == 409, action
        assert "未处于流程异常状态" in refused.get_json()["error"]["message"]
    assert api.get(f"/api/v1/incidents/{case_id}", "head1").status_code == 409


def test_a_reason_is_required(api):
    case_id = case_in_incident(api, "total = 1 / 0")
    for body in ({}, {"reason": ""}, {"reason": "   "}):
        refused = act(api, case_id, "terminate", **body)
        assert refused.status_code == 422 and "reason" in refused.get_json()["error"]["fields"], body
    assert api.case(case_id)["status"] == "incident"


@pytest.mark.parametrize("user", ["center1", "supervisor1", "union1", "designer1"])
def test_other_roles_are_refused(api, user):
    case_id = case_in_incident(api, "total = 1 / 0")
    assert api.get("/api/v1/incidents", user).status_code == 403
    for action in ("retry", "skip", "terminate"):
        refused = act(api, case_id, action, user=user, reason="试试")
        assert refused.status_code == 403 and "中心负责人" in refused.get_json()["error"]["message"]
    assert api.case(case_id)["status"] == "incident"


def test_the_head_handles_incidents_on_the_page(api, app):
    from test_pages import Browser
    first = case_in_incident(api, "total = 1 / 0")
    second = api.post("/api/v1/cases", "union1", json={"process": "incident_check"}).get_json()["id"]
    api.complete(second, "review", APPROVE)
    head = Browser(app, "head1")
    assert 'href="/incidents"' in head.get("/inbox").get_data(as_text=True)
    assert f'href="/incidents#incident-{first}"' in head.get(f"/cases/{first}").get_data(as_text=True)
    page = head.get("/incidents").get_data(as_text=True)
    assert "流程异常" in page and "ZeroDivisionError" in page and page.count('data-action="skip"') == 2
    assert 'data-action="retry-latest"' not in page

    refused = head.post(f"/incidents/{first}/skip", {"reason": ""})
    assert refused.status_code == 302
    assert "请填写处理原因" in head.get("/incidents").get_data(as_text=True)
    assert api.case(first)["status"] == "incident"

    assert head.post(f"/incidents/{first}/skip", {"reason": "人工核算"}).status_code == 302
    assert "已跳过失败步骤，当前状态：办理中" in head.get("/incidents").get_data(as_text=True)
    assert api.case(first)["status"] == "active"
    assert head.post(f"/incidents/{second}/terminate", {"reason": "重复申报"}).status_code == 302
    assert api.case(second)["status"] == "terminated"
    assert "没有流程异常的案件" in head.get("/incidents").get_data(as_text=True)


def test_other_roles_have_no_incident_page(app):
    from test_pages import Browser
    center = Browser(app, "center1")
    assert 'href="/incidents"' not in center.get("/inbox").get_data(as_text=True)
    assert center.get("/incidents").status_code == 403
    assert center.post("/incidents/1/terminate", {"reason": "x"}).status_code == 403


def test_the_head_previews_the_move_before_retrying_on_the_newest_version(api, app):
    """The page offers 在第 N 版上重试… as a preview of the move (which task becomes which, or why the case
    cannot move, in Chinese) with the retry form; and a link to the version's migration preview."""
    from test_pages import Browser
    case_id = case_in_incident(api, "total = 1 / 0")
    head = Browser(app, "head1")
    assert 'data-action="retry-latest-preview"' not in head.get("/incidents").get_data(as_text=True)

    assert upload(api, without_confirm(), comment="去掉确认").status_code == 201
    page = head.get("/incidents").get_data(as_text=True)
    assert f'href="/incidents/{case_id}/latest"' in page and "在第 2 版上重试…" in page
    assert 'href="/models/incident_check/versions/1/migration?to=2"' in page
    refused = head.get(f"/incidents/{case_id}/latest").get_data(as_text=True)
    assert "不能迁移" in refused and "待办任务「确认」（<code>confirm</code>）在新版本中已删除" in refused
    assert 'data-action="retry-latest"' not in refused and "不能在第 2 版上重试" in refused
    # Posted all the same (a stale page): refused, the case as it was.
    head.post(f"/incidents/{case_id}/retry", {"reason": "试试", "on_latest": "1"})
    assert "不能迁移到第 2 版" in head.get("/incidents").get_data(as_text=True)
    assert api.case(case_id)["process_version"] == 1

    assert upload(api, model("total = 1 + 1"), comment="修正脚本").status_code == 201
    preview = head.get(f"/incidents/{case_id}/latest").get_data(as_text=True)
    assert "可以迁移" in preview and "确认 → 确认" in preview and 'data-action="retry-latest"' in preview
    migration = head.get("/models/incident_check/versions/1/migration?to=3")
    assert migration.status_code == 200 and "返回流程异常" in migration.get_data(as_text=True)
    assert head.post(f"/incidents/{case_id}/retry", {"reason": "第3版已修正脚本", "on_latest": "1"}).status_code == 302
    assert "已重试，当前状态：办理中" in head.get("/incidents").get_data(as_text=True)
    case = api.case(case_id)
    assert (case["status"], case["process_version"]) == ("active", 3)
    assert [e["action"] for e in case["history"]][-2:] == ["migrated", "incident_retried"]
    assert Browser(app, "center1").get(f"/incidents/{case_id}/latest").status_code == 403


def test_a_skip_naming_a_step_of_any_length_on_the_page_is_told_briefly(api, app):
    """The page, unlike the API, takes a step of any length: 5 000 characters came back whole in the message
    flashed into the session cookie (past a browser's 4 KB cookie)."""
    from test_pages import Browser
    case_id = case_in_incident(api, "total = 1 / 0")
    head = Browser(app, "head1")
    response = head.post(f"/incidents/{case_id}/skip", {"reason": "跳过", "step": "s" * 5000})
    assert response.status_code == 302
    assert len(response.headers.get("Set-Cookie", "")) < 4096
    page = head.get("/incidents").get_data(as_text=True)
    assert f"没有名为 {'s' * 100} 的失败步骤" in page and "s" * 101 not in page
    assert api.case(case_id)["status"] == "incident"
