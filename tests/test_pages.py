"""The pages, through the Flask client: sign-in, CSRF, the same access rules as the API, and a task
form whose errors come back beside the fields with everything typed kept."""
import json
import re

import pytest


class Browser:
    """A signed-in page session: keeps the cookie and reads the CSRF token off each page."""

    def __init__(self, app, username):
        self.client = app.test_client()
        page = self.client.get("/login").get_data(as_text=True)
        response = self.client.post("/login", data={"username": username, "password": f"{username}-secret",
                                                    "csrf_token": self._token(page)})
        assert response.status_code == 302, response.get_data(as_text=True)

    @staticmethod
    def _token(html):
        return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)

    def get(self, path):
        return self.client.get(path)

    def post(self, path, data=None, csrf=True):
        data = dict(data or {})
        if csrf:
            data["csrf_token"] = self._token(self.client.get("/inbox").get_data(as_text=True))
        return self.client.post(path, data=data)


def widget(html, element_id="task-form"):
    found = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


@pytest.fixture
def signed_in(app):
    return lambda username: Browser(app, username)


def test_pages_ask_for_sign_in_and_a_wrong_password_is_refused(app):
    client = app.test_client()
    response = client.get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=/inbox")
    page = client.get("/login").get_data(as_text=True)
    token = Browser._token(page)
    refused = client.post("/login", data={"username": "union1", "password": "nope", "csrf_token": token})
    assert refused.status_code == 401
    assert "用户名或密码错误" in refused.get_data(as_text=True)


def test_a_form_without_the_csrf_token_is_refused(signed_in):
    union = signed_in("union1")
    response = union.post("/cases/new", {"process": "hardship_assistance"}, csrf=False)
    assert response.status_code == 400
    assert "页面已过期" in response.get_data(as_text=True)


def test_the_api_does_not_accept_the_page_cookie(signed_in):
    union = signed_in("union1")
    response = union.client.post("/api/v1/cases", json={"process": "hardship_assistance"})
    assert response.status_code == 401


def test_a_union_declares_and_the_case_reaches_its_inbox(signed_in):
    union = signed_in("union1")
    created = union.post("/cases/new", {"process": "hardship_assistance"})
    assert created.status_code == 302
    page = union.get(created.headers["Location"]).get_data(as_text=True)
    assert "申报" in page
    form = widget(page)
    assert form["readonly"] is False and form["schema"]["properties"]["id_number"]["format"] == "cn-resident-id"
    assert "我已认领" in union.get("/inbox").get_data(as_text=True)


def test_bad_input_comes_back_beside_its_field_with_everything_typed_kept(signed_in, household):
    union = signed_in("union1")
    task_url = union.post("/cases/new", {"process": "hardship_assistance"}).headers["Location"]
    typed = dict(household, id_number=household["id_number"][:-1] + ("0" if household["id_number"][-1] != "0" else "1"))
    response = union.post(task_url, {"data": json.dumps(typed, ensure_ascii=False)})
    assert response.status_code == 422
    form = widget(response.get_data(as_text=True))
    assert form["errors"]["data.id_number"] == ["身份证号校验位错误"]
    assert form["formData"] == typed, "nothing typed is lost"


def test_a_completed_form_moves_the_case_on(signed_in, household):
    union = signed_in("union1")
    task_url = union.post("/cases/new", {"process": "hardship_assistance"}).headers["Location"]
    response = union.post(task_url, {"data": json.dumps(household, ensure_ascii=False)})
    assert response.status_code == 302
    inbox = union.get("/inbox").get_data(as_text=True)
    assert "初审" in inbox and household["name"] in inbox


def test_another_unions_task_page_is_forbidden(signed_in, api, case_at):
    case_id = case_at("declaration")
    task = api.open_task(case_id, "declaration")
    response = signed_in("union2").get(f"/tasks/{task['id']}")
    assert response.status_code == 403
    assert "无权" in response.get_data(as_text=True)


