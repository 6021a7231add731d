"""Pages of fund standards and half-yearly adjustments: the centre drafts and edits, the approver decides."""
import re
from html import unescape

from test_adjustments import filed_with_living_aid
from test_pages import Browser

from bangfu.testing import approved_standard

FORM = {"period_kind": "half_year", "effective_from": "2027-07-01", "document_number": "苏工党〔2027〕30号",
        "document_date": "2027-06-20", "issuer": "苏州市总工会党组", "dibao_line": "1260", "relative_multiplier": "2",
        "sudden_multiplier": "3.5", "item-0-rule": "cap", "item-0-amount": "1260", "item-7-rule": "fixed",
        "item-7-amount": "1000"}


def text(response):
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def test_the_money_tabs_offer_standards_to_the_centre_and_the_approver_not_to_a_union(app):
    tab = 'href="/fund-standards">资金标准</a>'
    assert tab in Browser(app, "center1").get("/awards").get_data(as_text=True)
    approver = Browser(app, "approver1")
    assert tab in approver.get("/awards").get_data(as_text=True)
    assert "半年调整清单" in text(approver.get("/fund-standards"))
    union = Browser(app, "union1")
    assert tab not in union.get("/awards").get_data(as_text=True)
    assert union.get("/fund-standards").status_code == 403


def test_the_centre_drafts_a_standard_and_the_approver_approves_it_on_the_pages(app):
    centre = Browser(app, "center1")
    listing = text(centre.get("/fund-standards"))
    assert "2026年困难职工帮扶资金标准 现行" in listing and "¥1,208.00 元/人·月" in listing
    form = text(centre.get("/fund-standards/new"))
    assert "生活救助（深度困难）" in form and "金秋助学（大学）" in form
    drafted = centre.post("/fund-standards", FORM)
    assert drafted.status_code == 302, text(drafted)
    detail = text(centre.get(drafted.headers["Location"]))
    assert "2027年下半年困难职工帮扶资金标准" in detail and "待审批" in detail and "批准" not in detail.split("待审批")[-1][:4]
    assert "生活救助（深度困难） 最高限额 最高 ¥1,260.00 元/户·月" in detail and "送温暖 定额 定额 ¥1,000.00 元/户" in detail
    approver = Browser(app, "approver1")
    page = text(approver.get(drafted.headers["Location"]))
    assert "不予批准" in page
    number = drafted.headers["Location"].rsplit("/", 1)[-1]
    assert approver.post(f"/fund-standards/{number}/approve", {"note": "同意"}).status_code == 302
    assert "已批准" in text(approver.get(drafted.headers["Location"]))


def test_a_bad_draft_is_shown_again_with_each_problem_named(app):
    centre = Browser(app, "center1")
    response = centre.post("/fund-standards", dict(FORM, effective_from="2027-03-01", document_number="",
                                                    **{"item-0-amount": "12.345"}))
    assert response.status_code == 422
    shown = text(response)
    assert "起始日期：半年标准应从 1 月 1 日或 7 月 1 日起" in shown
    assert "生活救助（深度困难）：金额最多精确到分（两位小数）" in shown
    assert 'value="12.345"' in response.get_data(as_text=True), "what was typed stays in the form"


def test_the_adjustment_is_generated_edited_submitted_and_decided_line_by_line_on_the_pages(app, api, case_at):
    first, second = filed_with_living_aid(app, case_at)
    standard = approved_standard(app)
    centre = Browser(app, "center1")
    generated = centre.post("/adjustments", {"standard_id": standard})
    assert generated.status_code == 302
    page = centre.get(generated.headers["Location"])
    html = page.get_data(as_text=True)
    line_ids = re.findall(r'name="line-(\d+)-amount"', html)
    assert len(line_ids) == 2 and "¥800.00" in text(page)
    over = centre.post(generated.headers["Location"] + "/lines", {f"line-{line_ids[0]}-amount": "900"})
    assert over.status_code == 422
    assert re.search(r"第 1 行：\w+（DA\d{10}）：生活救助（相对困难）按资金标准（苏工党〔2026〕58号）"
                     r"最高 ¥850\.00 元/户·月，不能超过 ¥850\.00", text(over)), "the reason names the household"
    saved = centre.post(generated.headers["Location"] + "/lines",
                        {f"line-{line_ids[0]}-amount": "850", f"line-{line_ids[0]}-note": "按新标准上调",
                         f"line-{line_ids[1]}-amount": "700.00", "then": "submit"})
    assert "调整清单已提交审批" in text(centre.get(saved.headers["Location"]))
    approver = Browser(app, "approver1")
    assert f'name="line-{line_ids[1]}-decision"' in approver.get(generated.headers["Location"]).get_data(as_text=True)
    decided = approver.post(generated.headers["Location"] + "/approve",
                            {f"line-{line_ids[1]}-decision": "rejected", f"line-{line_ids[1]}-decision_note": "待复核"})
    shown = text(approver.get(decided.headers["Location"]))
    assert "调整清单已审批：同意 1 户，不同意 1 户" in shown and "不同意（原发放不变） 待复核" in shown
    assert "已审批" in text(centre.get("/adjustments"))


