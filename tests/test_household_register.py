"""The household register as users read it: the household page and API per role (a union its own only,
another union's household a 404), masking as on case pages, the list's filters and paging, the Excel
export, the navigation link."""
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from bangfu.demo import declaration
from bangfu.testing import pay_case_through_batch
from test_households import drive, exit_as_center
from test_pages import Browser

READERS = ["center1", "approver1", "supervisor1", "inspector1", "union1"]


@pytest.fixture
def filed(api, household, replies):
    """union1's household, filed and paid; returns (case id, household id)."""
    case_id = drive(api, replies, household)
    return case_id, api.case(case_id)["household_id"]


@pytest.mark.parametrize("username", READERS)
def test_each_reader_sees_the_file_with_its_cases_aid_visits_and_changes(api, filed, household, replies, username):
    case_id, household_id = filed
    page = api.get(f"/api/v1/households/{household_id}", username)
    assert page.status_code == 200
    body = page.get_json()
    assert (body["worker_name"], body["status_label"], body["organisation"]["code"]) == (
        household["name"], "在档", "U-STEEL")
    assert [c["id"] for c in body["cases"]] == [case_id] and body["cases"][0]["outcome"] == "已发放"
    # living aid of 800 a month approved on 30 November, to the standard's end: November's and December's; the
    # bank has paid November's (the case's payment step)
    assert (body["approved_total"], body["paid_total"]) == ("1600.00", "800.00")
    assert [v["date"] for v in body["visits"]] == [replies["household_visit"]["visit_date"]]
    assert [c["to_label"] for c in body["status_history"]] == ["申报中", "在档"]
    assert [m["name"] for m in body["members"]] == [m["name"] for m in household["family_members"]]


@pytest.mark.parametrize(("username", "sees_id", "sees_card"), [
    ("center1", True, True), ("union1", True, True), ("approver1", False, False), ("supervisor1", False, False),
    ("inspector1", False, False)])
def test_personal_numbers_are_masked_as_on_case_pages(api, filed, household, username, sees_id, sees_card):
    body = api.get(f"/api/v1/households/{filed[1]}", username).get_json()
    whole_id, whole_card = household["id_number"], household["bank_card_number"]
    assert (body["id_number"] == whole_id) is sees_id
    assert (body["bank_account"]["card_number"] == whole_card) is sees_card
    member_ids = [m["id_number"] for m in body["members"]]
    assert (member_ids == [m["id_number"] for m in household["family_members"]]) is sees_id
    if not sees_id:
        assert body["id_number"].startswith(whole_id[:4]) and "*" in body["id_number"]
        page = Browser(api.app, username).get(f"/households/{filed[1]}").get_data(as_text=True)
        assert whole_id not in page and whole_card not in page


def test_another_unions_household_is_a_404_and_roles_without_the_register_are_refused(api, filed):
    household_id = filed[1]
    response = api.get(f"/api/v1/households/{household_id}", "union2")
    assert (response.status_code, response.get_json()["error"]["message"]) == (404, "家庭档案不存在")
    assert Browser(api.app, "union2").get(f"/households/{household_id}").status_code == 404
    assert api.get("/api/v1/households", "union2").get_json()["total"] == 0
    for username in ("finance1", "thirdparty1", "designer1"):
        assert api.get("/api/v1/households", username).status_code == 403
        assert api.get(f"/api/v1/households/{household_id}", username).status_code == 403
    assert api.get("/api/v1/households/999999", "center1").status_code == 404


