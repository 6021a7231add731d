"""Roles and kinds of organisation: who works in the process, and where they belong.

基层工会 grassroots union, 援助中心 the centre's caseworkers, 第三方社会组织 third party, 纪检监督 inspector,
审批人 approver, 财务 finance, 督查 supervisor, 流程设计 process designer, 中心负责人 the centre's head (who
receives 督办 tasks when a step runs late).
"""
from enum import StrEnum


class OrgKind(StrEnum):
    UNION = "union"
    CENTER = "center"
    THIRD_PARTY = "third_party"
    INSPECTION = "inspection"

    @property
    def label(self):
        return _ORG_LABELS[self]


class Role(StrEnum):
    GRASSROOTS_UNION = "grassroots_union"
    ASSISTANCE_CENTER = "assistance_center"
    THIRD_PARTY = "third_party"
    INSPECTOR = "inspector"
    APPROVER = "approver"
    FINANCE = "finance"
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"
    CENTRE_HEAD = "centre_head"

    @property
    def label(self):
        return _ROLE_LABELS[self][0]

    @property
    def org_kind(self):
        """The kind of organisation a user of this role belongs to."""
        return _ROLE_LABELS[self][1]


_ORG_LABELS = {
    OrgKind.UNION: "基层工会",
    OrgKind.CENTER: "职工援助服务中心",
    OrgKind.THIRD_PARTY: "第三方社会组织",
    OrgKind.INSPECTION: "纪检监督组",
}
_ROLE_LABELS = {
    Role.GRASSROOTS_UNION: ("基层工会", OrgKind.UNION),
    Role.ASSISTANCE_CENTER: ("援助中心", OrgKind.CENTER),
    Role.THIRD_PARTY: ("第三方社会组织", OrgKind.THIRD_PARTY),
    Role.INSPECTOR: ("纪检监督", OrgKind.INSPECTION),
    Role.APPROVER: ("审批人", OrgKind.CENTER),
    Role.FINANCE: ("财务", OrgKind.CENTER),
    Role.SUPERVISOR: ("督查", OrgKind.CENTER),
    Role.DESIGNER: ("流程设计", OrgKind.CENTER),
    Role.CENTRE_HEAD: ("中心负责人", OrgKind.CENTER),
}
# Roles whose users work the tasks of a process lane.
LANE_ROLES = (Role.GRASSROOTS_UNION, Role.ASSISTANCE_CENTER, Role.THIRD_PARTY, Role.INSPECTOR, Role.APPROVER,
              Role.FINANCE, Role.CENTRE_HEAD)
# A lane is named by its role's Chinese label (what the diagram shows) or by the role key itself.
_LANE_NAMES = {str(role): role for role in LANE_ROLES} | {role.label: role for role in LANE_ROLES}


def role_for_lane(name):
    """The role whose users work the tasks of a lane with this name, or None."""
    return _LANE_NAMES.get((name or "").strip())
