"""The annual review page and the exit action through the Flask client: who may start what, the figures a
role sees, and the Chinese messages of a refusal."""
from test_annual_review import filed, models, review_case  # noqa: F401  (fixture)
from test_pages import Browser


def test_only_the_centre_may_start_the_year_and_a_bad_year_is_said_in_chinese(app, api, case_at, models, clock):
    filed(app, api, case_at)
    union = Browser(app, "union1")
    page = union.get("/annual-reviews").get_data(as_text=True)
    assert "为全部在档家庭发起" not in page
    assert union.post("/annual-reviews", {"year": "2027"}).status_code == 302
    assert "只有援助中心可以发起年度复核" in union.get("/annual-reviews").get_data(as_text=True)
    assert api.get("/api/v1/annual-reviews/2027", "center1").get_json()["started"] == 0

    center = Browser(app, "center1")
    assert "为全部在档家庭发起" in center.get("/annual-reviews").get_data(as_text=True)
    center.post("/annual-reviews", {"year": "2027"})
    page = center.get("/annual-reviews?year=2027").get_data(as_text=True)
    assert "2027 年度复核：本次发起 1 户，此前已发起 0 户" in page
    bad = center.get("/annual-reviews?year=abc")
    assert bad.status_code == 422 and "应为 2000 到 2100 之间的年份" in bad.get_data(as_text=True)
    assert Browser(app, "designer1").get("/annual-reviews").status_code == 403


def test_the_centre_starts_an_exit_from_the_household_and_lands_on_its_case(app, api, case_at, models):
    (household_id,) = filed(app, api, case_at)
    union = Browser(app, "union1")
    union.post(f"/households/{household_id}/exit")
    assert "只有援助中心可以发起年度复核或在档家庭退出" in union.get("/inbox").get_data(as_text=True)
    center = Browser(app, "center1")
    response = center.post(f"/households/{household_id}/exit")
    assert response.status_code == 302 and response.headers["Location"].startswith("/cases/")
    case = center.get(response.headers["Location"]).get_data(as_text=True)
    assert "退出申请（撤档）" in case
    again = center.post(f"/households/{household_id}/exit")
    assert "该家庭已有办理中的退出申请" in center.get(again.headers["Location"]).get_data(as_text=True)


def test_the_household_page_says_when_the_follow_up_falls_due_and_what_the_exit_case_waits_for(
        app, api, case_at, models, clock):
    from bangfu import clock as service_clock
    from bangfu.households.review import add_months
    from bangfu.casework.commands import fire_timers
    from bangfu.services import services
    from bangfu.unit_of_work import run_in
    from bangfu.wording import long_date

    (household_id,) = filed(app, api, case_at)
    case_id = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
    api.complete(case_id, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "连续6个月收入高于低保"})
    api.complete(case_id, "exit_approval", {"decision": "approve"})
    due = add_months(service_clock.today(), 6)

    center = Browser(app, "center1")
    page = center.get(f"/households/{household_id}").get_data(as_text=True)
    assert f"<dt>防返困回访</dt><dd>{long_date(due)}到期，尚未回访</dd>" in page
    # The exit case has no open step for months: it says what it waits for, not a bare 办理中.
    assert f"办理中：等待回访到期（{long_date(due)}）" in page

    clock.advance(days=(due - service_clock.today()).days, hours=10)
    run_in(app, lambda session: fire_timers(session, services(), case_id))
    api.complete(case_id, "follow_up_visit", {"visit_date": service_clock.today().isoformat(),
                                              "situation": "家庭收入稳定", "returned_to_hardship": False})
    center = Browser(app, "center1")  # months later: a new page session
    page = center.get(f"/households/{household_id}").get_data(as_text=True)
    assert f"<dt>防返困回访</dt><dd>{long_date(service_clock.today())}已回访：未返困</dd>" in page
    assert "等待回访到期" not in page


def test_the_centre_finds_the_exit_action_on_a_filed_household_s_page_and_nobody_else_does(
        app, api, case_at, models):
    (household_id,) = filed(app, api, case_at)
    action = f'action="/households/{household_id}/exit"'
    center = Browser(app, "center1")
    page = center.get(f"/households/{household_id}").get_data(as_text=True)
    assert action in page and "发起退出（撤档）" in page
    for user in ("union1", "supervisor1", "approver1", "inspector1"):
        assert action not in Browser(app, user).get(f"/households/{household_id}").get_data(as_text=True), user

    case_id = center.post(f"/households/{household_id}/exit").headers["Location"].rsplit("/", 1)[1]
    api.complete(int(case_id), "exit_request", {"exit_reason": "retired", "opinion": "职工已退休"})
    api.complete(int(case_id), "exit_approval", {"decision": "approve"})
    page = center.get(f"/households/{household_id}").get_data(as_text=True)
    assert "已退出" in page and action not in page  # a closed file has no exit to start


