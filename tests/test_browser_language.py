"""Every page of every role speaks Chinese: each demo role signs in at 1280 px and on a 375 px phone and opens
every page it can reach (its start page, inbox, case list, dashboard, cases, every open task, the models,
modeler and form editor); no English word, field key, stored choice value or ISO date is in what it reads.
Each page is saved under test-artifacts/screenshots/ (all-<role>-<width>-<page>.png) to be looked at.
And the case page reads at both widths: the timeline never breaks a date or an action, the diagram opens
at a readable scale with the current step in view and zooms with its buttons."""
import re

import pytest

from sqlalchemy import select

from bangfu import clock, db
from bangfu.cases.models import Case
from bangfu.casework.commands import fire_timers
from bangfu.process_models.operations import deploy
from bangfu.resources import bundled_forms, bundled_models
from bangfu.services import services
from bangfu.unit_of_work import run_in
from bangfu.testing import PEOPLE
from browser_helpers import shot, sign_in

VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 800}}
ORDER = ["preliminary_review", "assign_third_party", "household_visit", "visit_oversight", "re_review",
         "public_notice", "open_file", "approval", "payment"]
# Words that are Chinese pages' own: names of formats and products, keys on a keyboard.
ALLOWED = {"BPMN", "Excel", "JSON", "CSV", "UTF", "UI", "Schema", "ID", "Ctrl"}
REFERENCE = re.compile(r"(?<![A-Za-z])[A-Z]{2,4}\d{6,}(?!\d)")  # case, file and bank references: BF2026000001
ID_NUMBER = re.compile(r"(?<![\d*])\d{4}[\d*]{13}[\dX](?![\dX])")  # whole or masked: 3205**********931X
KEYS = re.compile(r"Ctrl\+[A-Z]")  # keyboard shortcuts: Ctrl+Z
ISO_DATE = re.compile(r"(?<!\d)\d{4}-\d{2}-\d{2}(?!\d)")
ISO_MONTH = re.compile(r"(?<![\d-])\d{4}-(?:0[1-9]|1[0-2])(?![\d-])")  # 2026-10: 2026年10月
TYPING_EXAMPLE = re.compile(r"如 ?\d{4}-\d{2}")  # how a form asks a month to be typed: 如 2026-06
RAW_NUMBER = re.compile(r"(?<![\d,.])\d{4,}\.\d+")  # 12000.5: an amount without its thousands separator
OPEN_ALL = "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
# What the reader reads; for a designer, without the file names and model keys the modeler asks them to type
# (shown as <code>): those are identifiers, not words.
VISIBLE_TEXT = """(identifiers) => {
  if (identifiers) document.querySelectorAll('code').forEach((c) => c.remove());
  return document.body.innerText;
}"""


