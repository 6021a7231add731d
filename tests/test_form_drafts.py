"""Form drafts in the database: the form editor saves a new revision with its author and time (every save kept),
refuses a save made on an older revision naming who saved since, writes no file, and a deployment snapshots the
drafts as they stand."""
import json

from sqlalchemy import select

from bangfu import db
from bangfu.forms.models import FormDraft
from bangfu.people.operations import create_user
from bangfu.process_models.models import ProcessModel, ProcessModelVersion
from bangfu.resources import bundled_forms
from bangfu.unit_of_work import run_in
from conftest import INSTANCE_DIR
from test_pages import Browser, widget
from test_process_models import script_model, upload

FORM = "preliminary_review.schema.json"


def bundled():
    return json.loads((bundled_forms() / FORM).read_text(encoding="utf-8"))


def retitled(title):
    schema = bundled()
    schema["properties"]["opinion"]["title"] = title
    return json.dumps(schema, ensure_ascii=False)


def open_form(browser):
    page = browser.get(f"/forms/{FORM}").get_data(as_text=True)
    return page, int(__import__("re").search(r'name="based_on" value="(\d+)"', page).group(1))


def save(browser, title, based_on):
    return browser.post(f"/forms/{FORM}", {"schema": retitled(title), "ui_schema": "{}", "based_on": based_on})


def drafts(app):
    with app.app_context():
        return [(row.revision, row.saved_by.username, json.loads(row.schema_text)["properties"]["opinion"]["title"])
                for row in db.session().scalars(select(FormDraft).where(FormDraft.name == FORM)
                                                .order_by(FormDraft.revision))]


def deployed_title(app, key="script_check"):
    with app.app_context():
        version = db.session().scalars(select(ProcessModelVersion).join(ProcessModel).where(ProcessModel.key == key)
                                       .order_by(ProcessModelVersion.version.desc())).first()
        return json.loads(version.forms_json)[FORM]["properties"]["opinion"]["title"]


def test_a_save_is_a_new_revision_in_the_database_and_no_file_is_written(app):
    designer = Browser(app, "designer1")
    page, based_on = open_form(designer)
    assert based_on == 0 and "系统内置版本" in page
    response = save(designer, "初审意见（第一次修改）", based_on)
    assert response.status_code == 302
    assert "已保存 preliminary_review.schema.json 第 1 版" in designer.get(response.headers["Location"]).get_data(
        as_text=True)
    page, based_on = open_form(designer)
    assert based_on == 1 and "初审意见（第一次修改）" in widget(page, "form-editor")["schemaText"]
    assert save(designer, "初审意见（第二次修改）", based_on).status_code == 302
    assert drafts(app) == [(1, "designer1", "初审意见（第一次修改）"), (2, "designer1", "初审意见（第二次修改）")]
    assert "保存记录" in open_form(designer)[0]
    assert not (INSTANCE_DIR / "forms" / FORM).exists()
    assert bundled()["properties"]["opinion"]["title"] != "初审意见（第二次修改）"


def test_a_save_on_an_older_revision_is_refused_naming_who_saved_since(app):
    run_in(app, create_user, "designer2", "designer", "ZJG-CENTER", "designer2-secret", display_name="李设计",
           hash_profile="fast")
    first, second = Browser(app, "designer1"), Browser(app, "designer2")
    _, first_based_on = open_form(first)
    _, second_based_on = open_form(second)
    assert save(second, "李设计的修改", second_based_on).status_code == 302

    refused = save(first, "覆盖别人的修改", first_based_on)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "李设计" in page and "本次未保存" in page
    assert "覆盖别人的修改" in widget(page, "form-editor")["schemaText"], "what was typed is kept"
    assert drafts(app) == [(1, "designer2", "李设计的修改")]

    _, based_on = open_form(first)
    assert based_on == 1 and save(first, "在最新版上修改", based_on).status_code == 302
    assert [row[:2] for row in drafts(app)] == [(1, "designer2"), (2, "designer1")]


