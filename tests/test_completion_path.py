"""The database work of a task completion: what it writes, and that the audit log still sees all of it."""
import json

from sqlalchemy import event, select

from bangfu import db
from bangfu.audit.models import AuditEntry
from bangfu.demo import declaration


def statements_of(app, work):
    sent = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append(" ".join(statement.split()))
    engine = db.engine_of(app)
    event.listen(engine, "before_cursor_execute", seen)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return sent


def last_entry(app, action):
    with db.engine_of(app).connect() as conn:
        return conn.execute(select(AuditEntry.__table__).where(AuditEntry.action == action)
                            .order_by(AuditEntry.seq.desc()).limit(1)).one()


def test_a_completion_writes_its_task_row_once_and_its_audit_entry_still_names_the_row_and_step(api, app, rng):
    case = api.start("union1")
    sent = statements_of(app, lambda: api.complete(case["id"], "declaration", declaration(rng)))
    task_updates = [s for s in sent if s.upper().startswith("UPDATE HUMAN_TASKS")]
    assert len(task_updates) == 1, task_updates  # the claim's conditional UPDATE marks it completed too
    assert "STATE" in task_updates[0].upper() and "COMPLETED_BY_ID" in task_updates[0].upper()
    assert not [s for s in sent if s.upper().startswith("SELECT") and "FROM TIMERS" in s.upper()], \
        "a case waiting on no timer drops its row unread"
    detail = json.loads(last_entry(app, "casework.commands.complete_task").detail)
    assert "declaration" in detail["steps"] and "申报" in detail["step_titles"]
    # the claim (a statement of its own), the completed row and the next step's new row
    assert detail["rows"]["human_tasks"] == 3 and "timers" not in detail["rows"]
    after = api.case(case["id"])
    assert [t["name"] for t in after["open_tasks"]] == ["preliminary_review"]
    assert [e["action"] for e in after["history"]] == ["started", "completed"]


def test_a_completion_that_leaves_no_timer_pending_drops_the_timer_row_and_its_entry_counts_it(api, app):
    from bangfu.scheduler.models import Timer
    from test_timer_paths import deploy, start
    deploy(api, "timer_boundary.bpmn", CANCEL="true", TIMER="<bpmn:timeDuration>P3D</bpmn:timeDuration>")
    case_id = start(api, "timer_boundary")

    def timer_rows():
        with db.engine_of(app).connect() as conn:
            return conn.execute(select(Timer.case_id).where(Timer.case_id == case_id)).all()
    assert len(timer_rows()) == 1, "the task's boundary timer waits"
    sent = statements_of(app, lambda: api.complete(case_id, "handle", {"decision": "approve"}))
    assert timer_rows() == []
    assert [s for s in sent if s.upper().startswith("DELETE FROM TIMERS")]
    assert not [s for s in sent if s.upper().startswith("SELECT") and "FROM TIMERS" in s.upper()]
    detail = json.loads(last_entry(app, "casework.commands.complete_task").detail)
    assert detail["rows"]["timers"] == 1 and case_id in detail["subjects"]["case"]