# The hints (placeholders) of a page's visible one-line inputs that do not fit their box: cut off, the reader
# sees 姓名、档案编号或完整身份 and not what to type.
CUT_HINTS = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('input[placeholder]')].filter((input) => input.offsetParent).filter((input) => {
    const style = getComputedStyle(input);
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return canvas.measureText(input.placeholder).width > room + 1;
  }).map((input) => input.placeholder);
}"""


# On a phone a table becomes cards, each value under its column's name in a 5.5em column (app.css): the names
# that do not fit it break (下次年度复 / 核).
CUT_LABELS = """() => {
  const canvas = document.createElement('canvas').getContext('2d');
  return [...document.querySelectorAll('.bf-cards td[data-label]')].filter((td) => td.offsetParent).filter((td) => {
    const style = getComputedStyle(td, '::before');
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    return canvas.measureText(td.dataset.label).width > parseFloat(style.width) + 1;
  }).map((td) => td.dataset.label);
}"""


# Buttons whose words cannot be read: text in the colour of the button itself (a form list's 删除 once read red on red).
UNREADABLE_BUTTONS = """() => [...document.querySelectorAll('button, [role=button], input[type=submit]')]
  .filter((b) => b.offsetParent && (b.innerText || b.value || '').trim()).filter((b) => {
    const style = getComputedStyle(b);
    return style.backgroundColor !== 'rgba(0, 0, 0, 0)' && style.color === style.backgroundColor;
  }).map((b) => (b.innerText || b.value).trim())"""


# What must never break across lines on a phone: a date (2026年12月6 / 日) wherever it is written, a conclusion
# (通 / 过), a tag.
WHOLE = "mark[class^='bf-decision-'], .bf-tag"
BROKEN = r"""(selector) => {
  const lines = (range) => new Set([...range.getClientRects()].filter((r) => r.width > 0)
    .map((r) => Math.round(r.top))).size;
  const broken = [...document.querySelectorAll(selector)].filter((e) => e.offsetParent).filter((e) => {
    const range = document.createRange();
    range.selectNodeContents(e);
    return lines(range) > 1;
  }).map((e) => e.textContent.trim());
  const walker = document.createTreeWalker(document.querySelector('main') || document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.offsetParent || getComputedStyle(node.parentElement).whiteSpace.startsWith('pre')) continue;
    for (const found of node.textContent.matchAll(/\d{4}年\d{1,2}月\d{1,2}日/g)) {
      const range = document.createRange();
      range.setStart(node, found.index);
      range.setEnd(node, found.index + found[0].length);
      if (lines(range) > 1) broken.push(found[0]);
    }
  }
  return broken;
}"""


def foreign(text, known_names=()):
    """What in a page's text is not Chinese for its reader: English words, ISO dates, raw amounts."""
    for name in known_names:
        text = text.replace(name, "")
    text = ID_NUMBER.sub("", REFERENCE.sub("", KEYS.sub("", text)))
    found = [w for w in re.findall(r"[A-Za-z][A-Za-z_]*", text) if w not in ALLOWED]
    return found + ISO_DATE.findall(text) + ISO_MONTH.findall(TYPING_EXAMPLE.sub("", text)) + RAW_NUMBER.findall(text)


@pytest.fixture
def cases(app, api, case_at, replies, clock):
    """A case open at every step (declaration to payment), one paid, one whose visit oversight found a problem,
    one whose notice had an objection, one returned to the union and one refused at the preliminary review;
    a household that left the register (已脱困) whose worker declared again (the re-entry); then two weeks and
    more pass: open steps are late, and the late visit has a 督办 for the centre head."""
    replies["assign_third_party"]["notes"] = "请重点核实医疗支出"
    replies["open_file"]["proposed_amount"] = replies["approval"]["approved_amount"] = 799.5
    found = {step: case_at(step) for step in ["declaration", *ORDER]}
    found["paid"] = case_at(None)
    found["notice_objection"] = case_at("notice_objection")
    api.complete(found["notice_objection"], "notice_objection", dict(replies["notice_objection"], decision="not_upheld",
                                                                     content="反映其有出租收入", finding="经核查不属实"))
    found["oversight_problem"] = case_at("visit_oversight")
    api.complete(found["oversight_problem"], "visit_oversight", {"decision": "return", "opinion": "走访人员不足两人签字"})
    found["returned"] = case_at("preliminary_review")
    api.complete(found["returned"], "preliminary_review", {"decision": "return", "opinion": "请补充诊断证明"})
    found["refused"] = case_at("preliminary_review")
    api.complete(found["refused"], "preliminary_review", {"decision": "reject", "opinion": "不符合条件"})
    exited = case_at(None)
    _exit(app, api.case(exited)["household_id"])
    found["reentry"] = api.start()["id"]
    api.complete(found["reentry"], "declaration", api.case(exited, "center1")["data"]["declaration"])
    found["exited"] = exited
    found.update(review_cases(api, found))
    clock.advance(days=15)
    run_in(app, lambda session: fire_timers(session, services(), found["household_visit"]))
    return found


def _exit(app, household_id):
    from bangfu.db import utcnow
    from bangfu.households import register
    from bangfu.households.models import Household
    from bangfu.people.models import User
    from bangfu.unit_of_work import run_in
    from sqlalchemy import select

    def command(session):
        center = session.scalar(select(User).where(User.username == "center1"))
        register.exit_household(session, session.get(Household, household_id), "out_of_hardship", center, utcnow())
    run_in(app, command)


