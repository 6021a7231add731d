"""A case's data reads as the forms that collected it: labels, choice titles, organisations by name,
¥ amounts and Chinese dates, in the form's order; never a field's key or a choice's stored value."""
import re

from bangfu.forms.display import long_date, rows, text
from test_pages import Browser


def bank_reference(app, case_id):
    """The bank's reference of the batch line that paid the case (the bank's result sets it)."""
    from bangfu import db
    from bangfu.cases.models import Case
    with app.app_context():
        return db.session().get(Case, case_id).bank_reference


def _visible(html):
    """The text of the case data section of a page, tags removed."""
    found = re.search(r'<details>\s*<summary>案件数据.*?</details>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0)))


def test_the_case_page_shows_each_step_in_its_forms_words(app, api, case_at, household, replies):
    household["family_members"][0]["monthly_income"] = 12000.5
    household["monthly_household_income"] = 12000.5
    case_id = case_at(None)
    shown = _visible(Browser(app, "center1").get(f"/cases/{case_id}").get_data(as_text=True))
    for words in ["申报", "职工姓名 " + household["name"], "家庭成员 姓名 与职工关系 身份证号码 健康状况 就业状况 月收入（元）", "本人", "配偶", "重大疾病",
                  "致困原因 大病", "家庭月总收入（元） ¥12,000.50", "车辆为生产经营或工作必需 否",
                  "初审", "审核结论 通过", "第三方社会组织 张家港市阳光社工服务中心",
                  "走访完成期限 " + long_date(replies["assign_third_party"]["visit_due_date"]),
                  "走访日期 " + long_date(replies["household_visit"]["visit_date"]), "调查人员 周敏、钱进", "已核对项目 户籍 是", "困难类别 相对困难",
                  "帮扶类型 生活救助", "审批金额（元） ¥800.00", "发放日期 " + long_date(replies["payment"]["paid_on"]), "系统测算",
                  "建议困难类别"]:
        assert words in shown, words
    assert shown.index("职工姓名") < shown.index("身份证号码") < shown.index("家庭成员") < shown.index("开户银行")
    assert re.findall(r"[A-Za-z_]{3,}", shown.replace(bank_reference(app, case_id), "")) == []
    assert re.findall(r"\d{4}-\d{2}-\d{2}", shown) == []


def test_masked_values_read_as_masked(app, case_at):
    shown = _visible(Browser(app, "supervisor1").get(f"/cases/{case_at(None)}").get_data(as_text=True))
    assert "困难情况说明 （已隐藏）" in shown
    assert "健康状况" in shown and "（已隐藏）" in shown
    assert "家庭月总收入（元） （已隐藏）" in shown
    assert re.search(r"身份证号码 \d{4}\*{10}[\dX]{4}", shown)


def test_an_earlier_step_on_a_task_page_reads_like_the_case_page(app, api, case_at):
    case_id = case_at("approval")
    task = api.open_task(case_id, "approval")
    html = Browser(app, "approver1").get(f"/tasks/{task['id']}").get_data(as_text=True)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "拟帮扶金额（元） ¥800.00" in shown
    assert "第三方社会组织 张家港市阳光社工服务中心" in shown
    assert "TP-SUNSHINE" not in shown and "living" not in shown


def test_a_value_reads_by_its_field():
    assert text({"type": "number", "format": "money"}, 12000.5) == "¥12,000.50"
    assert text({"type": "string", "format": "date"}, "2026-12-07") == "2026年12月7日"
    assert text({"type": "boolean"}, True) == "是"
    assert text({"type": "array", "items": {"oneOf": [{"const": "a", "title": "甲"}, {"const": "b", "title": "乙"}]}},
                ["b", "a"]) == "乙、甲"
    assert text({"type": "string"}, "（已隐藏）") == "（已隐藏）"
    assert text({"type": "number", "format": "money"}, None) == "（已隐藏）"  # an amount masked for the reader
    assert text({"type": "string"}, "") == "—"


def test_rows_follow_the_forms_order_and_skip_fields_it_does_not_define():
    schema = {"properties": {"a": {"title": "甲"}, "b": {"title": "乙"}, "c": {"title": "丙"}}}
    found = rows(schema, {"ui:order": ["c", "*", "a"]}, {"a": 1, "b": 2, "c": 3, "secret_key": 4})
    assert [(r.label, r.text) for r in found] == [("丙", "3"), ("乙", "2"), ("甲", "1")]


def test_the_demo_answers_date_nothing_in_the_future(clock):
    """The demo's visit and payment are dated from today: a household page never lists a visit or a payment
    that has not happened yet (it once showed a visit on 2026-12-01 and a payment on 2026-12-20 on 30 November)."""
    import random
    from datetime import date, timedelta

    from bangfu.demo import answers
    for days in (0, 400):
        clock.advance(days=days)
        replies = answers(random.Random(1))
        today = clock.today()
        visit = date.fromisoformat(replies["household_visit"]["visit_date"])
        notice = date.fromisoformat(replies["public_notice"]["notice_start"])
        paid = date.fromisoformat(replies["payment"]["paid_on"])
        assert visit <= notice <= paid <= today
        assert visit >= today - timedelta(days=60)


def test_the_case_data_follows_the_flow_not_the_order_the_file_lists_the_steps(app, case_at):
    """The sections came in the order the model's file lists its user tasks: 走访监督 (beside 入户走访, the oversight
    of the visit) after 复审结论, which the visit and its oversight lead to. They follow the flow now, as the models
    page lists the steps (engine.flow_order)."""
    case_id = case_at("public_notice")
    html = Browser(app, "center1").get(f"/cases/{case_id}").get_data(as_text=True)
    data = re.search(r'<details>\s*<summary>案件数据.*?</details>', html, re.S).group(0)
    titles = re.findall(r"<h3>([^<]+)</h3>", data)
    assert titles == ["申报", "初审", "委派第三方复审", "入户走访", "走访监督", "复审结论", "系统测算"], titles
