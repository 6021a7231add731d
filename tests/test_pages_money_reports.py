"""The 资金报表 page: who sees it, the tables and totals it shows, its charts' data, the Excel download, a bad
year in Chinese; and in Chromium at 1280 px and on a 375 px phone, the charts drawn and nothing wider than
the screen."""
import json
import re
from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from bangfu.unit_of_work import run_in
from browser_helpers import shot, sign_in
from test_money_reports import build_history
from test_pages import Browser

VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}


@pytest.fixture
def history(app):
    run_in(app, build_history)
    return app


def chart(html, name):
    found = re.search(rf'<script type="application/json" id="chart-{name}">(.*?)</script>', html, re.S)
    return json.loads(found.group(1))


def test_the_page_shows_every_table_with_its_total_and_the_charts_data(history):
    html = Browser(history, "center1").get("/reports/money?year=2026").get_data(as_text=True)
    assert "张家港市职工援助服务中心 2026年帮扶资金报表" in html
    for title in ("在档家庭（按基层工会）", "按帮扶项目", "按资金来源", "按困难类别", "按基层工会", "金秋助学（按学生）",
                  "在档户数（逐月末）"):
        assert f"<h2>{title}" in html
    assert "¥21,636.34" in html and "¥9,434.83" in html and "¥7,503.00" in html
    assert "李小明" in html and "大学" in html
    programmes = chart(html, "by-programme")
    assert programmes["format"] == "money" and programmes["labels"][0] == "生活救助"
    assert [d["label"] for d in programmes["datasets"]] == ["审批金额", "发放金额"]
    assert programmes["datasets"][1]["data"][0] == "2301.50"
    # The register from the year's opening (the end of 2025) through each month's end, so a January fall shows.
    register = chart(html, "register")
    assert register["labels"][:2] == ["年初", "1月"]
    assert register["datasets"][0]["data"] == [2, 3, 3, 4, 4, 4, 4, 4, 4, 3, 3, 3]
    # Yuan by year, the year's being the by-programme table's total; exits by reason, in words.
    by_year = chart(html, "by-year")
    paid = dict(zip(by_year["labels"], by_year["datasets"][1]["data"]))
    assert Decimal(paid["2026年"]) == sum(Decimal(amount) for amount in programmes["datasets"][1]["data"])
    assert by_year["labels"] == ["2024年", "2025年", "2026年"] and paid["2025年"] == "3000.00"
    exits = chart(html, "exits")
    assert dict(zip(exits["labels"], exits["datasets"][0]["data"])) == {"脱困": 1, "迁出": 1}


def test_the_page_defaults_to_this_year_and_filters_a_month(history):
    page = Browser(history, "finance1")
    assert "2026年帮扶资金报表" in page.get("/reports/money").get_data(as_text=True)
    march = page.get("/reports/money?year=2026&month=3").get_data(as_text=True)
    assert "2026年3月帮扶资金报表" in march and "¥3,933.83" in march
    assert '<option value="3" selected>3月</option>' in march


def test_the_excel_download_from_the_page(history):
    response = Browser(history, "supervisor1").get("/reports/money.xlsx?year=2026&month=3")
    assert response.status_code == 200
    assert "money-report-2026-03.xlsx" in response.headers["Content-Disposition"]
    assert load_workbook(BytesIO(response.data))["按帮扶项目"]["A1"].value.endswith("2026年3月帮扶资金报表：按帮扶项目")


def test_a_bad_month_is_said_in_chinese(app):
    response = Browser(app, "center1").get("/reports/money?year=2026&month=13")
    assert response.status_code == 422
    assert "月份" in response.get_data(as_text=True)


@pytest.mark.parametrize("user, allowed", [("center1", True), ("approver1", True), ("inspector1", True),
                                           ("head1", True), ("union1", False), ("thirdparty1", False)])
def test_who_sees_the_page_and_its_link(app, user, allowed):
    browser = Browser(app, user)
    response = browser.get("/reports/money")
    assert response.status_code == (200 if allowed else 403)
    assert browser.get("/reports/money.xlsx").status_code == (200 if allowed else 403)
    bar = browser.get("/messages").get_data(as_text=True)
    money = re.search(r'<a href="([^"]+)">资金', bar)  # the bar's one 资金 link opens the money pages' tabs
    tabs = browser.get(money.group(1)).get_data(as_text=True) if money else ""
    assert ('href="/reports/money"' in tabs) == allowed


@pytest.mark.parametrize("size", VIEWPORTS)
def test_the_report_reads_at_1280_and_on_a_phone(history, browser, server, size):
    page = sign_in(browser, server, "supervisor1", VIEWPORTS[size])
    page.goto(f"{server}/reports/money?year=2026")
    for name in ("by-programme", "register"):
        expect(page.locator(f"canvas[data-chart='chart-{name}']")).to_have_attribute("data-bf-ready", "1")
    expect(page.locator("h1")).to_contain_text("2026年帮扶资金报表")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 1
    # The register's counts are drawn through their points without overshooting them: a curve from 0 households
    # rising to 3 dipped below 0 between the months before (each bezier segment stays within its two counts).
    outside = page.eval_on_selector("canvas[data-chart='chart-register']", """canvas => {
        const out = [];
        canvas.bangfu.chart.getSortedVisibleDatasetMetas().forEach(meta => meta.data.forEach((p, i, all) => {
            const next = all[i + 1];
            if (!next) return;
            const [low, high] = [Math.min(p.y, next.y) - 0.5, Math.max(p.y, next.y) + 0.5];
            if (p.cp2y < low || p.cp2y > high || next.cp1y < low || next.cp1y > high) out.push([meta.label, i]);
        }));
        return out; }""")
    assert outside == [], outside
    if size == "phone":  # each table's 合计 is a card as wide as its lines' cards (it shrank to its figures)
        for table in page.locator("table.bf-cards:has(tfoot)").all():
            line = table.locator("tbody tr").first.bounding_box()
            total = table.locator("tfoot tr").bounding_box()
            assert abs(total["width"] - line["width"]) <= 1, (table.locator("tfoot").inner_text(), line, total)
    shot(page, f"money-report-{size}")
    page.context.close()


def test_the_year_selector_runs_from_the_register_s_first_year_to_this_year(app, api, case_at):
    case_at("declaration")  # declared today: the register begins in 2026
    page = Browser(app, "supervisor1").get("/reports/money").get_data(as_text=True)
    assert re.findall(r'<option value="(\d{4})"', page) == ["2026"]
    asked = Browser(app, "supervisor1").get("/reports/money?year=2019").get_data(as_text=True)
    assert re.findall(r'<option value="(\d{4})"', asked)[-1] == "2019" and '<option value="2019" selected' in asked