def test_a_stale_save_links_to_the_newest_revision_and_keeps_what_was_typed(app):
    """The 409 page said 请重新打开后再修改 and nothing more: saving again was refused again, and reopening lost the
    text. It links to the newest revision (a new tab, this page and its text stay), which opens on that revision."""
    import re
    run_in(app, create_user, "designer2", "designer", "ZJG-CENTER", "designer2-secret", display_name="李设计",
           hash_profile="fast")
    first, second = Browser(app, "designer1"), Browser(app, "designer2")
    _, stale = open_form(first)
    assert save(second, "李设计的修改", open_form(second)[1]).status_code == 302

    refused = save(first, "我未保存的修改", stale)
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)"[^>]*>在新窗口打开最新版（第 1 版，李设计 保存）</a>', page)
    assert link, page
    assert 'target="_blank"' in link.group(0)
    assert "我未保存的修改" in widget(page, "form-editor")["schemaText"]
    assert "下方编辑区仍是您未保存的内容" in page
    newest = first.get(link.group(1)).get_data(as_text=True)
    based_on = int(re.search(r'name="based_on" value="(\d+)"', newest).group(1))
    assert based_on == 1 and "李设计的修改" in widget(newest, "form-editor")["schemaText"]
    assert save(first, "我未保存的修改", based_on).status_code == 302
    assert drafts(app)[-1] == (2, "designer1", "我未保存的修改")


def test_deploying_snapshots_the_drafts_as_they_stand(app, api):
    designer = Browser(app, "designer1")
    assert upload(api, script_model()).status_code == 201
    assert deployed_title(app) == bundled()["properties"]["opinion"]["title"]
    assert save(designer, "部署前的修改", 0).status_code == 302
    assert deployed_title(app) != "部署前的修改", "a running model keeps its snapshot"
    assert upload(api, script_model(), comment="使用新表单").status_code == 201
    assert deployed_title(app) == "部署前的修改"
    assert save(designer, "部署后的修改", 1).status_code == 302
    assert deployed_title(app) == "部署前的修改"


def test_the_modeler_lists_a_form_by_its_drafted_title(app):
    designer = Browser(app, "designer1")
    schema = bundled()
    schema["title"] = "基层初审（新）"
    response = designer.post(f"/forms/{FORM}", {"schema": json.dumps(schema, ensure_ascii=False), "ui_schema": "{}",
                                                "based_on": 0})
    assert response.status_code == 302
    assert widget(designer.get("/models/hardship_assistance/edit").get_data(as_text=True),
                  "modeler")["formTitles"][FORM] == "基层初审（新）"


def test_two_saves_of_one_revision_at_once_keep_the_first(app, monkeypatch):
    """The other save commits between this one's check and its insert: the unique revision refuses the second."""
    from bangfu.forms.library import Drafts
    run_in(app, create_user, "designer2", "designer", "ZJG-CENTER", "designer2-secret", display_name="李设计",
           hash_profile="fast")
    assert save(Browser(app, "designer2"), "先到的修改", 0).status_code == 302
    monkeypatch.setattr(Drafts, "newest_revision", lambda self, name: 0)  # as read before the other commit
    refused = save(Browser(app, "designer1"), "后到的修改", 0)
    assert refused.status_code == 409 and "李设计" in refused.get_data(as_text=True)
    assert drafts(app) == [(1, "designer2", "先到的修改")]


def referring(ref):
    schema = bundled()
    schema["properties"]["opinion"] = {"$ref": ref}
    return json.dumps(schema)


def test_a_form_referring_outside_itself_is_refused_and_never_read(app):
    """jsonschema would fetch `$ref: file:///...` or `http://...` when a user's answer is checked; the editor
    refuses such a reference (and one pointing nowhere in the form), naming where it is, and saves nothing."""
    designer = Browser(app, "designer1")
    for ref, reason in (("file:///etc/passwd", "不能引用外部文件或网址"), ("http://127.0.0.1:1/x.json", "不能引用外部文件或网址"),
                        ("#/definitions/nothing", "指向的定义在本文档中不存在")):
        refused = designer.post(f"/forms/{FORM}", {"schema": referring(ref), "ui_schema": "{}", "based_on": 0})
        assert refused.status_code == 422
        assert "properties → opinion 的 $ref" in refused.get_data(as_text=True) and reason in refused.get_data(as_text=True)
    assert drafts(app) == []
    schema = bundled()
    schema["definitions"] = {"opinion": {"type": "string", "title": "引用的意见"}}
    schema["properties"]["opinion"] = {"$ref": "#/definitions/opinion"}
    assert designer.post(f"/forms/{FORM}", {"schema": json.dumps(schema, ensure_ascii=False), "ui_schema": "{}",
                                            "based_on": 0}).status_code == 302


