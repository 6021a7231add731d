"""The 消息 page and its unread count in the navigation bar; the centre's 督办 list of late tasks."""
import re
from datetime import datetime, timezone

import pytest

from test_messages import declared
from test_pages import Browser


@pytest.fixture
def signed_in(app):
    return lambda username: Browser(app, username)


MONDAY = datetime(2026, 11, 16, 1, 0, tzinfo=timezone.utc)  # 09:00 in China, a week without holidays


def nav_count(html):
    found = re.search(r'class="bf-messages-link">消息(?: <span class="bf-count"[^>]*>(\d+\+?)</span>)?</a>', html)
    assert found, "the navigation bar has 消息"
    return found.group(1) or "0"


def test_the_unread_count_drops_when_a_message_is_opened_and_when_all_are_read(api, signed_in, household):
    first, second = declared(api), declared(api)
    union = signed_in("union1")
    page = union.get("/messages").get_data(as_text=True)
    assert nav_count(page) == "2" and "2 条未读" in page and "全部标为已读" in page
    assert page.count("新任务") == 2
    opened = union.get(f"/messages/arrived-{api.open_task(first['id'], 'preliminary_review')['id']}")
    assert opened.status_code == 302 and "/tasks/" in opened.headers["Location"]
    assert nav_count(union.get("/messages").get_data(as_text=True)) == "1"
    done = union.post("/messages/read")
    assert done.status_code == 302
    page = union.get("/messages").get_data(as_text=True)
    assert nav_count(page) == "0" and "已将 1 条消息标为已读" in page and "全部标为已读" not in page
    assert "暂无未读消息" not in page and union.get("/messages?unread=true").get_data(as_text=True).count("没有未读消息") == 1


def test_the_read_all_button_needs_the_csrf_token(api, signed_in):
    declared(api)
    union = signed_in("union1")
    assert union.post("/messages/read", csrf=False).status_code == 400
    assert nav_count(union.get("/inbox").get_data(as_text=True)) == "1"


def test_a_message_id_that_is_not_one_is_a_chinese_404(signed_in):
    response = signed_in("union1").get("/messages/task-1")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


def test_every_role_has_messages_in_its_navigation_bar(api, signed_in):
    api.start()
    for user in ("union2", "supervisor1", "designer1", "head1"):
        page = signed_in(user).get("/messages")
        assert page.status_code == 200 and nav_count(page.get_data(as_text=True)) == "0"


def test_the_supervision_list_shows_every_late_task_with_days_late(api, signed_in, clock, case_at, replies):
    clock.set_to(MONDAY)
    replies["assign_third_party"]["visit_due_date"] = "2026-11-30"
    union_case = case_at("preliminary_review")  # 初审 due in 5 working days (Monday 11-23), at U-STEEL
    visit_case = case_at("household_visit")  # the visit due on 11-30, at TP-SUNSHINE
    clock.advance(days=10)
    page = signed_in("center1").get("/supervision").get_data(as_text=True)
    assert "初审" in page and "逾期 3 天" in page and "江苏沙钢集团工会" in page
    assert api.case(visit_case)["reference"] not in page
    clock.advance(days=10)
    page = signed_in("supervisor1").get("/supervision").get_data(as_text=True)
    assert "入户走访" in page and "张家港市阳光社工服务中心" in page and "逾期 13 天" in page
    only_visits = signed_in("head1").get("/supervision?step=household_visit").get_data(as_text=True)
    assert api.case(visit_case)["reference"] in only_visits and api.case(union_case)["reference"] not in only_visits
    by_union = signed_in("head1").get("/supervision?organisation=U-STEEL").get_data(as_text=True)
    assert api.case(union_case)["reference"] in by_union and api.case(visit_case)["reference"] not in by_union
    # The centre's own late steps are held by the centre.
    centre = signed_in("center1").get("/supervision?organisation=ZJG-CENTER").get_data(as_text=True)
    assert "没有逾期任务" in centre


@pytest.mark.parametrize("user", ["union1", "thirdparty1", "inspector1", "approver1", "finance1", "designer1"])
def test_only_the_centre_supervisors_and_the_head_see_the_supervision_list(signed_in, user):
    response = signed_in(user).get("/supervision")
    assert response.status_code == 403 and "只有援助中心、督查和中心负责人可以查看督办清单" in response.get_data(as_text=True)
    assert "督办</a>" not in signed_in(user).get("/messages").get_data(as_text=True)
