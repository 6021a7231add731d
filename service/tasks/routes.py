from flask.views import MethodView

from .. import db
from ..api import Blueprint
from ..casework import commands, views
from ..errors import Conflict
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from .schemas import ReassignSchema, CompleteSchema, CompletionSchema, TaskDetailSchema, TaskPageSchema, TaskQuerySchema, TaskSchema

blp = Blueprint("tasks", __name__, url_prefix="/api/v1/tasks", description="待办任务")
authenticate_blueprint(blp)


@blp.route("")
class Tasks(MethodView):
    @blp.arguments(TaskQuerySchema, location="query")
    @blp.response(200, TaskPageSchema)
    def get(self, args):
        """The caller's inbox: open tasks of their role and organisation, unclaimed or claimed by them."""
        return views.inbox(db.session(), current_user(), args)


@blp.route("/<id:task_id>")
class TaskItem(MethodView):
    @blp.response(200, TaskDetailSchema)
    def get(self, task_id):
        """A task with its form schema, its current data and the case so far."""
        return views.task_detail(db.session(), services(), current_user(), task_id)


@blp.route("/<id:task_id>/claim")
class Claim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Claim a task so nobody else works on it."""
        return run(commands.claim_task, current_user(), task_id)


@blp.route("/<id:task_id>/unclaim")
class Unclaim(MethodView):
    @blp.response(200, TaskSchema)
    def post(self, task_id):
        """Give a claimed task back to the pool."""
        return run(commands.release_task, current_user(), task_id)


@blp.route("/<id:task_id>/complete")
class Complete(MethodView):
    @blp.arguments(CompleteSchema)
    @blp.response(200, CompletionSchema)
    def post(self, args, task_id):
        """Submit the task's form; the case moves on to its next tasks."""
        done = run(commands.complete_task, services(), current_user(), task_id, args["data"])
        if done.incident:  # committed: the case is set aside, the task stays open
            raise Conflict(commands.INCIDENT_MESSAGE, {"case": [done.incident]})
        return views.completion(done)


@blp.route("/<id:task_id>/reassign")
class Reassign(MethodView):
    @blp.arguments(ReassignSchema)
    @blp.response(200, TaskSchema)
    def post(self, args, task_id):
        """The centre head gives a claimed task to another user of its role (改派)."""
        return run(commands.reassign_task, current_user(), task_id, args["username"])
