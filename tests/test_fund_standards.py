"""Fund standards: drafted by the centre, approved by someone else, never edited after; the one in force on a
day holds every amount of 建档 and 审批, and the assessment's 低保 line comes from it."""
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bangfu import db
from bangfu.errors import Forbidden
from bangfu.money import standards
from bangfu.money.models import FundStandard, StandardStatus
from bangfu.people.models import User
from bangfu.testing import approved_standard
from bangfu.unit_of_work import run_in
from bangfu.money.demo_standards import suzhou

BODY = {
    "period_kind": "half_year", "effective_from": "2027-07-01", "document_number": "苏工党〔2027〕30号",
    "document_date": "2027-06-20", "issuer": "苏州市总工会党组", "dibao_line": "1245", "relative_multiplier": 2,
    "sudden_multiplier": "3.5",
    "items": [{"programme": "living", "category": "deep", "rule": "cap", "amount": "1245"},
              {"programme": "education", "school_level": "university", "rule": "fixed", "amount": 5000}],
}


def draft(api, body=None, user="center1"):
    return api.post("/api/v1/fund-standards", user, json=body or BODY)


def no_standard_in_force(app):
    """The tests' 2026 standard taken back to a draft, for a test of a service with no standard in force."""
    run_in(app, lambda session: session.execute(update(FundStandard).values(status="draft", approved_by_id=None)))


def fields_of(response):
    return response.get_json()["error"]["fields"]


def test_the_centre_drafts_and_an_approver_approves_a_standard(api):
    response = draft(api)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["status_label"], body["effective_to"]) == ("draft", "待审批", "2027-12-31")
    assert body["title"] == "2027年下半年困难职工帮扶资金标准" and body["dibao_line"] == "1245.00"
    assert [(i["programme_label"], i["limit"]) for i in body["items"]] == [
        ("生活救助", "最高 ¥1,245.00 元/户·月"), ("金秋助学", "定额 ¥5,000.00 元/生·学年")]
    approved = api.post(f"/api/v1/fund-standards/{body['id']}/approve", "approver1", json={"note": "同意"})
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "approved"
    assert approved.get_json()["approved_by"]["username"] == "approver1"


def test_the_drafter_cannot_approve_and_the_database_refuses_it_too(app, api):
    standard_id = draft(api).get_json()["id"]
    refused = api.post(f"/api/v1/fund-standards/{standard_id}/approve", "center1", json={})
    assert refused.status_code == 403 and refused.get_json()["error"]["message"] == "只有审批人可以审批资金标准"

    def drafter_approves(session):
        center = session.scalar(select(User).where(User.username == "center1"))
        standards.approve_standard(session, center, standard_id)
    with pytest.raises(Forbidden) as refused_in_domain:  # whatever the drafter's role
        run_in(app, drafter_approves)
    assert str(refused_in_domain.value) == "起草人不能审批自己起草的资金标准"

    def bypass(session):
        center = session.scalar(select(User).where(User.username == "center1"))
        session.execute(update(FundStandard).where(FundStandard.id == standard_id)
                        .values(approved_by_id=center.id, status="approved"))
    with pytest.raises(IntegrityError):
        run_in(app, bypass)
    assert api.get(f"/api/v1/fund-standards/{standard_id}", "center1").get_json()["status"] == "draft"


def test_an_approved_standard_is_never_edited_only_replaced(api):
    standard_id = draft(api).get_json()["id"]
    changed = dict(BODY, dibao_line="1300")
    assert api.put(f"/api/v1/fund-standards/{standard_id}", "center1", json=changed).status_code == 200
    api.post(f"/api/v1/fund-standards/{standard_id}/approve", "approver1", json={})
    refused = api.put(f"/api/v1/fund-standards/{standard_id}", "center1", json=dict(BODY, dibao_line="1400"))
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == "已批准的资金标准不能修改，只能由新的资金标准替代"
    assert api.get(f"/api/v1/fund-standards/{standard_id}", "center1").get_json()["dibao_line"] == "1300.00"
    again = api.post(f"/api/v1/fund-standards/{standard_id}/reject", "approver1", json={"note": "重复"})
    assert again.status_code == 409
    replacing = draft(api, dict(BODY, document_number="苏工党〔2027〕31号", replaces_id=standard_id))
    assert replacing.status_code == 201 and replacing.get_json()["replaces_id"] == standard_id


