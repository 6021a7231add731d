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
