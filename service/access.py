"""Who may do what: the one access policy.

Each rule is written once, as data, and read two ways: as a SQL condition for lists (case lists,
inboxes, reports, exports) and as a check on one object (a case page, a task command). Routes, pages
and commands all ask here; nothing else decides on roles.
"""
from enum import StrEnum

from sqlalchemy import false, or_, select, true

from .cases.models import Case
from .errors import Forbidden
from .households.models import Household
from .people.models import Organisation
from .people.roles import Role
from .tasks.models import HumanTask


class Action(StrEnum):
    START_CASE = "start_case"
    BROWSE_CASES = "browse_cases"  # the case list, its export and the dashboard
    DESIGN = "design"  # deploy models, edit forms
    MIGRATE_CASES = "migrate_cases"  # move a version's open cases to a newer version of its model
    WITHDRAW_CASE = "withdraw_case"  # a union's own declaration, before it was ever submitted
    VIEW_CALENDAR = "view_calendar"  # the working-day calendar page
    IMPORT_CALENDAR = "import_calendar"  # a year's holidays, uploaded on that page
    NOTICE_LIST = "notice_list"  # the list of public notices for posting, and its export
    SUPERVISE_OVERDUE = "supervise_overdue"  # the centre's 督办 list: every late task, whoever holds it
    BROWSE_HOUSEHOLDS = "browse_households"  # the household register (一户一档), its export and pages
    KEEP_REGISTER = "keep_register"  # start the year's annual review, start a household's exit (撤档)
    READ_AWARDS = "read_awards"  # awards (帮扶项目) and their instalments: a union only its own households'
    READ_BUDGETS = "read_budgets"  # programme budgets with committed, paid and remaining
    SET_BUDGETS = "set_budgets"
    APPLY_PROGRAMME = "apply_programme"  # apply for 金秋助学, 医疗救助, 意外致困 for a filed household
    START_WARMTH = "start_warmth"  # 送温暖 for every filed household at once
    APPROVE_WARMTH = "approve_warmth"  # approve a festival's whole 送温暖 list
    VIEW_MONEY_REPORTS = "view_money_reports"  # 帮扶资金报表 (reports upward), its page and its Excel workbook
    VIEW_STANDARDS = "view_standards"  # fund standards (资金标准): the Party group's documents and amounts
    VIEW_ADJUSTMENTS = "view_adjustments"  # half-yearly adjustment lists (每半年调整): households and their aid
    DRAFT_STANDARD = "draft_standard"  # draft or revise a fund standard before it is approved
    APPROVE_STANDARD = "approve_standard"  # approve or reject a fund standard someone else drafted
    ADJUST_AID = "adjust_aid"  # generate, edit and submit a half-yearly adjustment list
    APPROVE_ADJUSTMENT = "approve_adjustment"  # decide an adjustment list someone else made
    MAKE_PAYMENTS = "make_payments"  # payment batches: build, approve (another user), export, import results
    VERIFY_ACCOUNTS = "verify_accounts"  # after a failed transfer: the worker's account checked again
    RECONCILE = "reconcile"  # 对账: awarded = paid + pending + not yet due
    READ_AUDIT = "read_audit"  # the audit log (审计日志): search and export it
    HANDLE_INCIDENTS = "handle_incidents"  # cases set aside as incidents: list them, retry, skip, terminate
    MANAGE_USERS = "manage_users"  # the 人员 page and /users: add users, grant and revoke roles, deactivate


# Roles that work only on their own organisation's cases, and the case column that names it:
# a union declares and reviews its own households, a third party visits the households assigned to it.
ORG_SCOPE = {
    Role.GRASSROOTS_UNION: Case.organisation_id,
    Role.THIRD_PARTY: Case.third_party_org_id,
}
# Roles that read every case.
READ_ALL = frozenset({Role.ASSISTANCE_CENTER, Role.INSPECTOR, Role.APPROVER, Role.FINANCE, Role.SUPERVISOR,
                      Role.CENTRE_HEAD})