def test_the_standard_and_adjustment_pages_fit_a_phone_and_a_desktop(browser, server, app, case_at):
    from browser_helpers import shot, sign_in
    filed_with_living_aid(app, case_at, ("800",))
    standard = approved_standard(app)
    Browser(app, "center1").post("/adjustments", {"standard_id": standard})
    for width in (375, 1280):
        for username, paths in (("center1", ["/fund-standards", "/fund-standards/new", f"/fund-standards/{standard}",
                                             "/adjustments", "/adjustments/1"]),
                                ("approver1", ["/fund-standards", f"/fund-standards/{standard}"])):
            page = sign_in(browser, server, username, viewport={"width": width, "height": 900})
            for path in paths:
                page.goto(f"{server}{path}")
                shot(page, f"money-{username}-{path.strip('/').replace('/', '-')}-{width}")
                assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (width, path)
            page.context.close()


def test_a_new_draft_follows_the_latest_approved_standard_not_only_the_one_in_force(app):
    later = approved_standard(app)  # 2027 H1, approved but not in force on 30 November 2026
    form = Browser(app, "center1").get("/fund-standards/new").get_data(as_text=True)
    assert f'<option value="{later}" selected>' in form


def test_a_refused_decision_is_flashed_as_its_message_then_its_reasons(app):
    """The money pages say a refusal one way (message：reason；reason), whichever page refused it."""
    drafted = Browser(app, "center1").post("/fund-standards", FORM)
    approver = Browser(app, "approver1")
    refused = approver.post(drafted.headers["Location"] + "/reject",
                            {"note": " "})
    assert "不予批准须写明理由：请填写不予批准的理由" in text(approver.get(refused.headers["Location"]))


def _submitted_list(app, case_at):
    """A list of two households drafted by the centre (the first line's note 按新标准上调) and submitted;
    its path and line ids."""
    filed_with_living_aid(app, case_at)
    centre = Browser(app, "center1")
    path = centre.post("/adjustments", {"standard_id": approved_standard(app)}).headers["Location"]
    line_ids = re.findall(r'name="line-(\d+)-amount"', centre.get(path).get_data(as_text=True))
    centre.post(path + "/lines", {f"line-{line_ids[0]}-amount": "850", f"line-{line_ids[0]}-note": "按新标准上调",
                                  f"line-{line_ids[1]}-amount": "700.00", "then": "submit"})
    return path, line_ids


def test_refused_adjustment_edits_are_shown_again_as_typed_with_each_reason_at_its_line(app, case_at):
    filed_with_living_aid(app, case_at)
    centre = Browser(app, "center1")
    path = centre.post("/adjustments", {"standard_id": approved_standard(app)}).headers["Location"]
    first, second = re.findall(r'name="line-(\d+)-amount"', centre.get(path).get_data(as_text=True))
    typed = {f"line-{first}-amount": "8五0", f"line-{first}-note": "家庭人口增加", f"line-{second}-amount": "650",
             f"line-{second}-note": "收入增加"}
    malformed = centre.post(path + "/lines", typed)
    assert malformed.status_code == 422
    html = malformed.get_data(as_text=True)
    assert 'value="8五0"' in html and 'value="家庭人口增加"' in html and 'value="650"' in html and 'value="收入增加"' in html
    assert f'<small id="line-{first}-amount-error" class="bf-error">请填写数字金额，如 850.00</small>' in html
    over_cap = centre.post(path + "/lines", dict(typed, **{f"line-{first}-amount": "900"}))
    assert over_cap.status_code == 422
    html = over_cap.get_data(as_text=True)
    assert 'value="900"' in html and 'value="家庭人口增加"' in html and 'value="650"' in html
    assert re.search(rf'<small id="line-{first}-amount-error" class="bf-error">\w+（DA\d{{10}}）：生活救助（相对困难）'
                     r"按资金标准（苏工党〔2026〕58号）最高 ¥850\.00 元/户·月，不能超过 ¥850\.00</small>", html)
    assert "第 1 行：" in text(over_cap)
    stop = centre.post(path + "/lines", {f"line-{first}-amount": "0", f"line-{second}-amount": "650"})
    assert f'<small id="line-{first}-note-error" class="bf-error">' in stop.get_data(as_text=True)
    assert "¥650.00" not in text(centre.get(path)), "a refused edit saves no line"


def test_the_approver_reads_the_centres_notes_and_cannot_change_them(app, case_at):
    path, (first, second) = _submitted_list(app, case_at)
    approver = Browser(app, "approver1")
    html = approver.get(path).get_data(as_text=True)
    assert f'name="line-{first}-note"' not in html and "按新标准上调" in text(approver.get(path))
    assert f'name="line-{first}-decision"' in html and f'name="line-{first}-decision_note"' in html
    approver.post(path + "/approve", {f"line-{first}-note": "审批人改写", f"line-{first}-decision": "rejected",
                                      f"line-{first}-decision_note": "待复核"})
    shown = text(Browser(app, "center1").get(path))
    assert "按新标准上调" in shown and "审批人改写" not in shown
    assert "不同意（原发放不变） 待复核" in shown, "the approver's note stands beside the centre's"
