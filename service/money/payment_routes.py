"""API of payment batches, the bank's files, account verification and reconciliation: routes parse,
authorise, call and dump."""
import io

from flask import send_file
from flask.views import MethodView

from .. import db
from ..access import Action
from ..api import Blueprint
from ..people.auth import authenticate_blueprint, current_user
from ..services import services
from ..unit_of_work import run
from . import bank, batches, reconciliation, verification
from .payment_schemas import (BatchDetailSchema, BatchSchema, BuildArgs, BuildResultSchema, FileArgs, ImportSchema,
                      ReconcileArgs, ReconciliationSchema, ResultUploadSchema, VerificationArgs, VerificationSchema)

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="代发批次、银行文件、账户核实与对账")
authenticate_blueprint(blp, actions={
    **{(view, method): Action.MAKE_PAYMENTS for view, method in (
        ("PaymentBatches", "GET"), ("PaymentBatches", "POST"), ("PaymentBatchItem", "GET"),
        ("BatchApproval", "POST"), ("BatchCancellation", "POST"), ("BatchFile", "GET"), ("BatchResults", "POST"))},
    ("AccountVerifications", "POST"): Action.VERIFY_ACCOUNTS,
    ("Reconciliation", "GET"): Action.RECONCILE})


@blp.route("/payment-batches")
class PaymentBatches(MethodView):
    @blp.response(200, BatchSchema(many=True))
    def get(self):
        """Payment batches, newest first."""
        return batches.list_batches(db.session(), current_user())

    @blp.arguments(BuildArgs)
    @blp.response(201, BuildResultSchema)
    def post(self, args):
        """Build a draft batch from the instalments due by `due_through`; households left out, with why."""
        return run(batches.build_batch, current_user(), args["due_through"], args["programme"], args["note"])


@blp.route("/payment-batches/<id:batch_id>")
class PaymentBatchItem(MethodView):
    @blp.response(200, BatchDetailSchema)
    def get(self, batch_id):
        """One batch with its lines (account numbers masked)."""
        session = db.session()
        return {"batch": batches.get_batch(session, batch_id), "lines": batches.batch_lines(session, batch_id)}


@blp.route("/payment-batches/<id:batch_id>/approve")
class BatchApproval(MethodView):
    @blp.response(200, BatchSchema)
    def post(self, batch_id):
        """Approve (复核) a draft batch: a finance user other than its maker."""
        return run(batches.approve_batch, current_user(), batch_id)


@blp.route("/payment-batches/<id:batch_id>/cancel")
class BatchCancellation(MethodView):
    @blp.response(200, BatchSchema)
    def post(self, batch_id):
        """Cancel (作废) a draft batch: its instalments go into a later batch."""
        return run(batches.cancel_batch, current_user(), batch_id)


@blp.route("/payment-batches/<id:batch_id>/file")
class BatchFile(MethodView):
    @blp.arguments(FileArgs, location="query")
    @blp.response(200, content_type="application/octet-stream")
    def get(self, args, batch_id):
        """The approved batch's bank file in a bank's layout (xlsx or csv)."""
        exported = run(bank.export_batch, current_user(), batch_id, args["format"], args["layout"])
        return send_file(io.BytesIO(exported.content), mimetype=exported.mimetype, as_attachment=True,
                         download_name=exported.filename)


@blp.route("/payment-batches/<id:batch_id>/results")
class BatchResults(MethodView):
    @blp.arguments(ResultUploadSchema, location="multipart")
    @blp.response(200, ImportSchema)
    def post(self, args, batch_id):
        """Import the bank's result file: all of it or, with any problem, nothing (each problem listed)."""
        upload = args["file"]
        return run(bank.import_results, services(), current_user(), batch_id, upload.read(), upload.filename)


@blp.route("/account-verifications")
class AccountVerifications(MethodView):
    @blp.arguments(VerificationArgs)
    @blp.response(201, VerificationSchema)
    def post(self, args):
        """Record the centre's check of a worker's account after a failed transfer; the instalment is payable again."""
        return run(verification.verify_account, current_user(), verification.AccountCheck(**args))


@blp.route("/reconciliation")
class Reconciliation(MethodView):
    @blp.arguments(ReconcileArgs, location="query")
    @blp.response(200, ReconciliationSchema)
    def get(self, args):
        """Awarded = paid + pending + not yet due, for the awards approved in a period, with any difference."""
        return reconciliation.reconcile(db.session(), current_user(), args["date_from"], args["date_to"],
                                        args["programme"])