def test_a_rejection_needs_a_reason_and_leaves_nothing_in_force(api):
    standard_id = draft(api).get_json()["id"]
    bare = api.post(f"/api/v1/fund-standards/{standard_id}/reject", "approver1", json={})
    assert bare.status_code == 422 and fields_of(bare) == {"note": ["请填写不予批准的理由"]}
    rejected = api.post(f"/api/v1/fund-standards/{standard_id}/reject", "approver1", json={"note": "低保标准有误"})
    assert rejected.get_json()["status_label"] == "未批准"


@pytest.mark.parametrize("changes, problems", [
    ({"effective_from": "2027-03-01"}, {"effective_from": ["半年标准应从 1 月 1 日或 7 月 1 日起"]}),
    ({"period_kind": "year", "effective_from": "2027-07-01"}, {"effective_from": ["全年标准应从 1 月 1 日起"]}),
    ({"effective_to": "2027-11-30"}, {"effective_to": ["半年标准应至2027年12月31日止"]}),
    ({"document_number": " ", "issuer": ""}, {"document_number": ["请填写文号"], "issuer": ["请填写发文单位"]}),
    ({"dibao_line": "1245.005"}, {"dibao_line": ["金额最多精确到分（两位小数）"]}),
    ({"relative_multiplier": "0.5"}, {"relative_multiplier": ["不能小于 1.00"]}),
    ({"items": []}, {"items": ["至少规定一个项目的金额"]}),
    ({"items": [{"programme": "living", "category": "rich", "rule": "most", "amount": "-1", "unit": "case"}]},
     {"items.0.category": ["应为 deep（深度困难）、relative（相对困难）、sudden（意外致困） 或留空"],
      "items.0.rule": ["应为 fixed（定额）或 cap（最高限额）"], "items.0.amount": ["不能小于 0.00"],
      "items.0.unit": ["生活救助的单位应为元/户·月（household_month）"]}),
    ({"items": [{"programme": "medical", "school_level": "university", "rule": "cap", "amount": 1}]},
     {"items.0.school_level": ["只有金秋助学按学段规定金额"]}),
    ({"items": [{"programme": "warmth", "rule": "fixed", "amount": 1000},
                {"programme": "warmth", "rule": "fixed", "amount": 800}]},
     {"items.1": ["同一项目、类别和学段只能规定一次"]}),
])
def test_a_bad_draft_is_refused_field_by_field_in_chinese(api, changes, problems):
    response = draft(api, dict(BODY, **changes))
    assert response.status_code == 422, response.get_json()
    assert fields_of(response) == problems
    assert api.get("/api/v1/fund-standards?status=draft", "center1").get_json()["items"] == []


def test_only_the_centre_drafts_and_a_union_sees_no_standards(api):
    assert draft(api, user="approver1").status_code == 403
    assert api.get("/api/v1/fund-standards", "union1").status_code == 403


def test_the_standard_in_force_is_chosen_by_date(app):
    first_half = approved_standard(app)  # 2027 H1, 低保 1245
    year = approved_standard(app, start=date(2027, 1, 1), kind="year", number="苏工党〔2027〕1号", dibao="1300")
    second_half = approved_standard(app, start=date(2027, 7, 1), number="苏工党〔2027〕30号", dibao="1280")

    def chosen(session, day):
        found = standards.in_force(session, day)
        return found.document_number if found else None
    with app.app_context():
        session = db.session()
        assert chosen(session, date(2026, 12, 31)) == "苏工党〔2025〕12号"  # the tests' 2026 standard
        # H1 and the year both begin on 1 January: the later approved (the year) wins
        assert session.get(FundStandard, year).approved_at >= session.get(FundStandard, first_half).approved_at
        assert chosen(session, date(2027, 1, 1)) == "苏工党〔2027〕1号"
        assert chosen(session, date(2027, 7, 1)) == "苏工党〔2027〕30号"  # the latest to begin
        assert chosen(session, date(2028, 1, 1)) is None
        assert session.get(FundStandard, second_half).status == StandardStatus.APPROVED
        assert standards.policy_on(session, date(2027, 8, 1)).dibao_line == Decimal("1280.00")


