"""Organisations, users and API tokens."""
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

ORG_KINDS = {
    "union": "基层工会",
    "center": "职工援助服务中心",
    "third_party": "第三方社会组织",
    "inspection": "纪检监督组",
}

# role key -> (Chinese label, organisation kind the user must belong to)
ROLES = {
    "grassroots_union": ("基层工会", "union"),
    "assistance_center": ("援助中心", "center"),
    "third_party": ("第三方社会组织", "third_party"),
    "inspector": ("纪检监督", "inspection"),
    "approver": ("审批人", "center"),
    "finance": ("财务", "center"),
    "supervisor": ("督查", "center"),
    "designer": ("流程设计", "center"),
}
LANE_ROLES = ("grassroots_union", "assistance_center", "third_party", "inspector", "approver", "finance")
# A lane is named by its role's Chinese label (what the diagram shows) or by the role key itself.
_LANE_NAMES = {role: role for role in LANE_ROLES} | {ROLES[role][0]: role for role in LANE_ROLES}


def role_for_lane(name):
    """The role whose users work the tasks of a lane with this name, or None."""
    return _LANE_NAMES.get((name or "").strip())


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")
