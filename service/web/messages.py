"""消息 for every user (with the unread count in the navigation bar) and the centre's 督办 list of late tasks."""
from flask import abort, flash, redirect, render_template, url_for
from marshmallow import fields, validate
from sqlalchemy import select

from .. import clock, db
from ..access import Action, ensure, may
from ..api.schema import Schema
from ..casework import supervision
from ..messages import operations as messages
from ..messages.schemas import MessageQuerySchema
from ..people.models import Organisation
from ..process_models.operations import process_steps
from ..unit_of_work import run
from . import page_args, pages
from .auth import login_required, page_user


class OverdueQuerySchema(Schema):
    step = fields.String(validate=validate.Length(max=100))
    organisation = fields.String(validate=validate.Length(max=64))
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@pages.app_context_processor
def _navigation():
    user = page_user()
    if user is None:
        return {}

    def unread():  # counted only when the page draws the navigation bar
        count = messages.unread_count(db.session(), user, clock.now())
        return f"{messages.UNREAD_LIMIT}+" if count > messages.UNREAD_LIMIT else count
    return {"unread_messages": unread, "may_supervise": may(user, Action.SUPERVISE_OVERDUE),
            "may_handle_incidents": may(user, Action.HANDLE_INCIDENTS)}


@pages.get("/messages")
@login_required
def messages_page():
    user = page_user()
    args = page_args(MessageQuerySchema())
    listing = messages.messages(db.session(), user, clock.now(), args)
    return render_template("messages.html", listing=listing, args=args)


@pages.get("/messages/<message_id>")
@login_required
def open_message(message_id):
    """Opening a message marks it read and goes to its task."""
    match = messages.MESSAGE_ID.match(message_id)
    if not match:
        abort(404)
    run(messages.mark, page_user(), clock.now(), [message_id], False)
    return redirect(url_for("pages.task_page", task_id=int(match.group(2))))


@pages.post("/messages/read")
@login_required
def read_all_messages():
    done = run(messages.mark, page_user(), clock.now(), None, True)
    flash(f"已将 {done['marked']} 条消息标为已读" if done["marked"] else "没有未读消息", "success")
    return redirect(url_for("pages.messages_page"))


@pages.get("/supervision")
@login_required
def supervision_page():
    """督办: every late task across organisations, for the centre, the supervisors and the centre head."""
    user = ensure(page_user(), Action.SUPERVISE_OVERDUE)
    session = db.session()
    args = page_args(OverdueQuerySchema())
    now = clock.now()
    items, total = supervision.overdue_tasks(session, user, now, args.get("step"), args.get("organisation"),
                                             args["page"], args["page_size"])
    organisations = session.scalars(select(Organisation).order_by(Organisation.kind, Organisation.code)).all()
    return render_template("supervision.html", tasks=items, total=total, args=args,
                           holders=supervision.holders(session, items),
                           late={t.id: supervision.days_late(t, now) for t in items},
                           steps=process_steps(session), organisations=organisations)
