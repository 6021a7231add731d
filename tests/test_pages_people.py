"""The pages of people and delegation as their users read them (test client): a refused overlapping delegation
names its period in Chinese dates, an inbox with nobody to delegate to says so, the 人员 page grants no role
nobody chose, and finance's payment step is not called somebody else's."""
import re
from datetime import timedelta

from bangfu import clock
from bangfu.wording import long_date
from test_pages import Browser


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _center2(api):
    assert api.post("/api/v1/users", "head1", json={
        "username": "center2", "display_name": "center2", "role": "assistance_center", "org": "ZJG-CENTER",
        "password": "center2-secret"}).status_code == 201


def test_an_overlapping_delegation_is_refused_naming_the_period_in_chinese_dates(app, api):
    _center2(api)
    today = clock.today()
    page = Browser(app, "center1")
    first = {"delegate": "center2", "starts_on": today.isoformat(),
             "ends_on": (today + timedelta(days=6)).isoformat()}
    assert "已委托 center2" in text(page.client.get(page.post("/delegations", first).headers["Location"]))

    refused = page.post("/delegations", dict(first, starts_on=(today + timedelta(days=2)).isoformat()))
    shown = text(page.client.get(refused.headers["Location"]))
    period = f"{long_date(today)}至{long_date(today + timedelta(days=6))}"
    assert f"center1 在该期间已委托给 center2（{period}），请先结束原委托" in shown
    assert today.isoformat() not in shown


def test_an_inbox_with_nobody_to_delegate_to_says_why(app, api):
    alone = text(Browser(app, "center1").get("/inbox"))  # the only caseworker of the centre
    assert "暂无可委托的同事：受托人须是与您担任相同办理角色的在职人员" in alone and "委托同事代办" not in alone
    union = text(Browser(app, "union1").get("/inbox"))  # union2 is of another union
    assert "暂无可委托的同事：受托人须是与您担任相同办理角色的在职人员（同一工会）" in union

    _center2(api)
    offered = text(Browser(app, "center1").get("/inbox"))
    assert "委托同事代办" in offered and "暂无可委托的同事" not in offered


def test_the_people_page_grants_no_role_nobody_chose(app, api):
    head = Browser(app, "head1")
    page = head.get("/people").get_data(as_text=True)
    select = re.search(r'<select name="role" aria-label="为finance2增加角色"[^>]*>(.*?)</select>', page, re.S)
    assert select and "required" in select.group(0)
    first = re.search(r"<option([^>]*)>([^<]*)</option>", select.group(1))
    assert first.group(2) == "选择要增加的角色" and 'value=""' in first.group(1)

    shown = text(head.client.get(head.post("/people/finance2/roles", {"role": ""}).headers["Location"]))
    assert "请选择要增加的角色" in shown
    rows = {row["username"]: row for row in api.get("/api/v1/users", "head1").get_json()["items"]}
    assert rows["finance2"]["roles"] == ["finance"]


def test_finance_s_own_payment_step_is_not_called_another_role_s(app, api, case_at):
    case_id = case_at("payment")
    task_id = api.open_task(case_id, "payment")["id"]
    finance = text(Browser(app, "finance1").get(f"/tasks/{task_id}"))
    assert "发放由银行代发批次完成" in finance
    assert "不属于您的角色或机构" not in finance and "您只能查看" not in finance

    api.post(f"/api/v1/tasks/{task_id}/claim", "finance1")
    claimed = text(Browser(app, "finance1").get(f"/tasks/{task_id}"))
    assert "此任务已由 finance1 认领" not in claimed and "发放由银行代发批次完成" in claimed

    union = text(Browser(app, "union1").get(f"/tasks/{task_id}"))  # the union only reads it
    assert "此任务已由 finance1 认领，您只能查看" in union