def review_cases(api, found):
    """The annual review of the filed households: one at its conclusion (with the 脱困 suggestion), one at a
    third party's visit, and an exit awaiting approval."""
    from test_annual_review import last_months, visit
    run_in(api.app, lambda session: [deploy(session, services(), (bundled_models() / name).read_bytes())
                                     for name in ("annual_review.bpmn", "household_exit.bpmn")])
    year = clock.today().year
    api.post("/api/v1/annual-reviews", "center1", json={"year": year})
    with api.app.app_context():
        household = {name: db.session().get(Case, found[name]).household_id for name in ("paid", "payment", "approval")}
        reviews = dict(db.session().execute(select(Case.household_id, Case.id).where(Case.review_year == year)).all())
    conclusion, visiting = reviews[household["paid"]], reviews[household["payment"]]
    api.complete(conclusion, "assign_review_visit", {"visit_by": "center"})
    api.complete(conclusion, "review_visit_center", visit([(m, 3650.5) for m in last_months(4)]))
    api.complete(visiting, "assign_review_visit", {"visit_by": "third_party", "third_party_org": "TP-SUNSHINE"})
    leaving = api.post(f"/api/v1/households/{household['approval']}/exit", "center1").get_json()["id"]
    api.complete(leaving, "exit_request", {"exit_reason": "other", "exit_reason_text": "家庭整体迁往外省",
                                           "opinion": "已迁出本市"})
    return {"review_conclusion": conclusion, "review_visit": visiting, "exit": leaving}


def pages_of(api, username, cases):
    """(name, path) of every page the user can reach, in the order a user would find them."""
    role = PEOPLE[username][0]
    found = [("start", "/"), ("inbox", "/inbox")]
    if role == "designer":
        found.append(("messages", "/messages"))
        found += [("models", "/models"), ("modeler", "/models/hardship_assistance/edit")]
        found += [(f"form-{p.name.split('.')[0]}", f"/forms/{p.name}") for p in sorted(bundled_forms().iterdir())
                  if p.name.endswith(".schema.json")]
        return found
    found.append(("messages", "/messages"))
    if role in ("assistance_center", "supervisor", "centre_head"):
        found.append(("supervision", "/supervision"))
    if role == "centre_head":
        found.append(("incidents", "/incidents"))
    found += [("cases", "/cases"), ("dashboard", "/dashboard"), ("annual-reviews", "/annual-reviews")]
    if role in ("assistance_center", "supervisor"):
        found += [("calendar", "/calendar"), ("notices", "/notices")]
    if role == "centre_head":
        found += [("people", "/people"), ("people-deactivate", "/people/finance2/deactivate")]
    if role == "grassroots_union":
        found.append(("declare", "/cases/new"))
    if api.get("/api/v1/households", username).status_code == 200:
        found.append(("households", "/households"))
        for name in ("paid", "refused", "exited", "reentry"):
            household_id = api.case(cases[name])["household_id"]
            if api.get(f"/api/v1/households/{household_id}", username).status_code == 200:
                found.append((f"household-{name}", f"/households/{household_id}"))
    if api.get(f"/api/v1/reports/money?year={clock.today().year}", username).status_code == 200:
        found.append(("money-report", "/reports/money"))
    for name, case_id in cases.items():
        case = api.case(case_id, username)
        if "id" not in case:
            continue  # not this user's to read
        if name in ("paid", "oversight_problem", "returned", "refused", "public_notice", "notice_objection", "exit"):
            found.append((f"case-{name}", f"/cases/{case_id}"))
        for task in case["open_tasks"]:
            suffix = "" if name == task["name"] else f"-{name}"
            found.append((f"task-{task['name']}{suffix}", f"/tasks/{task['id']}"))
    return list(dict.fromkeys(found))


