"""The Chinese names of the audit log's actions and subjects, as inspectors read them."""

ACTIONS = {
    "people.sign_in": "登录",
    "people.sign_in_failed": "登录失败",
    "people.sign_in_locked": "登录失败并锁定",
    "people.sign_in_throttled": "锁定期间登录被拒",
    "privacy.viewed_unmasked": "查看未脱敏个人信息",
    "keys.rotated": "数据密钥轮换（重新加密）",
    "keys.rehashed": "重算身份证号查询摘要",
    "people.operations.create_organisation": "新增机构",
    "people.operations.create_user": "新增用户",
    "people.operations.token_for_username": "签发访问令牌（命令行）",
    "casework.commands.start_case": "发起申报",
    "casework.commands.complete_task": "办理任务",
    "casework.commands.claim_task": "认领任务",
    "casework.commands.release_task": "放回任务",
    "casework.commands.withdraw_case": "撤回申报",
    "casework.commands.fire_timers": "定时器触发",
    "casework.incidents.retry_incident": "流程异常：重试",
    "casework.incidents.skip_failed_step": "流程异常：跳过失败步骤",
    "casework.incidents.terminate_case": "流程异常：终止案件",
    "process_models.operations.deploy": "部署流程模型",
    "forms.library.save_draft": "保存表单草稿",
    "process_models.operations.deploy_folder": "部署内置流程模型",
    "process_models.migration.move_case": "迁移案件到新版本流程",
    "calendar.import_days": "导入节假日安排",
    "households.review.start_annual_reviews": "发起年度复核",
    "households.review.start_household_exit": "发起在档家庭退出",
    "households.purge.purge": "删除超过保存期限的档案",
    "messages.operations.mark": "消息标为已读",
    "money.batches.build_batch": "生成代发批次",
    "money.batches.approve_batch": "复核代发批次",
    "money.batches.cancel_batch": "作废代发批次",
    "money.bank.export_batch": "导出银行代发文件",
    "money.bank.import_results": "导入银行回盘文件",
    "money.verification.verify_account": "核实银行账户",
    "money.adjustments.generate": "生成半年调整清单",
    "money.adjustments.edit_lines": "修改半年调整清单",
    "money.adjustments.submit": "提交半年调整清单",
    "money.adjustments.decide": "审批半年调整清单",
    "money.programmes.apply": "申请帮扶项目",
    "money.programmes.start_warmth": "发起送温暖",
    "money.programmes.approve_warmth": "审批送温暖名单",
    "money.budgets.set_budget": "设定帮扶资金预算",
    "money.standards.draft_standard": "起草资金标准",
    "money.standards.revise_draft": "修改资金标准草稿",
    "money.standards.approve_standard": "审批资金标准",
    "money.standards.reject_standard": "退回资金标准",
    "money.standards_cli.standards_import": "导入资金标准（命令行）",
    "money.standards_cli.standards_approve": "审批资金标准（命令行）",
    "money.cli.build": "生成代发批次（命令行）",
    "money.cli.approve": "复核代发批次（命令行）",
    "money.cli.export": "导出银行代发文件（命令行）",
    "money.cli.results": "导入银行回盘文件（命令行）",
    "scheduler.tick._firing": "定时任务触发",
    "scheduler.tick._job_failed": "定时任务失败",
    "scheduler.tick._timer_failed": "定时器触发失败",
    "scheduler.tick._ensure_jobs": "登记定时任务",
    "demo.load_demo": "载入演示数据",
    "user_deactivated": "停用用户",
    "task_reassigned": "改派任务",
    "role_granted": "授予角色",
    "role_revoked": "撤销角色",
    "delegation_created": "设置委托",
    "delegation_ended": "提前结束委托",
    "delegation_lapsed": "委托到期结束",
}
SUBJECTS = {"case": "案件", "household": "家庭档案", "batch": "代发批次", "user": "用户", "standard": "资金标准",
            "adjustment_list": "半年调整清单", "award": "帮扶项目", "organisation": "机构", "process_model": "流程模型"}


FIELDS = {"id_number": "身份证号", "patient_id_number": "患者身份证号", "phone": "电话", "bank_card_number": "银行卡号", "health": "健康状况",
          "monthly_income": "月收入", "monthly_household_income": "家庭月收入",
          "verified_monthly_household_income": "核实的家庭月收入", "unavoidable_expenses": "刚性支出",
          "financial_assets": "金融资产", "per_capita_income": "人均收入", "warnings": "收入提示",
          "income_notes": "收入说明", "oversight_text": "走访监督意见和整改答复"}
VIA = {"api": "经接口", "pages": "经网页", "cli": "经命令行"}


def action_label(action):
    return ACTIONS.get(action) or "其他操作"


def field_labels(fields):
    """The personal fields a view showed, in words; free-text fields a form marks sensitive as one item."""
    known = [FIELDS[f] for f in fields if f in FIELDS]
    return known + (["情况说明等敏感文字"] if any(f not in FIELDS for f in fields) else [])


def detail_text(detail):
    """An entry's detail in a line of Chinese: the steps, the fields shown whole, the channel, rows written."""
    parts = []
    if detail.get("step_titles"):
        parts.append("步骤：" + "、".join(detail["step_titles"]))
    if detail.get("fields"):
        parts.append("显示：" + "、".join(field_labels(detail["fields"])))
    if detail.get("via"):
        parts.append(VIA.get(detail["via"], detail["via"]))
    if detail.get("lines"):
        parts.append(f"{detail['lines']} 笔明细")
    if detail.get("rows"):
        parts.append(f"写入 {sum(detail['rows'].values())} 行")
    return "；".join(parts)


def subject_label(kind):
    return SUBJECTS.get(kind, kind) if kind else None