def test_a_replaced_standard_is_out_of_force_from_its_replacement_s_start_even_if_that_begins_earlier(app):
    """The second half of 2027 (低保 1280) is replaced by a standard for the whole year (1300): once the
    replacement is approved, it is the one in force in July too, though the replaced one begins later."""
    second_half = approved_standard(app, start=date(2027, 7, 1), number="苏工党〔2027〕30号", dibao="1280")

    def line_on(day):
        with app.app_context():
            return standards.policy_on(db.session(), day).dibao_line

    def draft_replacement(session):
        drafter = session.scalar(select(User).where(User.username == "center1"))
        return standards.draft_standard(session, drafter, replace(
            suzhou(date(2027, 1, 1), "year", "苏工党〔2027〕35号", dibao="1300"), replaces_id=second_half)).id
    year = run_in(app, draft_replacement)
    assert line_on(date(2027, 8, 1)) == Decimal("1280.00")  # a draft replaces nothing
    run_in(app, lambda session: standards.approve_standard(
        session, session.scalar(select(User).where(User.username == "approver1")), year, None))
    assert (line_on(date(2027, 3, 1)), line_on(date(2027, 8, 1)), line_on(date(2027, 12, 31))) == \
        (Decimal("1300.00"),) * 3
    assert line_on(date(2026, 12, 31)) == Decimal("1208.00")  # before the replacement's start: the 2026 standard


def test_item_for_picks_the_most_specific_item(app):
    with app.app_context():
        standard = standards.in_force(db.session(), date(2026, 6, 1))
        assert standards.item_for(standard, "living", "deep").amount == Decimal("1208.00")
        assert standards.item_for(standard, "living", None) is None
        assert standards.item_for(standard, "education", school_level="high_school").amount == Decimal("3000.00")
        assert standards.item_for(standard, "warmth", "deep").amount == Decimal("1000.00")


def test_check_amount_holds_an_amount_to_the_standard_in_force(app):
    with app.app_context():
        session = db.session()
        standard, item = standards.check_amount(session, "living", Decimal("1208"), date(2026, 12, 1), "deep")
        assert (standard.document_number, item.amount) == ("苏工党〔2025〕12号", Decimal("1208.00"))
        with pytest.raises(standards.AmountRefused) as over:
            standards.check_amount(session, "living", Decimal("1208.01"), date(2026, 12, 1), "deep")
        assert over.value.reason == ("生活救助（深度困难）按资金标准（苏工党〔2025〕12号）最高 ¥1,208.00 元/户·月，"
                                     "不能超过 ¥1,208.00")
        with pytest.raises(standards.AmountRefused) as fixed:
            standards.check_amount(session, "education", 4000, date(2026, 9, 1), school_level="university")
        assert fixed.value.reason == ("金秋助学（大学）按资金标准（苏工党〔2025〕12号）为定额 ¥5,000.00 元/生·学年，"
                                      "金额应为 ¥5,000.00")
        with pytest.raises(standards.AmountRefused) as none:
            standards.check_amount(session, "warmth", 1000, date(2027, 2, 1))
        assert none.value.reason == "2027年2月1日没有已批准生效的资金标准，不能核定送温暖金额；请先制定并审批资金标准"
        assert none.value.fields == {"amount": [none.value.reason]}


def test_an_amount_at_open_file_without_a_standard_in_force_is_refused(app, api, case_at, replies, clock):
    case_id = case_at("open_file")
    no_standard_in_force(app)
    body = api.complete(case_id, "open_file", replies["open_file"], expect=422)
    assert body["error"]["fields"]["data.proposed_amount"] == [
        "2026年11月30日没有已批准生效的资金标准，不能核定生活救助金额；请先制定并审批资金标准"]


def test_aid_without_money_must_carry_no_amount(api, case_at, replies):
    case_id = case_at("open_file")
    body = api.complete(case_id, "open_file", dict(replies["open_file"], aid_type="legal", proposed_amount=1),
                        expect=422)
    assert body["error"]["fields"]["data.proposed_amount"] == ["法律援助不发放帮扶资金，金额应为 0"]
    api.complete(case_id, "open_file", dict(replies["open_file"], aid_type="legal", proposed_amount=0))


