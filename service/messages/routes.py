from flask.views import MethodView

from .. import db
from ..api import Blueprint
from ..clock import now
from ..errors import ValidationFailed
from ..people.auth import authenticate_blueprint, current_user
from ..unit_of_work import run
from . import operations
from .schemas import MarkedSchema, MarkReadSchema, MessagePageSchema, MessageQuerySchema

blp = Blueprint("messages", __name__, url_prefix="/api/v1/messages", description="消息")
authenticate_blueprint(blp)


@blp.route("")
class Messages(MethodView):
    @blp.arguments(MessageQuerySchema, location="query")
    @blp.response(200, MessagePageSchema)
    def get(self, args):
        """The caller's messages, newest first: tasks that arrived for them, cases returned to them and their
        overdue tasks; `unread` counts the unread ones."""
        return operations.messages(db.session(), current_user(), now(), args)


@blp.route("/read")
class MarkRead(MethodView):
    @blp.arguments(MarkReadSchema)
    @blp.response(200, MarkedSchema)
    def post(self, args):
        """Mark messages read: those named in `ids`, or all of them with `"all": true`."""
        if not args["all"] and not args.get("ids"):
            raise ValidationFailed("请指定要标为已读的消息", {"ids": ["请给出消息编号，或以 all 标记全部"]})
        return run(operations.mark, current_user(), now(), args.get("ids"), args["all"])