def test_the_register_filters_by_status_category_union_year_and_review_due(app, api, filed, replies, rng, clock):
    declared = drive(api, replies, declaration(rng), stop="preliminary_review", user="union2")
    deep = drive(api, replies, declaration(rng), stop="re_review")
    api.complete(deep, "re_review", {"decision": "approve", "category": "deep", "opinion": "深度困难"})
    for name in ("public_notice", "open_file", "approval"):
        api.complete(deep, name, replies[name])
    pay_case_through_batch(app, deep)
    exit_as_center(app, api.case(deep)["household_id"], "retired")

    def listed(query, user="center1"):
        body = api.get(f"/api/v1/households?{query}", user).get_json()
        return sorted(item["id"] for item in body["items"])

    ids = {name: api.case(case)["household_id"] for name, case in
           (("filed", filed[0]), ("declared", declared), ("exited", deep))}
    assert listed("status=filed") == [ids["filed"]]
    assert listed("status=declared") == [ids["declared"]]
    assert listed("status=exited") == [ids["exited"]]
    assert listed("category=deep") == [ids["exited"]]
    assert listed("organisation=U-YANGSHE") == [ids["declared"]]
    year = clock.today().year
    assert listed(f"filed_year={year}") == sorted([ids["filed"], ids["exited"]])
    assert listed(f"filed_year={year - 1}") == []
    due = clock.today().replace(year=year + 1)
    assert listed(f"review_due_before={due.isoformat()}") == [ids["filed"]]
    assert listed(f"review_due_before={(due - timedelta(days=1)).isoformat()}") == []
    assert listed("text=" + api.case(filed[0])["file_number"]) == [ids["filed"]]
    assert listed("", "union1") == sorted([ids["filed"], ids["exited"]])
    first = api.get("/api/v1/households?page_size=2&page=1", "center1").get_json()
    second = api.get("/api/v1/households?page_size=2&page=2", "center1").get_json()
    assert first["total"] == second["total"] == 3 and len(first["items"]) == 2 and len(second["items"]) == 1
    bad = api.get("/api/v1/households?status=gone&filed_year=abc", "center1")
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"status", "filed_year"}
    page = Browser(app, "center1").get("/households?status=exited").get_data(as_text=True)
    assert "已退出" in page and "退休" in page and api.case(deep)["file_number"] in page


def test_the_export_has_numeric_amounts_dates_and_masked_ids_only(app, api, filed, household):
    response = Browser(app, "center1").get("/households.xlsx?status=filed")
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.data)).active
    header = [cell.value for cell in sheet[1]]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert len(rows) == 1
    row = dict(zip(header, rows[0]))
    assert row["职工姓名"] == household["name"] and row["状态"] == "在档"
    assert row["审批金额合计（元）"] == 800 and isinstance(row["审批金额合计（元）"], (int, float))
    assert sheet.cell(row=2, column=header.index("审批金额合计（元）") + 1).number_format == "#,##0.00"
    assert household["id_number"] not in str(rows) and row["身份证号（脱敏）"].startswith(household["id_number"][:4])
    assert str(row["建档日期"].date()) == api.get(f"/api/v1/households/{filed[1]}", "center1").get_json()["filed_on"]
    assert load_workbook(BytesIO(Browser(app, "union2").get("/households.xlsx").data)).active.max_row == 1


def test_the_navigation_links_the_register_for_the_roles_that_read_it(app):
    for username in READERS:
        assert 'href="/households"' in Browser(app, username).get("/cases").get_data(as_text=True), username
    assert 'href="/households"' not in Browser(app, "finance1").get("/cases").get_data(as_text=True)


def test_the_household_page_shows_both_files_of_a_returning_worker(app, api, filed, household, replies):
    exit_as_center(app, filed[1], "out_of_hardship")
    again = drive(api, replies, household, stop="preliminary_review")
    new_id = api.case(again)["household_id"]
    page = Browser(app, "union1").get(f"/households/{new_id}").get_data(as_text=True)
    old_number = api.case(filed[0])["file_number"]
    assert f'href="/households/{filed[1]}"' in page and old_number in page and "已脱困" in page
    old = Browser(app, "union1").get(f"/households/{filed[1]}").get_data(as_text=True)
    assert f'href="/households/{new_id}"' in old
    assert "已脱困" in old and "原因 脱困" not in old, "the status says why already"


def test_the_file_s_totals_are_its_awards_and_its_paid_instalments_to_the_fen(app, api, filed):
    body = api.get(f"/api/v1/households/{filed[1]}", "center1").get_json()
    awards = api.get(f"/api/v1/awards?household={filed[1]}", "center1").get_json()["items"]
    assert Decimal(body["approved_total"]) == sum(Decimal(a["amount"]) for a in awards)
    paid = [i for a in awards for i in api.get(f"/api/v1/awards/{a['id']}", "center1").get_json()["instalments"]
            if i["status"] == "paid"]
    assert Decimal(body["paid_total"]) == sum(Decimal(i["amount"]) for i in paid)


def test_a_duplicate_declaration_on_the_page_comes_back_beside_the_id_with_everything_kept(api, filed, household):
    import json

    from test_pages import widget
    union = Browser(api.app, "union1")
    task_url = union.post("/cases/new", {"process": "hardship_assistance"}).headers["Location"]
    typed = dict(household, phone="13900000000")
    response = union.post(task_url, {"data": json.dumps(typed, ensure_ascii=False)})
    assert response.status_code == 409
    form = widget(response.get_data(as_text=True))
    file_number = api.case(filed[0])["file_number"]
    assert form["errors"]["data.id_number"] == [f"该职工已在档（档案编号 {file_number}），一户只建一档，不能重复申报"]
    assert form["formData"] == typed