def test_a_deployed_form_referring_outside_itself_is_a_conflict_on_completion_not_a_read(app, api, monkeypatch):
    """A version stored before references were checked: completing its step reads no file and answers 409."""
    import urllib.request
    opened = []
    monkeypatch.setattr(urllib.request, "urlopen", lambda *args, **kwargs: opened.append(args) or 1 / 0)
    assert upload(api, script_model()).status_code == 201

    def plant(session):
        version = session.scalars(select(ProcessModelVersion).order_by(ProcessModelVersion.id.desc())).first()
        forms = json.loads(version.forms_json)
        forms[FORM]["properties"]["opinion"] = {"$ref": "file:///etc/passwd"}
        version.forms_json = json.dumps(forms)
        version.checksum = "planted"
    run_in(app, plant)
    case_id = api.post("/api/v1/cases", "union1", json={"process": "script_check"}).get_json()["id"]
    task = api.open_task(case_id, "review")
    done = api.post(f"/api/v1/tasks/{task['id']}/complete", "union1",
                    json={"data": {"decision": "return", "opinion": "补充材料"}})
    assert done.status_code == 409 and "表单定义" in done.get_json()["error"]["message"]
    assert opened == [] and api.case(case_id)["status"] == "active"


def test_a_form_larger_than_256_kb_is_refused_and_nothing_is_saved(app):
    """A 6.7 MB schema was saved, copied into every version deployed after it and sent with each of its tasks."""
    schema = bundled()
    schema["properties"].update({f"field_{i}": {"type": "string", "title": "x" * 100} for i in range(3000)})
    refused = Browser(app, "designer1").post(f"/forms/{FORM}", {"schema": json.dumps(schema), "ui_schema": "{}",
                                                                "based_on": 0})
    assert refused.status_code == 422
    assert "表单文件过大：不能超过 256 KB" in refused.get_data(as_text=True)
    assert drafts(app) == []


def test_a_ui_schema_that_is_not_an_object_is_refused(app):
    """The task page hands it to the form renderer as its uiSchema object; 5, [1, 2] or null were saved."""
    designer = Browser(app, "designer1")
    for ui in ("5", "[1, 2]", '"x"', "null"):
        refused = designer.post(f"/forms/{FORM}", {"schema": json.dumps(bundled()), "ui_schema": ui, "based_on": 0})
        assert refused.status_code == 422 and "界面配置应为 JSON 对象" in refused.get_data(as_text=True)
    assert drafts(app) == []


def test_a_save_based_on_a_revision_that_never_was_is_refused_as_such(app):
    """A mangled page's based_on (5 while the form has no draft, -1, 2**70) was told 已由 其他人 保存过（现为第 ? 版）,
    and on PostgreSQL 2**70 was the generic 输入包含无法保存的字符."""
    designer = Browser(app, "designer1")
    for based_on in (5, -1, 2 ** 70):
        refused = designer.post(f"/forms/{FORM}", {"schema": retitled("修改"), "ui_schema": "{}", "based_on": based_on})
        assert refused.status_code == 422
        assert f"所依据的版本不存在（表单 {FORM} 现为第 0 版）" in refused.get_data(as_text=True)
    assert drafts(app) == []


def test_a_pattern_some_answers_would_take_for_ever_to_check_is_refused(app):
    """`^(\\w+\\s?)+$` (a name of words) saved, and one answer of 40 letters and a full stop held a request for
    minutes while Python's re backtracked; the same with `(a+)+`. Patterns whose repeats cannot split a text in
    many ways are kept."""
    designer = Browser(app, "designer1")

    def with_pattern(pattern):
        schema = bundled()
        schema["properties"]["opinion"]["pattern"] = pattern
        return json.dumps(schema, ensure_ascii=False)
    for pattern in (r"^(\w+\s?)+$", r"^(a+)+$", r"^(.*,)*$", r"^(a|aa)+$"):
        refused = designer.post(f"/forms/{FORM}", {"schema": with_pattern(pattern), "ui_schema": "{}", "based_on": 0})
        assert refused.status_code == 422, pattern
        assert "properties → opinion 的正则表达式在重复的部分里又有可变长的重复" in refused.get_data(as_text=True)
    assert drafts(app) == []
    kept = designer.post(f"/forms/{FORM}", {"schema": with_pattern(r"^\w+(\s\w+)*$"), "ui_schema": "{}", "based_on": 0})
    assert kept.status_code == 302
