from flask.views import MethodView
from flask_smorest import Blueprint

from .. import db
from ..cases.operations import case_detail
from ..cases.privacy import mask
from ..instances.store import run_command
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..views import View
from . import operations as ops
from .schemas import CompleteSchema, CompletionSchema, TaskDetailSchema, TaskPageSchema, TaskQuerySchema, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务")
authenticate_blueprint(blp)


def detail_view(session, user, task):
    instance, _, events = case_detail(session, services(), task.case)
    form = ops.task_form(session, task)
    masked = mask(instance.data, user.role)
    own = masked.get(task.spec_name) or {} if task.state == "open" else {}
    return View(task, form={"schema": form.schema if form else None, "ui_schema": form.ui_schema if form else None},
                data=own, context=masked, history=events)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, args):
        """The caller's inbox: open tasks of their role and organisation, unclaimed or claimed by them."""
        user = current_user()
        items, total, exact = ops.inbox(db.session(), user, args.get("mine"), args["page"], args["page_size"])
        return {"items": items, "total": total, "total_exact": exact, "page": args["page"],
                "page_size": args["page_size"]}


@blp.route("/<id:task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """A task with its form schema, its current data and the case so far."""
        user = current_user()
        session = db.session()
        return detail_view(session, user, ops.get_task(session, user, task_id))


@blp.route("/<id:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Claim a task so nobody else works on it."""
        task = ops.claim(db.session(), current_user(), task_id)
        db.commit()
        return task


@blp.route("/<id:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a claimed task back to the pool."""
        task = ops.unclaim(db.session(), current_user(), task_id)
        db.commit()
        return task


@blp.route("/<id:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteSchema)
    @blp.response(200, CompletionSchema)
    def post(self, args, task_id):
        """Submit the task's form; the case moves on to its next tasks."""
        user = current_user()
        done = run_command(lambda session: ops.complete(session, services(), user, task_id, args["data"]))
        return View(done.task, case=done.case, next_tasks=done.next_tasks)