def test_the_sign_in_page_is_chinese(browser, server):
    page = browser.new_page(viewport=VIEWPORTS["phone"])
    page.goto(f"{server}/login")
    shot(page, "all-login-phone")
    assert foreign(page.inner_text("body")) == []
    page.close()


@pytest.mark.parametrize("username", [u for u in PEOPLE if u not in ("union2", "thirdparty2")])
def test_no_english_key_value_or_iso_date_reaches_any_page_of_the_role(browser, server, api, cases, username):
    known = sorted(PEOPLE, key=len, reverse=True)  # the test users' display names are their usernames
    designer = PEOPLE[username][0] == "designer"
    targets = pages_of(api, username, cases)
    problems = {}
    for size, viewport in VIEWPORTS.items():
        page = sign_in(browser, server, username, viewport)
        for name, path in targets:
            response = page.goto(f"{server}{path}")
            _wait_for_widgets(page)
            page.evaluate(OPEN_ALL)
            shot(page, f"all-{username}-{size}-{name}")
            where = f"{size} {name} {path} ({response.status})"
            problems[where] = foreign(page.evaluate(VISIBLE_TEXT, designer), known)
            if response.status >= 400:
                problems[where].append(f"HTTP {response.status}")
            problems[where] += [f"按钮文字与底色相同：{text}" for text in sorted(set(page.evaluate(UNREADABLE_BUTTONS)))]
            if size == "phone":
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                if overflow > 1:
                    problems[where].append(f"页面横向溢出 {overflow}px")
                problems[where] += [f"提示文字被截断：{hint}" for hint in page.evaluate(CUT_HINTS)]
                problems[where] += [f"卡片栏名折行：{label}" for label in sorted(set(page.evaluate(CUT_LABELS)))]
                problems[where] += [f"折行：{text}" for text in sorted(set(page.evaluate(BROKEN, WHOLE)))]
        page.context.close()
    found = {where: words for where, words in problems.items() if words}
    assert found == {}, "\n".join(f"{where}: {sorted(set(words))}" for where, words in found.items())


def _wait_for_widgets(page):
    """Diagrams, forms and charts draw after load; wait until each says it is ready (or failed)."""
    page.wait_for_load_state("load")
    page.wait_for_function("""() => [...document.querySelectorAll(
        '[data-bpmn-viewer], [data-bpmn-modeler], [data-jsonschema-form], [data-chart], [data-form-editor]')]
        .every((e) => e.dataset.bfReady === '1' || e.dataset.bfReady === 'error')""", timeout=15000)


def test_the_timeline_keeps_dates_and_actions_whole_and_the_diagram_opens_readable(browser, server, case_at):
    case_id = case_at("re_review")
    for size, viewport in VIEWPORTS.items():
        page = sign_in(browser, server, "center1", viewport)
        page.goto(f"{server}/cases/{case_id}")
        _wait_for_widgets(page)
        broken = page.evaluate("""() => [...document.querySelectorAll('.bf-timeline td:not(.bf-timeline-opinion)')]
            .filter((td) => td.textContent.trim()).filter((td) => {
              const range = document.createRange();
              range.selectNodeContents(td);
              return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size > 1;
            }).map((td) => td.textContent.trim())""")
        assert broken == [], f"{size}: {broken}"
        scale = "() => document.querySelector('[data-bpmn-viewer]').bangfu.viewer.get('canvas').zoom()"
        opened = page.evaluate(scale)
        assert opened >= 0.7, f"{size}: the diagram opens at {opened:.2f}, too small to read"
        current = page.locator(".djs-element.bf-current[data-element-id='re_review']")
        box, view = current.bounding_box(), page.locator(".bf-bpmn").bounding_box()
        assert view["x"] <= box["x"] and box["x"] + box["width"] <= view["x"] + view["width"], size
        page.get_by_role("button", name="放大").click()
        assert page.evaluate(scale) > opened
        page.get_by_role("button", name="显示整个流程图").click()
        assert page.evaluate(scale) < opened
        shot(page, f"case-diagram-zoom-{size}")
        page.context.close()
