"""The household visit and its oversight as their users work them on the pages (Flask client): the third
party's visit record with bad input, the inspector's oversight and what each may read or change."""
import json
from datetime import timedelta

from bangfu import clock
from test_pages import Browser, widget


def visit_page(app, api, case_id):
    visitor = Browser(app, "thirdparty1")
    return visitor, f"/tasks/{api.open_task(case_id, 'household_visit')['id']}"


def test_a_visit_dated_in_the_future_comes_back_beside_its_date(app, api, case_at, replies):
    case_id = case_at("household_visit")
    visitor, url = visit_page(app, api, case_id)
    typed = dict(replies["household_visit"], visit_date=(clock.today() + timedelta(days=1)).isoformat())
    response = visitor.post(url, {"data": json.dumps(typed, ensure_ascii=False)})

    assert response.status_code == 422
    form = widget(response.get_data(as_text=True))
    assert form["errors"]["data.visit_date"] == ["走访日期不能晚于今天（2026年11月30日）"]
    assert form["formData"] == typed
    assert "household_visit" in [t["name"] for t in api.case(case_id)["open_tasks"]]

    today = dict(typed, visit_date=clock.today().isoformat())
    assert visitor.post(url, {"data": json.dumps(today, ensure_ascii=False)}).status_code == 302