def test_the_inspector_sees_a_task_read_only_with_personal_numbers_masked(signed_in, api, case_at, household):
    case_id = case_at("re_review")
    task = api.open_task(case_id, "re_review")
    page = signed_in("inspector1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    assert 'id="task-form"' not in page and "复审结论（只读）" in page and "尚未填写" in page
    assert household["id_number"] not in page and household["bank_card_number"] not in page
    masked = household["id_number"][:4] + "*" * 10 + household["id_number"][-4:]
    assert re.search(rf"<dt>身份证号码</dt>\s*<dd>{re.escape(masked)}</dd>", page)


def test_claim_and_unclaim_from_the_inbox(signed_in, api, case_at):
    case_id = case_at("assign_third_party")
    task = api.open_task(case_id, "assign_third_party")
    center = signed_in("center1")
    center.post(f"/tasks/{task['id']}/claim")
    assert api.open_task(case_id, "assign_third_party")["assignee"] == "center1"
    center.post(f"/tasks/{task['id']}/unclaim")
    assert api.open_task(case_id, "assign_third_party")["assignee"] is None


@pytest.mark.parametrize("target", ["//evil.example/x", "/\\evil.example", "https://evil.example/", "javascript:alert(1)",
                                    "/%09/evil.example", "/%0a/x", "/%0d%0aSet-Cookie:x=1", "%2F%2Fevil.example",
                                    "/%5Cevil.example", "/ /evil.example"])
def test_sign_in_never_sends_the_user_off_site(app, target):
    client = app.test_client()
    token = Browser._token(client.get("/login").get_data(as_text=True))
    response = client.post(f"/login?next={target}", data={"username": "union1", "password": "union1-secret",
                                                          "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/inbox"


def test_the_inbox_offers_the_steps_of_the_users_own_role_to_filter_by(app):
    page = Browser(app, "union1").get("/inbox").get_data(as_text=True)
    choices = re.findall(r'<option value="(\w+)"', page.split('name="step"')[1].split("</select>")[0])
    assert choices == ["declaration", "preliminary_review"]


def test_sign_in_returns_to_a_page_of_this_site_with_its_query(app):
    client = app.test_client()
    token = Browser._token(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=/cases%3Fstatus%3Dpaid", data={"username": "supervisor1",
                                                                      "password": "supervisor1-secret",
                                                                      "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/cases?status=paid"


def test_a_bad_filter_on_a_page_is_named_like_the_api_names_it(signed_in):
    response = signed_in("supervisor1").get("/cases?status=nonsense&page=0")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "筛选条件有误" in page and "<li>状态：" in page and "<li>页码：" in page


def test_a_task_form_with_nan_is_refused_and_the_page_stays_strict_json(signed_in):
    union = signed_in("union1")
    task_url = union.post("/cases/new", {"process": "hardship_assistance"}).headers["Location"]
    response = union.post(task_url, {"data": '{"name": "张三", "household_size": NaN}'})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="task-form">(.*?)</script>', html, re.S).group(1)

    def refuse(constant):
        raise AssertionError(f"the page carries {constant}, which the browser's JSON.parse refuses")
    json.loads(found, parse_constant=refuse)


def test_a_completed_step_opened_by_a_reader_reads_as_labelled_answers(app, signed_in, case_at):
    from sqlalchemy import select

    from bangfu import db
    from bangfu.tasks.models import HumanTask
    case_id = case_at("assign_third_party")
    with app.app_context():
        task_id = db.session().scalar(select(HumanTask.id).where(
            HumanTask.case_id == case_id, HumanTask.spec_name == "preliminary_review"))
    page = signed_in("supervisor1").get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'id="task-form"' not in page and "初审（只读）" in page
    assert re.search(r"<dt>审核结论</dt>\s*<dd>通过</dd>", page) and ">approve<" not in page