def test_the_approver_reads_the_exit_reason_and_the_kept_category_in_the_earlier_steps_summary(
        app, api, case_at, models, clock):
    from test_annual_review import last_months, visit
    first, second = filed(app, api, case_at, count=2)
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    for household_id, conclusion in [
            (first, {"decision": "exit", "exit_reason": "out_of_hardship", "opinion": "连续6个月高于低保标准"}),
            (second, {"decision": "stay", "category": "deep", "opinion": "仍在治疗"})]:
        case_id = review_case(app, household_id, 2027)
        api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
        api.complete(case_id, "review_visit_center", visit([(m, 4000) for m in last_months(6)]))
        api.complete(case_id, "review_conclusion", conclusion)

    case_id = review_case(app, first, 2027)
    task = api.open_task(case_id, "exit_approval")
    steps = {r["name"]: r["facts"] for r in api.get(f"/api/v1/tasks/{task['id']}", "approver1")
             .get_json()["earlier_steps"]}
    assert steps["review_conclusion"] == ["退出原因：脱困"]
    assert steps["review_visit_center"] == ["核实家庭月收入：¥3,000.00"]
    assert "退出原因：脱困" in Browser(app, "approver1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    from bangfu.casework.facts import step_facts
    assert step_facts("review_conclusion", {"decision": "stay", "category": "deep"}) == ["困难类别：深度困难"]
    assert step_facts("follow_up_visit", {"returned_to_hardship": False}) == ["回访结论：未返困"]

    api.complete(case_id, "exit_approval", {"decision": "approve"})
    exit_case = api.post(f"/api/v1/households/{second}/exit", "center1").get_json()["id"]
    api.complete(exit_case, "exit_request", {"exit_reason": "retired", "opinion": "职工已退休"})
    task = api.open_task(exit_case, "exit_approval")
    steps = {r["name"]: r["facts"] for r in api.get(f"/api/v1/tasks/{task['id']}", "approver1")
             .get_json()["earlier_steps"]}
    assert steps["exit_request"] == ["退出原因：退休"]

    # The household's file says what each finished review and exit decided, not a bare 已办结.
    api.complete(exit_case, "exit_approval", {"decision": "approve"})
    page = Browser(app, "center1").get(f"/households/{second}").get_data(as_text=True)
    assert '<td data-label="结果">已办结：继续在档（深度困难）</td>' in page
    assert '<td data-label="结果">已办结：已退出（退休）</td>' in page


def test_an_exit_case_waiting_for_its_follow_up_says_so_and_not_that_it_has_ended(app, api, case_at, models, clock):
    from bangfu import clock as service_clock
    from bangfu.households.review import add_months
    from bangfu.wording import long_date

    (household_id,) = filed(app, api, case_at)
    case_id = api.post(f"/api/v1/households/{household_id}/exit", "center1").get_json()["id"]
    api.complete(case_id, "exit_request", {"exit_reason": "out_of_hardship", "opinion": "连续6个月收入高于低保"})
    api.complete(case_id, "exit_approval", {"decision": "approve"})
    page = Browser(app, "center1").get(f"/cases/{case_id}").get_data(as_text=True)
    due = long_date(add_months(service_clock.today(), 6))
    # the date kept whole on a phone's line (whole_dates)
    assert f'暂无待办任务：等待回访到期（<span class="bf-day">{due}</span>），到期后自动继续。' in page
    assert "流程已结束" not in page
    # A case that did end still says so.
    (other,) = filed(app, api, case_at)
    case_id = api.post(f"/api/v1/households/{other}/exit", "center1").get_json()["id"]
    api.complete(case_id, "exit_request", {"exit_reason": "retired", "opinion": "职工已退休"})
    api.complete(case_id, "exit_approval", {"decision": "approve"})
    assert "无（流程已结束）。" in Browser(app, "center1").get(f"/cases/{case_id}").get_data(as_text=True)


def test_a_review_task_is_found_and_shown_by_its_household_s_file_number(app, api, case_at, models):
    (household_id,) = filed(app, api, case_at)
    file_number = api.get(f"/api/v1/households/{household_id}", "center1").get_json()["file_number"]
    api.post("/api/v1/annual-reviews", "center1", json={"year": 2027})
    reference = api.case(review_case(app, household_id, 2027))["reference"]
    center = Browser(app, "center1")
    inbox = center.get(f"/inbox?text={file_number}").get_data(as_text=True)
    assert reference in inbox and "委派年度复核走访" in inbox
    assert f"{reference}<br><small>{file_number}</small>" in inbox
    cases = center.get(f"/cases?text={file_number}").get_data(as_text=True)
    assert reference in cases and f"<small>{file_number}</small>" in cases
    found = api.get("/api/v1/tasks", "center1", query_string={"text": file_number}).get_json()["items"]
    assert {t["case_id"] for t in found} >= {review_case(app, household_id, 2027)}


def test_the_visit_s_monthly_incomes_read_by_month_in_chinese(app, api, case_at, models, clock):
    """逐月核实收入 is typed as the form asks (2026-10); the review's conclusion page reads it as 2026年10月."""
    import re

    from test_annual_review import last_months, visit
    (household_id,) = filed(app, api, case_at)
    api.post("/api/v1/annual-reviews", "center1", json={"year": clock.today().year})
    case_id = review_case(app, household_id, clock.today().year)
    api.complete(case_id, "assign_review_visit", {"visit_by": "center"})
    api.complete(case_id, "review_visit_center", visit([("2026-10", 3650.5), ("2026-09", 3650.5)]))
    assert last_months(2) == ["2026-10", "2026-09"]
    task_id = api.open_task(case_id, "review_conclusion")["id"]
    page = re.sub(r"<[^>]+>", " ", Browser(app, "center1").get(f"/tasks/{task_id}").get_data(as_text=True))
    assert re.search(r"2026年10月\s+¥3,650.50", page) and re.search(r"2026年9月\s+¥3,650.50", page)
    assert "2026-10" not in page and "2026-09" not in page
