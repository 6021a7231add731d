"""Where each role lands, what an unknown address or a refused action shows on a page, the favicon, and what the
case list's filters offer a union; through the Flask client."""
import pytest

from test_pages import Browser

START = {"union1": "/inbox", "center1": "/inbox", "thirdparty1": "/inbox", "inspector1": "/inbox",
         "approver1": "/inbox", "finance1": "/inbox", "supervisor1": "/cases", "designer1": "/models"}


@pytest.mark.parametrize("username", sorted(START))
def test_each_role_lands_on_its_own_start_page_after_sign_in_and_at_home(app, username):
    client = app.test_client()
    token = Browser._token(client.get("/login").get_data(as_text=True))
    signed = client.post("/login", data={"username": username, "password": f"{username}-secret", "csrf_token": token})
    assert signed.headers["Location"] == START[username]
    assert client.get("/").headers["Location"] == START[username]
    page = client.get(START[username])
    assert page.status_code == 200
    nav = page.get_data(as_text=True).split("</nav>")[0]
    assert ("我的待办" in nav) == (START[username] == "/inbox")


def test_an_unknown_address_shows_the_chinese_error_page_and_the_api_keeps_json(app):
    union = Browser(app, "union1")
    page = union.get("/no-such-page")
    assert (page.status_code, page.mimetype) == (404, "text/html")
    assert "未找到您要的页面或任务" in page.get_data(as_text=True) and "返回首页" in page.get_data(as_text=True)
    api = app.test_client().get("/api/v1/no-such-thing")
    assert (api.status_code, api.get_json()["error"]["code"]) == (404, "not_found")


def test_a_refused_page_and_a_wrong_method_answer_with_the_error_page(app):
    supervisor = Browser(app, "supervisor1")
    refused = supervisor.get("/cases/new")
    assert (refused.status_code, refused.mimetype) == (403, "text/html")
    assert "只有基层工会可以申报困难职工家庭" in refused.get_data(as_text=True)
    wrong_method = supervisor.client.delete("/cases")
    assert (wrong_method.status_code, wrong_method.mimetype) == (405, "text/html")


def test_the_favicon_is_served(app):
    icon = app.test_client().get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\0\0\1\0"
    assert 'rel="icon"' in Browser(app, "union1").get("/inbox").get_data(as_text=True)


def test_a_union_is_offered_only_its_own_organisation_in_the_case_list_filter(app):
    def offered(username):
        html = Browser(app, username).get("/cases").get_data(as_text=True)
        return html.split('name="organisation"')[1].split("</select>")[0]
    assert "江苏沙钢集团工会" in offered("union1") and "杨舍" not in offered("union1")
    assert "江苏沙钢集团工会" in offered("supervisor1") and "杨舍" in offered("supervisor1")


def test_a_returned_declaration_is_marked_in_the_unions_inbox_and_the_case_list(app, api, case_at):
    case_id = case_at("preliminary_review")
    api.complete(case_id, "preliminary_review", {"decision": "return", "opinion": "请补充收入证明"})
    inbox = Browser(app, "union1").get("/inbox").get_data(as_text=True)
    assert inbox.count("退回补正") == 1
    cases = Browser(app, "supervisor1").get("/cases").get_data(as_text=True)
    assert cases.count("bf-tag-return") == 1


def test_the_dashboard_counts_drafts_apart_from_the_cases(app, api, case_at):
    api.start()
    case_at("preliminary_review")
    page = Browser(app, "supervisor1").get("/dashboard").get_data(as_text=True)
    assert "1 份草稿</a>（已新建、尚未提交的申报）" in page and "不计入以下统计" in page