def test_approval_is_checked_on_its_own_day_against_the_new_period_s_standard(app, api, case_at, replies, clock):
    """A case filed under 2026's standard and approved in 2027 is held to 2027's (相对困难: 850 a month)."""
    approved_standard(app, living_relative="850")
    case_id = case_at("approval")
    clock.set_to(clock.now().replace(year=2027, month=1, day=4))
    over = api.complete(case_id, "approval", dict(replies["approval"], approved_amount=850.01), expect=422)
    assert over["error"]["fields"]["data.approved_amount"] == [
        "生活救助（相对困难）按资金标准（苏工党〔2026〕58号）最高 ¥850.00 元/户·月，不能超过 ¥850.00"]
    api.complete(case_id, "approval", dict(replies["approval"], approved_amount=850))


def test_without_a_standard_the_assessment_suggests_nothing_and_says_why(app, api, household):
    no_standard_in_force(app)
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    task = api.open_task(case_id, "preliminary_review")
    assessment = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()["assessment"]
    assert assessment["suggested_category"] is None and assessment["dibao_line"] is None
    assert "当日没有已批准生效的资金标准，无法按低保标准测算困难类别；请援助中心先制定并审批资金标准" in assessment["income_notes"]


def test_the_assessment_rests_on_the_standard_s_line(app, api, household):
    approved_standard(app, start=date(2026, 7, 1), number="苏工党〔2026〕40号", dibao="300")
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)  # 500 a head: above a 300 line, below 2 × 300
    task = api.open_task(case_id, "preliminary_review")
    assessment = api.get(f"/api/v1/tasks/{task['id']}", "union1").get_json()["assessment"]
    assert assessment["suggested_category"] == "relative" and assessment["dibao_line"] == 300
    assert "苏工党〔2026〕40号" in assessment["standard"]


def _cli(migrated, tmp_path, monkeypatch):
    """A CliRunner on the tests' database, with the standard's JSON in tmp_path / h2.json."""
    import json

    from click.testing import CliRunner
    monkeypatch.setenv("BANGFU_DATABASE_URL", migrated)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("BANGFU_SECRET_KEY", "cli-tests-" + "k" * 40)
    monkeypatch.delenv("BANGFU_TOKEN", raising=False)
    (tmp_path / "h2.json").write_text(json.dumps(BODY, ensure_ascii=False), "utf-8")
    return CliRunner()


def _drafted_id(result):
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("已起草资金标准 "), result.output
    return int(result.stdout.split()[1].split("，")[0])


def test_the_cli_imports_a_draft_and_an_approver_approves_it(app, api, migrated, tmp_path, monkeypatch):
    from openpyxl import Workbook

    from bangfu.cli import main
    runner = _cli(migrated, tmp_path, monkeypatch)
    centre = {"BANGFU_TOKEN": api.token("center1")}
    standard_id = _drafted_id(runner.invoke(main, ["standards", "import", str(tmp_path / "h2.json")], env=centre))
    own = runner.invoke(main, ["standards", "approve", str(standard_id), "--as", "center1"], env=centre)
    assert (own.exit_code, own.output) == (1, "错误：只有审批人可以审批资金标准\n")
    approved = runner.invoke(main, ["standards", "approve", str(standard_id), "--as", "approver1"],
                             input="approver1-secret\n")
    assert (approved.exit_code, approved.stdout) == (0, f"资金标准 {standard_id} 已批准\n"), approved.output
    shown = runner.invoke(main, ["standards", "show", str(standard_id)]).output
    assert "已批准" in shown and "生活救助（深度困难）：最高 ¥1,245.00 元/户·月" in shown

    book = Workbook()
    book.active.append(("period_kind", "year"))
    book.active.append(("effective_from", "2028-03-01"))
    book.create_sheet("项目").append(("programme", "rule"))
    book.save(tmp_path / "bad.xlsx")
    bad = runner.invoke(main, ["standards", "import", str(tmp_path / "bad.xlsx"), "--as", "center1"], env=centre)
    assert bad.exit_code == 1 and bad.output == "错误：资金标准文件有误（file: 项目工作表缺少列：amount）\n"
    listed = runner.invoke(main, ["standards", "list"]).output.splitlines()
    assert len(listed) == 2 and "苏工党〔2027〕30号" in listed[0]


