"""Organisations, users and API tokens."""
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow


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
    # Every role the user holds, the primary `role` among them (people/roles.py); loaded with the user.
    role_grants: Mapped[list["UserRole"]] = relationship(lazy="selectin", cascade="all, delete-orphan",
                                                         order_by="UserRole.role")

    @property
    def roles(self):
        """The roles the user holds: what access.py authorises by."""
        return frozenset({self.role} | {grant.role for grant in self.role_grants})


class UserRole(Base):
    """A role a user holds; `users.role` is the primary one (the page they land on), held here too."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Delegation(Base):
    """A user on leave has a colleague work their claimed tasks from `starts_on` to `ends_on` (China's days,
    both included); `ended_at` when it was ended early. Past `ends_on` it is over by itself, and the nightly
    job (people/schedule.py) then sets `ended_at` to the start of the day after `ends_on`, with its audit entry."""

    __tablename__ = "delegations"
    __table_args__ = (CheckConstraint("delegator_id <> delegate_id", name="not_to_oneself"),
                      CheckConstraint("starts_on <= ends_on", name="period_in_order"))

    id: Mapped[int] = mapped_column(primary_key=True)
    delegator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    delegate_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    delegator: Mapped[User] = relationship(foreign_keys=[delegator_id], lazy="joined")
    delegate: Mapped[User] = relationship(foreign_keys=[delegate_id], lazy="joined")


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="joined")



class SignInThrottle(Base):
    """Failed sign-ins counted for one account name or one client address, and the lock they earned.

    Kept in the database, not in a process, so that every `bangfu serve` process sharing it counts the same
    failures. `failures` counts within the window that began at `window_started`; reaching the limit sets
    `locked_until` and starts the count afresh.
    """

    __tablename__ = "sign_in_throttles"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "account" or "address"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PageSession(Base):
    """A signed-in page session. The cookie carries a random id, only its SHA-256 is stored here; signing out
    deletes the row, so a copied cookie stops working with it."""

    __tablename__ = "page_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the session was last used, to the minute (people/sessions.py): the idle expiry counts from it.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(lazy="joined")