PERMISSIONS = {
    Action.START_CASE: frozenset({Role.GRASSROOTS_UNION}),
    Action.BROWSE_CASES: READ_ALL | frozenset(ORG_SCOPE),
    Action.DESIGN: frozenset({Role.DESIGNER}),
    Action.MIGRATE_CASES: frozenset({Role.DESIGNER, Role.CENTRE_HEAD}),
    Action.WITHDRAW_CASE: frozenset({Role.GRASSROOTS_UNION}),
    Action.VIEW_CALENDAR: frozenset({Role.ASSISTANCE_CENTER, Role.SUPERVISOR}),
    Action.IMPORT_CALENDAR: frozenset({Role.ASSISTANCE_CENTER}),
    Action.NOTICE_LIST: frozenset({Role.ASSISTANCE_CENTER, Role.SUPERVISOR}),
    # The centre chases late steps (援助中心 day to day, 督查 and 中心负责人 above it); a union, a third party
    # or the inspectors see their own lateness in their inbox and messages, not every organisation's.
    Action.SUPERVISE_OVERDUE: frozenset({Role.ASSISTANCE_CENTER, Role.SUPERVISOR, Role.CENTRE_HEAD}),
    Action.BROWSE_HOUSEHOLDS: frozenset({Role.ASSISTANCE_CENTER, Role.APPROVER, Role.SUPERVISOR, Role.INSPECTOR,
                                         Role.GRASSROOTS_UNION}),
    Action.KEEP_REGISTER: frozenset({Role.ASSISTANCE_CENTER}),
    Action.READ_AWARDS: frozenset({Role.ASSISTANCE_CENTER, Role.APPROVER, Role.FINANCE, Role.SUPERVISOR,
                                   Role.INSPECTOR, Role.GRASSROOTS_UNION}),
    Action.READ_BUDGETS: frozenset({Role.ASSISTANCE_CENTER, Role.APPROVER, Role.FINANCE, Role.SUPERVISOR,
                                    Role.INSPECTOR}),
    Action.SET_BUDGETS: frozenset({Role.ASSISTANCE_CENTER}),
    Action.APPLY_PROGRAMME: frozenset({Role.ASSISTANCE_CENTER, Role.GRASSROOTS_UNION}),
    Action.START_WARMTH: frozenset({Role.ASSISTANCE_CENTER}),
    Action.APPROVE_WARMTH: frozenset({Role.APPROVER}),
    # The centre reports every union's figures upward; a grassroots union is refused (its own households and
    # their aid are on its register pages), as are third parties and designers.
    Action.VIEW_MONEY_REPORTS: frozenset({Role.ASSISTANCE_CENTER, Role.SUPERVISOR, Role.APPROVER, Role.FINANCE,
                                          Role.INSPECTOR, Role.CENTRE_HEAD}),
    # Standards are the centre's to draft and the approver's to decide; finance pays by them, the supervisors
    # and the head oversee them, and the inspectors check approvals against them. The adjustment lists name
    # households and their aid, for the centre roles; their notes are masked as circumstances (privacy.py).
    Action.VIEW_STANDARDS: frozenset({Role.ASSISTANCE_CENTER, Role.APPROVER, Role.FINANCE, Role.SUPERVISOR,
                                      Role.CENTRE_HEAD, Role.INSPECTOR}),
    Action.VIEW_ADJUSTMENTS: frozenset({Role.ASSISTANCE_CENTER, Role.APPROVER, Role.FINANCE, Role.SUPERVISOR,
                                        Role.CENTRE_HEAD}),
    Action.DRAFT_STANDARD: frozenset({Role.ASSISTANCE_CENTER}),
    Action.APPROVE_STANDARD: frozenset({Role.APPROVER}),
    Action.ADJUST_AID: frozenset({Role.ASSISTANCE_CENTER}),
    Action.APPROVE_ADJUSTMENT: frozenset({Role.APPROVER}),
    Action.MAKE_PAYMENTS: frozenset({Role.FINANCE}),
    Action.VERIFY_ACCOUNTS: frozenset({Role.ASSISTANCE_CENTER}),
    Action.RECONCILE: frozenset({Role.FINANCE, Role.SUPERVISOR, Role.CENTRE_HEAD}),
    # The oversight roles: 纪检 (inspectors), 督查 and the centre head read who did what; nobody acts on the log.
    Action.READ_AUDIT: frozenset({Role.INSPECTOR, Role.SUPERVISOR, Role.CENTRE_HEAD}),
    # The head answers for the centre's cases as a whole; no role of the service runs it as an operator.
    Action.HANDLE_INCIDENTS: frozenset({Role.CENTRE_HEAD}),
    # The centre head runs the centre's staff: who holds which role, who leaves.
    Action.MANAGE_USERS: frozenset({Role.CENTRE_HEAD}),
}
REFUSALS = {
    Action.START_CASE: "只有基层工会可以申报困难职工家庭",
    Action.BROWSE_CASES: "您的角色不能查看案件",
    Action.DESIGN: "只有流程设计人员可以部署流程模型或修改表单",
    Action.MIGRATE_CASES: "只有流程设计人员和中心负责人可以把案件迁移到新版本流程",
    Action.WITHDRAW_CASE: "只有申报该家庭的基层工会可以撤回申报",
    Action.VIEW_CALENDAR: "只有援助中心和督查人员可以查看工作日历",
    Action.IMPORT_CALENDAR: "只有援助中心可以导入节假日安排",
    Action.NOTICE_LIST: "只有援助中心和督查人员可以查看公示名单",
    Action.SUPERVISE_OVERDUE: "只有援助中心、督查和中心负责人可以查看督办清单",
    Action.BROWSE_HOUSEHOLDS: "您的角色不能查看困难职工家庭档案",
    Action.KEEP_REGISTER: "只有援助中心可以发起年度复核或在档家庭退出",
    Action.READ_AWARDS: "您的角色不能查看帮扶项目",
    Action.READ_BUDGETS: "您的角色不能查看帮扶资金预算",
    Action.SET_BUDGETS: "只有援助中心可以设定帮扶资金预算",
    Action.APPLY_PROGRAMME: "只有基层工会和援助中心可以申请帮扶项目",
    Action.START_WARMTH: "只有援助中心可以发起送温暖",
    Action.APPROVE_WARMTH: "只有审批人可以审批送温暖名单",
    Action.VIEW_MONEY_REPORTS: "只有援助中心、审批、财务、纪检、督查和中心负责人可以查看帮扶资金报表",
    Action.VIEW_STANDARDS: "您的角色不能查看资金标准",
    Action.VIEW_ADJUSTMENTS: "您的角色不能查看半年调整清单",
    Action.DRAFT_STANDARD: "只有援助中心可以起草资金标准",
    Action.APPROVE_STANDARD: "只有审批人可以审批资金标准",
    Action.ADJUST_AID: "只有援助中心可以生成、修改和提交半年调整清单",
    Action.APPROVE_ADJUSTMENT: "只有审批人可以审批半年调整清单",
    Action.MAKE_PAYMENTS: "只有财务人员可以办理代发批次",
    Action.VERIFY_ACCOUNTS: "只有援助中心可以核实职工的银行账户",
    Action.RECONCILE: "只有财务、督查和中心负责人可以查看对账",
    Action.READ_AUDIT: "只有纪检、督查和中心负责人可以查看审计日志",
    Action.HANDLE_INCIDENTS: "只有中心负责人可以处理流程异常的案件",
    Action.MANAGE_USERS: "只有中心负责人可以管理人员和角色",
}


