"""Finance's pages for payment batches (代发批次: list and build, one batch with its lines, approve, cancel,
export, upload the bank's result) and reconciliation (对账); the centre's list of failed transfers waiting
for the worker's account to be verified (代发失败待核实). The same operations as the API."""
import io
from datetime import date

from flask import flash, redirect, render_template, request, send_file, url_for

from .. import clock, db
from ..access import Action, ensure
from ..errors import DomainError, ValidationFailed
from ..money import bank, batches, reconciliation, verification
from ..money.models import PROGRAMME_LABELS
from ..money.payment_schemas import LINE_STATE_LABELS
from ..services import services
from ..unit_of_work import run
from . import flash_refusal, pages
from .auth import login_required, page_user


@pages.get("/payments")
@login_required
def payment_batches():
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    return render_template("payments.html", batches=batches.list_batches(db.session(), user),
                           programmes=PROGRAMME_LABELS, today=clock.today())


@pages.post("/payments")
@login_required
def payment_batch_build():
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    try:
        through = date.fromisoformat(request.form.get("due_through", ""))
    except ValueError:
        raise ValidationFailed("请填写应发截止日期", {"due_through": ["应为日期"]}) from None
    result = run(batches.build_batch, user, through, request.form.get("programme") or None,
                 request.form.get("note") or None)
    for excluded in result.excluded:
        flash(f"{excluded.worker_name}（{excluded.purpose}）未纳入：{excluded.reason}", "error")
    if result.batch is None:
        flash("没有可发放的到期明细，未生成批次", "error")
        return redirect(url_for("pages.payment_batches"))
    flash(f"已生成批次 {result.batch.reference}，共 {result.batch.line_count} 笔，请另一位财务人员复核", "success")
    return redirect(url_for("pages.payment_batch", batch_id=result.batch.id))


@pages.get("/payments/<id:batch_id>")
@login_required
def payment_batch(batch_id):
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    session = db.session()
    batch = batches.get_batch(session, batch_id)
    return render_template("payment_batch.html", batch=batch, lines=batches.batch_lines(session, batch_id),
                           states=LINE_STATE_LABELS, layouts=bank.layouts().values(), user=user,
                           exportable=batch.status in bank.EXPORTABLE)


@pages.post("/payments/<id:batch_id>/<any(approve, cancel):action>")
@login_required
def payment_batch_decide(batch_id, action):
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    command = batches.approve_batch if action == "approve" else batches.cancel_batch
    try:
        run(command, user, batch_id)
        flash("批次已复核，可以导出银行文件" if action == "approve" else "批次已作废，其明细可进入以后的批次", "success")
    except DomainError as exc:
        flash_refusal(exc)
    return redirect(url_for("pages.payment_batch", batch_id=batch_id))


@pages.get("/payments/<id:batch_id>/file")
@login_required
def payment_batch_file(batch_id):
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    exported = run(bank.export_batch, user, batch_id, request.args.get("format", "xlsx"),
                   request.args.get("layout", "generic"))
    return send_file(io.BytesIO(exported.content), mimetype=exported.mimetype, as_attachment=True,
                     download_name=exported.filename)


@pages.post("/payments/<id:batch_id>/results")
@login_required
def payment_batch_results(batch_id):
    user = ensure(page_user(), Action.MAKE_PAYMENTS)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash("请选择银行回盘文件", "error")
        return redirect(url_for("pages.payment_batch", batch_id=batch_id))
    try:
        done = run(bank.import_results, services(), user, batch_id, upload.read(), upload.filename)
    except DomainError as exc:
        flash_refusal(exc)
    else:
        flash(f"回盘已导入：成功 {done.paid} 笔，失败 {done.failed} 笔"
              + ("（失败的已转援助中心核实账户）" if done.failed else ""), "success")
    return redirect(url_for("pages.payment_batch", batch_id=batch_id))


@pages.get("/reconciliation")
@login_required
def reconciliation_page():
    user = ensure(page_user(), Action.RECONCILE)
    today = clock.today()
    try:
        start = date.fromisoformat(request.args.get("from") or f"{today.year}-01-01")
        end = date.fromisoformat(request.args.get("to") or today.isoformat())
    except ValueError:
        raise ValidationFailed("日期格式有误", {"from": ["应为日期"]}) from None
    programme = request.args.get("programme") or None
    figures = reconciliation.reconcile(db.session(), user, start, end, programme)
    return render_template("reconciliation.html", r=figures, programmes=PROGRAMME_LABELS)


@pages.get("/account-checks")
@login_required
def account_checks():
    user = ensure(page_user(), Action.VERIFY_ACCOUNTS)
    return render_template("account_checks.html", rows=verification.failed_lines(db.session(), user),
                           ways=verification.VERIFIED_WITH)


@pages.post("/account-checks/<id:line_id>")
@login_required
def account_check(line_id):
    user = ensure(page_user(), Action.VERIFY_ACCOUNTS)
    form = request.form
    check = verification.AccountCheck(line_id, form.get("bank_name", ""), form.get("account_number", ""),
                                      form.get("account_holder", ""), form.get("verified_with", ""),
                                      form.get("note") or None)
    try:
        run(verification.verify_account, user, check)
        flash("账户已核实，该笔将在下一批次重新发放", "success")
    except DomainError as exc:
        flash_refusal(exc)
    return redirect(url_for("pages.account_checks"))
