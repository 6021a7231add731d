"""Escalation (督办): a visit still open at the end of its 走访完成期限 day starts a 督办 task for the centre
head through the model's non-interrupting boundary timer; the visit stays open; the head's instruction is kept in
the case's history. Time moves with the settable clock; `fire_timers` is what the scheduler calls."""
from datetime import timedelta

import pytest

from bangfu.casework.commands import fire_timers
from bangfu.services import services
from bangfu.testing import pay_case_through_batch
from bangfu.unit_of_work import run_in


def fire(app, case_id):
    run_in(app, lambda session: fire_timers(session, services(), case_id))


@pytest.fixture
def visiting(api, clock, household, replies):
    """A case whose visit the centre assigned today, due in 3 days."""
    replies["assign_third_party"]["visit_due_date"] = (clock.today() + timedelta(days=3)).isoformat()
    case_id = api.start()["id"]
    api.complete(case_id, "declaration", household)
    api.complete(case_id, "preliminary_review", replies["preliminary_review"])
    api.complete(case_id, "assign_third_party", replies["assign_third_party"])
    return case_id


def open_names(api, case_id):
    return sorted(t["name"] for t in api.case(case_id)["open_tasks"])


def test_a_boundary_timer_escalates_an_overdue_visit(app, api, clock, visiting):
    # The last day of the deadline still belongs to the visit: nothing fires.
    clock.advance(days=3)
    fire(app, visiting)
    assert "supervise_visit" not in open_names(api, visiting)

    clock.advance(days=1)  # the next morning the visit is late
    fire(app, visiting)
    assert open_names(api, visiting) == ["household_visit", "supervise_visit", "visit_oversight"]
    supervise = api.open_task(visiting, "supervise_visit")
    assert supervise["title"] == "督办" and supervise["role"] == "centre_head"
    fired = [e for e in api.case(visiting)["history"] if e["action"] == "timer_fired"]
    assert [(e["action_label"], e["task_title"], e["actor_name"]) for e in fired] == [("定时器触发", "走访逾期", "系统")]

    # It is in the centre head's inbox, and in nobody else's.
    inbox = api.get("/api/v1/tasks", "head1").get_json()
    assert [(t["name"], t["case_id"]) for t in inbox["items"]] == [("supervise_visit", visiting)]
    assert all(t["name"] != "supervise_visit" for t in api.get("/api/v1/tasks", "center1").get_json()["items"])

    # A new deadline in the past is refused, naming the field.
    past = (clock.today() - timedelta(days=1)).isoformat()
    refused = api.post(f"/api/v1/tasks/{supervise['id']}/complete", "head1",
                       json={"data": {"opinion": "请三日内完成走访", "new_visit_due_date": past}})
    assert refused.status_code == 422
    assert "data.new_visit_due_date" in refused.get_json()["error"]["fields"]

    new_due = (clock.today() + timedelta(days=3)).isoformat()
    api.complete(visiting, "supervise_visit", {"opinion": "请三日内完成走访", "new_visit_due_date": new_due},
                 user="head1")
    case = api.case(visiting)
    assert sorted(t["name"] for t in case["open_tasks"]) == ["household_visit", "visit_oversight"]
    visit = api.get(f"/api/v1/tasks/{api.open_task(visiting, 'household_visit')['id']}", "thirdparty1").get_json()
    assert not visit["overdue"] and visit["due_at"].startswith(new_due)  # it now runs to the head's new deadline
    history = api.case(visiting, "center1")["history"]
    done = [e for e in history if e["action"] == "completed" and e["task"] == "supervise_visit"]
    assert len(done) == 1 and done[0]["opinion"] == "请三日内完成走访" and done[0]["actor"] == "head1"

    # The escalation fires once: the case goes on as usual afterwards.
    clock.advance(days=10)
    fire(app, visiting)
    assert "supervise_visit" not in open_names(api, visiting)


def test_a_visit_done_on_time_never_escalates(app, api, clock, visiting, replies):
    clock.advance(days=2)
    api.complete(visiting, "household_visit", replies["household_visit"])
    clock.advance(days=30)
    fire(app, visiting)
    assert open_names(api, visiting) == ["visit_oversight"]
    assert api.get("/api/v1/tasks", "head1").get_json()["items"] == []


def test_the_head_s_instruction_is_hidden_from_roles_without_the_circumstances(app, api, clock, visiting):
    clock.advance(days=4)
    fire(app, visiting)
    api.complete(visiting, "supervise_visit", {"opinion": "配偶病情加重，请优先走访"}, user="head1")
    finance = api.case(visiting, "finance1")
    done = [e for e in finance["history"] if e["task"] == "supervise_visit" and e["action"] == "completed"]
    assert done and "配偶" not in str(done[0]["opinion"])


def test_a_case_escalated_and_paid_ends_paid(app, api, clock, visiting, replies):
    """The 督办's own end is a side path: the case's outcome is still its payment."""
    clock.advance(days=4)
    fire(app, visiting)
    for name in ["household_visit", "visit_oversight", "re_review", "public_notice", "open_file", "approval",
                 "payment"]:
        if name == "public_notice":
            replies[name]["notice_start"] = (clock.today() - timedelta(days=7)).isoformat()
            replies[name]["notice_end"] = (clock.today() - timedelta(days=1)).isoformat()
        if name == "payment":  # the bank pays it
            pay_case_through_batch(app, visiting)
            continue
        api.complete(visiting, name, replies[name])
    assert open_names(api, visiting) == ["supervise_visit"]
    api.complete(visiting, "supervise_visit", {"opinion": "已办结"}, user="head1")
    case = api.case(visiting)
    assert case["status"] == "paid", case["status"]


def test_the_centre_head_works_the_lane_named_for_it_and_belongs_to_the_centre(app):
    from bangfu.errors import ValidationFailed
    from bangfu.people.operations import create_user
    from bangfu.people.roles import Role, role_for_lane
    assert role_for_lane("中心负责人") is Role.CENTRE_HEAD and role_for_lane("centre_head") is Role.CENTRE_HEAD
    with pytest.raises(ValidationFailed) as refused:
        run_in(app, create_user, "head2", "centre_head", "U-STEEL", "head2-secret", hash_profile="fast")
    assert refused.value.fields == {"org": ["中心负责人须属于职工援助服务中心类机构"]}


def test_every_element_of_the_bundled_model_is_drawn_in_its_diagram():
    """The case page's viewer draws what the diagram places: a new lane, timer or task without a shape
    would be missing from it."""
    from lxml import etree

    from bangfu.testing import HARDSHIP_BPMN
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
    root = etree.parse(str(HARDSHIP_BPMN)).getroot()
    process = root.find("bpmn:process", ns)
    elements = {node.get("id") for node in process if node.get("id") and etree.QName(node).localname not in (
        "laneSet", "documentation", "extensionElements")}
    elements |= {lane.get("id") for lane in process.iterfind(".//bpmn:lane", ns)}
    drawn = {node.get("bpmnElement") for node in root.iterfind(".//bpmndi:BPMNShape", ns)} | \
        {node.get("bpmnElement") for node in root.iterfind(".//bpmndi:BPMNEdge", ns)}
    assert elements - drawn == set()
    assert {"visit_overdue", "supervise_visit", "lane_centre_head"} <= drawn