def may(user, action):
    """Whether any role the user holds allows the action."""
    return not user.roles.isdisjoint(PERMISSIONS[action])


def ensure(user, action):
    if not may(user, action):
        raise Forbidden(REFUSALS[action])
    return user


def _own_organisation_only(user, action):
    """Whether the action reaches only the user's own organisation's rows: every role that allows it to the
    user is a union's (a union works on its own households)."""
    return all(role == Role.GRASSROOTS_UNION for role in user.roles & PERMISSIONS[action])


# ---------------------------------------------------------------- cases

def case_filter(user):
    """SQL condition: the cases the user may read."""
    if not user.roles.isdisjoint(READ_ALL):
        return true()
    columns = [ORG_SCOPE[role] for role in sorted(user.roles & ORG_SCOPE.keys())]
    return or_(*[column == user.organisation_id for column in columns]) if columns else false()


def may_read_case(user, case):
    if not user.roles.isdisjoint(READ_ALL):
        return True
    return any(getattr(case, ORG_SCOPE[role].key) == user.organisation_id for role in user.roles & ORG_SCOPE.keys())


def organisation_filter(user):
    """SQL condition: the organisations a case-list filter offers the user, those whose cases it may read
    (a union: only itself; the centre's roles: every one)."""
    if not user.roles.isdisjoint(READ_ALL):
        return true()
    return (Organisation.id == user.organisation_id) | Organisation.id.in_(
        select(Case.organisation_id).where(case_filter(user)))