def test_the_cli_approves_only_for_the_approver_who_proves_it(app, api, migrated, tmp_path, monkeypatch):
    """Naming the approver is not enough: the drafter typing --as approver1 needs approver1's password, and a
    token speaks for its own user only."""
    from bangfu.cli import main
    runner = _cli(migrated, tmp_path, monkeypatch)
    centre = {"BANGFU_TOKEN": api.token("center1")}
    standard_id = _drafted_id(runner.invoke(main, ["standards", "import", str(tmp_path / "h2.json")], env=centre))
    approve = ["standards", "approve", str(standard_id), "--as", "approver1"]
    guessed = runner.invoke(main, approve, input="center1-secret\n")
    assert (guessed.exit_code, guessed.output.splitlines()[-1]) == (1, "错误：用户名或密码错误"), guessed.output
    borrowed = runner.invoke(main, approve, env=centre)
    assert (borrowed.exit_code, borrowed.output) == \
        (1, "错误：环境变量 BANGFU_TOKEN 中是 center1 的访问令牌，与 --as approver1 不符\n")
    assert "Traceback" not in guessed.output + borrowed.output
    assert run_in(app, lambda session: session.get(FundStandard, standard_id).status) == "draft"


def test_a_disabled_approver_cannot_approve_from_the_cli(app, api, migrated, tmp_path, monkeypatch):
    from bangfu.cli import main
    runner = _cli(migrated, tmp_path, monkeypatch)
    standard_id = _drafted_id(runner.invoke(main, ["standards", "import", str(tmp_path / "h2.json")],
                                            env={"BANGFU_TOKEN": api.token("center1")}))
    token = api.token("approver1")
    run_in(app, lambda session: session.execute(update(User).where(User.username == "approver1").values(active=False)))
    refused = runner.invoke(main, ["standards", "approve", str(standard_id)], env={"BANGFU_TOKEN": token})
    assert (refused.exit_code, refused.output) == (1, "错误：环境变量 BANGFU_TOKEN 中的访问令牌无效或已过期\n")
    by_password = runner.invoke(main, ["standards", "approve", str(standard_id), "--as", "approver1"],
                                input="approver1-secret\n")
    assert (by_password.exit_code, by_password.output.splitlines()[-1]) == (1, "错误：用户名或密码错误")
    assert run_in(app, lambda session: session.get(FundStandard, standard_id).status) == "draft"


def test_a_revision_racing_the_approval_never_edits_the_approved_standard(app, api, is_postgres, monkeypatch):
    """PostgreSQL: the approver approves (and commits) while the centre's revision of the same draft is between
    reading it and writing it; the revision waits for the standard's row and is then refused, or the approval
    waits for the revision; never an approved standard with the revised content."""
    if not is_postgres:
        pytest.skip("row locks: PostgreSQL (SQLite has one writer at a time)")
    from dataclasses import replace

    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    from bangfu.errors import Conflict
    from bangfu.money.demo_standards import suzhou

    standard_id = draft(api).get_json()["id"]
    engine = db.engine_of(app)
    validated = standards._validated

    def approval_meanwhile(session, given):
        validated(session, given)
        with Session(engine) as other:
            other.execute(text("SET LOCAL lock_timeout = '1s'"))
            try:
                standards.approve_standard(other, other.scalar(select(User).where(User.username == "approver1")),
                                           standard_id)
                other.commit()
            except OperationalError:
                other.rollback()  # the revision holds the row: the approval waits for it
    monkeypatch.setattr(standards, "_validated", approval_meanwhile)
    revised = replace(suzhou(date(2027, 7, 1), "half_year", "苏工党〔2027〕30号"), issuer="改过的发文单位")
    with app.app_context(), Session(engine) as session:
        center = session.scalar(select(User).where(User.username == "center1"))
        try:
            standards.revise_draft(session, center, standard_id, revised)
            session.commit()
        except Conflict:
            session.rollback()
    with app.app_context(), Session(engine) as session:
        standard = session.get(FundStandard, standard_id)
        assert not (standard.status == StandardStatus.APPROVED and standard.issuer == "改过的发文单位")