def ensure_can_read(user, case):
    if not may_read_case(user, case):
        raise Forbidden("无权查看此案件")


# ---------------------------------------------------------------- households

def household_filter(user):
    """SQL condition: the households (一户一档) the user may read: every one for the centre, approver,
    supervisor and inspector; a union its own; nobody else any."""
    if not may(user, Action.BROWSE_HOUSEHOLDS):
        return false()
    if _own_organisation_only(user, Action.BROWSE_HOUSEHOLDS):
        return Household.organisation_id == user.organisation_id
    return true()


def may_read_household(user, household):
    if not may(user, Action.BROWSE_HOUSEHOLDS):
        return False
    return not _own_organisation_only(user, Action.BROWSE_HOUSEHOLDS) \
        or household.organisation_id == user.organisation_id


# ---------------------------------------------------------------- awards

def award_filter(user):
    """SQL condition: the awards the user may read (a union: its own households'; the centre's roles: all)."""
    from .money.models import Award  # money/ builds on this module
    if not may(user, Action.READ_AWARDS):
        return false()
    if _own_organisation_only(user, Action.READ_AWARDS):
        return Award.organisation_id == user.organisation_id
    return true()


def may_read_award(user, award):
    return may(user, Action.READ_AWARDS) and (not _own_organisation_only(user, Action.READ_AWARDS)
                                             or award.organisation_id == user.organisation_id)


# ---------------------------------------------------------------- tasks

def task_organisation(case, role):
    """The organisation a new task of `role` on this case belongs to (None: the centre's roles)."""
    column = ORG_SCOPE.get(role)
    return getattr(case, column.key) if column is not None else None


def _task_owners(user):
    """(role, organisation) of each pool of tasks the user works on: one per role held."""
    return sorted((role, user.organisation_id if role in ORG_SCOPE else None) for role in user.roles)


def task_filter(user):
    """SQL condition: tasks of the user's roles and organisation (one index range of the inbox per role)."""
    pools = [(HumanTask.role == role) & (HumanTask.organisation_id == organisation if organisation is not None
                                        else HumanTask.organisation_id.is_(None))
             for role, organisation in _task_owners(user)]
    return or_(*pools) if pools else false()


def may_act_on(user, task):
    return (task.role, task.organisation_id) in _task_owners(user)


def ensure_can_act(user, task):
    if not may_act_on(user, task):
        raise Forbidden("此任务不属于您的角色或机构")
