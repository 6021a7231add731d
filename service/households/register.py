"""The household register (一户一档): the one module that creates households and changes their status.

Every status change goes through a function here and is recorded in household_status_changes with its
date (China's day, clock.local_date), reason, actor and the case it came through. Nothing else writes
Household.status; processes (the bundled hardship application, the annual review, an exit) call these
functions from their rules, whichever model runs them.

Statuses (models.HouseholdStatus) and the allowed changes:

    (none) --declare--> 申报中 declared --file_household--> 在档 filed
    申报中 / 在档 (the application that filed it) --close_unfiled--> 未建档 not_filed
    在档 --exit_household--> 已脱困 (reason out_of_hardship) / 已解困 (relieved) / 已退出 (any other reason)

A closed household (已脱困, 已解困, 已退出, 未建档) never opens again: a worker who comes back declares
anew, and the new household links to the latest closed one (previous_household_id); the household page
shows both. One open household per worker: `declare` refuses (Conflict, HTTP 409) a worker whose ID is
in a household 申报中 (naming its case reference) or 在档 (naming its file number), and the database's
partial unique index on worker_id_digest for open statuses settles two declarations racing each other.

Resident IDs are looked up by `id_digest`: HMAC-SHA256 of the normalised number keyed with the app's
LOOKUP_KEY (BANGFU_LOOKUP_KEY, by default the secret key), since the number columns themselves are sealed
(sealing.py) and cannot be compared in SQL; after a change of that key `bangfu keys rehash` recomputes the
digests (key_rotation.rehash). Functions flush, never commit (unit_of_work.run does).
"""
import hashlib
import hmac
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from stdnum.cn import ric

from .. import clock
from ..cases.models import Case, CaseStatus
from ..errors import Conflict, ValidationFailed
from ..money import granting
from .models import (CLOSED_STATUSES, EXIT_REASONS, EXIT_STATUS, OPEN_STATUSES, UNFILED_REASONS, Household,
                     HouseholdMember, HouseholdStatus, HouseholdStatusChange)

REVIEW_INTERVAL_YEARS = 1  # next_review_due = filing date + one year; the annual review moves it on
DUPLICATE_FIELD = "data.id_number"


# ---------------------------------------------------------------- identity

def normalise_id(number):
    """The resident ID as stored and hashed: no spaces or dashes, capital X."""
    return ric.compact(number or "").upper()


def id_digest(number, key=None):
    """Keyed digest of a normalised resident ID, for lookups (hex, 64 characters)."""
    key = key if key is not None else current_app.config["LOOKUP_KEY"]
    if isinstance(key, str):
        key = key.encode()
    return hmac.new(key, b"bangfu.resident-id:" + normalise_id(number).encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- reading

def household_of(session, case):
    """The household a case belongs to, or None (a draft never submitted has none)."""
    return session.get(Household, case.household_id) if case.household_id else None


def open_household_for(session, digest, exclude_id=None):
    """The open (申报中 or 在档) household of the worker with this ID digest, or None."""
    query = select(Household).where(Household.worker_id_digest == digest,
                                    Household.status.in_(list(OPEN_STATUSES)))
    if exclude_id is not None:
        query = query.where(Household.id != exclude_id)
    return session.scalar(query)


def duplicate_conflict(session, id_number, exclude_id=None):
    """Conflict (409) naming the open case or file that already holds this worker, or None."""
    other = open_household_for(session, id_digest(id_number), exclude_id)
    if other is None:
        return None
    if other.status == HouseholdStatus.FILED:
        message = f"该职工已在档（档案编号 {other.file_number}），一户只建一档，不能重复申报"
    else:
        reference = session.scalar(select(Case.reference).where(Case.id == other.application_case_id))
        message = f"该职工已有办理中的申报（案件编号 {reference}），不能重复申报"
    return Conflict(message, {DUPLICATE_FIELD: [message]})


def member_warnings(session, household):
    """Warnings for 初审: a member (or the worker) who is in another household 在档, with that file's number."""
    digests = {m.id_digest: m for m in household.members if m.id_digest}
    digests.setdefault(household.worker_id_digest, None)
    if not digests:
        return []
    others = session.execute(
        select(HouseholdMember.id_digest, Household.file_number)
        .join(Household, Household.id == HouseholdMember.household_id)
        .where(HouseholdMember.id_digest.in_(list(digests)), Household.id != household.id,
               Household.status == HouseholdStatus.FILED)
        .union(select(Household.worker_id_digest, Household.file_number)
               .where(Household.worker_id_digest.in_(list(digests)), Household.id != household.id,
                      Household.status == HouseholdStatus.FILED))).all()
    found = {}
    for digest, file_number in others:
        found.setdefault(digest, set()).add(file_number)
    warnings = []
    for digest, numbers in found.items():
        member = digests.get(digest)
        who = f"家庭成员{member.name}" if member is not None and member.relation != "self" else "职工本人"
        warnings.append(f"{who}已在其他在档家庭中（档案编号 {'、'.join(sorted(numbers))}），"
                        "请核实是否一人多档")
    return warnings


# ---------------------------------------------------------------- changes

def declare(session, case, declaration, actor, now):
    """A submitted declaration (申报) of `case`: create its household 申报中, or update the one it already has
    (a declaration returned for correction and submitted again). The worker, members and bank account come
    from the declaration; the union is the case's organisation. A worker already in another open household
    is refused with Conflict (409) naming the case or the file; a worker whose earlier file was closed gets a
    new household linked to that one. Returns the household."""
    number = normalise_id(declaration.get("id_number"))
    digest = id_digest(number)
    household = household_of(session, case)
    conflict = duplicate_conflict(session, number, household.id if household else None)
    if conflict:
        raise conflict
    creating = household is None
    if creating:
        household = Household(status=HouseholdStatus.DECLARED, declared_on=clock.local_date(now),
                              application_case_id=case.id, created_at=now)
    elif household.status not in OPEN_STATUSES:
        raise Conflict(f"该家庭档案已{household.status_label}，不能再修改申报")
    previous = household.previous_household_id
    if creating or household.worker_id_digest != digest:
        previous = session.scalar(
            select(Household.id).where(Household.worker_id_digest == digest,
                                       Household.status.in_(list(CLOSED_STATUSES)))
            .order_by(Household.closed_on.desc(), Household.id.desc()).limit(1))
    fields = dict(
        organisation_id=case.organisation_id, worker_name=(declaration.get("name") or "").strip(),
        worker_id_number=number, worker_id_digest=digest, previous_household_id=previous,
        phone=declaration.get("phone"), employer=declaration.get("employer"),
        bank_name=declaration.get("bank_name"), bank_account_name=declaration.get("bank_account_name"),
        bank_card_number=(declaration.get("bank_card_number") or "").replace(" ", "") or None, updated_at=now)
    _write_guarded(session, household, fields, creating, number)
    _replace_members(session, household, declaration.get("family_members") or [])
    if creating:
        case.household_id = household.id
        _record(session, household, None, HouseholdStatus.DECLARED, actor, now, case=case)
    session.flush()
    return household


def _write_guarded(session, household, fields, creating, number):
    """Write the household's worker in a savepoint: when a concurrent declaration of the same worker committed
    first, the partial unique index refuses this one, and the refusal names that declaration's case or file.
    Everything else is flushed before the savepoint (begin_nested flushes what is pending outside it)."""
    session.flush()
    try:
        with session.begin_nested():
            for key, value in fields.items():
                setattr(household, key, value)
            if creating:
                session.add(household)
            session.flush()
    except IntegrityError:
        conflict = duplicate_conflict(session, number, None if creating else household.id)
        raise conflict or Conflict("该职工的申报刚被他人提交，请刷新后核对") from None


def _replace_members(session, household, members):
    for old in session.scalars(select(HouseholdMember).where(HouseholdMember.household_id == household.id)):
        session.delete(old)
    for position, member in enumerate(m for m in members if isinstance(m, dict)):
        number = normalise_id(member.get("id_number")) if member.get("id_number") else None
        session.add(HouseholdMember(household_id=household.id, position=position,
                                    name=(member.get("name") or "").strip(), relation=member.get("relation"),
                                    id_number=number, id_digest=id_digest(number) if number else None))
    session.flush()
    session.expire(household, ["members"])


def file_household(session, case, file_number, category, actor, now):
    """建档: the application `case` files its household 在档 with `file_number` (unique: see
    file_number_problem) and `category`; next_review_due is one year after the filing date. Filing again
    through the same application (审批 returned to 建档) updates the number and category, keeping the date."""
    household = household_of(session, case)
    if household is None:
        raise Conflict("案件尚无家庭档案（申报未提交），不能建档")
    household.file_number, household.category, household.updated_at = file_number, category, now
    if household.status == HouseholdStatus.FILED:
        session.flush()
        return household
    _expect(household, (HouseholdStatus.DECLARED,), "建档")
    today = clock.local_date(now)
    household.filed_on = today
    household.next_review_due = _years_later(today, REVIEW_INTERVAL_YEARS)
    _change(session, household, HouseholdStatus.FILED, actor, now, case=case)
    return household


def exit_household(session, household, reason, actor, now, text=None, case=None, on=None):
    """撤档: a filed household leaves the register for `reason` (models.EXIT_REASONS; "other" needs `text`).
    脱困 gives 已脱困, 解困 已解困, any other reason 已退出; the reason is kept on the household either way.
    `on` is the date of the exit (default today). Its active awards end that day (money/granting.py)."""
    if reason not in EXIT_REASONS:
        raise ValidationFailed("退出原因无效", {"reason": [f"应为{'、'.join(EXIT_REASONS.values())}之一"]})
    text = (text or "").strip() or None
    if reason == "other" and not text:
        raise ValidationFailed("退出原因为“其他”时须说明具体原因", {"reason_text": ["必填"]})
    _expect(household, (HouseholdStatus.FILED,), "退出")
    household.exit_reason, household.exit_reason_text = reason, text
    _close(session, household, EXIT_STATUS.get(reason, HouseholdStatus.EXITED), actor, now, case, on)
    granting.end_household_awards(session, household, household.closed_on)
    return household


def close_unfiled(session, household, reason, actor, now, case=None):
    """A declaration that ends without a file: 未建档 for `reason` (models.UNFILED_REASONS). From 申报中; also
    from 在档 when the application that filed it is not approved (建档 comes before 审批 in the bundled model:
    the approver's refusal undoes the filing). The file number stays with the closed household."""
    if reason not in UNFILED_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    allowed = (HouseholdStatus.DECLARED, HouseholdStatus.FILED) if reason == "not_approved" \
        else (HouseholdStatus.DECLARED,)
    _expect(household, allowed, "结束申报")
    household.exit_reason, household.exit_reason_text = reason, None
    _close(session, household, HouseholdStatus.NOT_FILED, actor, now, case)
    return household


def application_ended(session, case, actor, now):
    """The case ended (cases/operations.settle_status, close_withdrawn): if it is the application of a
    household still 申报中 (or 在档 and refused at 审批), that declaration ended without a file. Cases of
    other kinds (an annual review, an exit) change their household through the functions above instead."""
    household = household_of(session, case)
    if household is None or household.application_case_id != case.id:
        return None
    reason = {CaseStatus.NOT_ELIGIBLE: "not_eligible", CaseStatus.NOT_APPROVED: "not_approved",
              CaseStatus.WITHDRAWN: "withdrawn"}.get(case.status)
    if household.status == HouseholdStatus.DECLARED:
        return close_unfiled(session, household, reason or "ended", actor, now, case=case)
    if household.status == HouseholdStatus.FILED and reason == "not_approved":
        return close_unfiled(session, household, reason, actor, now, case=case)
    return None


def file_number_problem(session, number, household_id=None):
    """Why `number` cannot be this household's file number (another household has it), or None."""
    query = select(Household.id).where(Household.file_number == number)
    if household_id is not None:
        query = query.where(Household.id != household_id)
    return "档案编号已被其他家庭使用" if session.scalar(query) else None


# ---------------------------------------------------------------- helpers

def _expect(household, statuses, action):
    if household.status not in statuses:
        raise Conflict(f"家庭档案{household.status_label}，不能{action}",
                       {"household": [f"当前状态：{household.status_label}"]})


def _close(session, household, status, actor, now, case, on=None):
    household.closed_on = on or clock.local_date(now)
    household.next_review_due = None
    _change(session, household, status, actor, now, case=case, on=household.closed_on)


def _change(session, household, status, actor, now, case=None, on=None):
    previous = household.status
    household.status, household.updated_at = status, now
    _record(session, household, previous, status, actor, now, case=case, on=on)
    session.flush()


def _record(session, household, from_status, to_status, actor, now, case=None, on=None):
    reason = household.exit_reason if to_status in CLOSED_STATUSES else None
    text = household.exit_reason_text if to_status in CLOSED_STATUSES else None
    session.add(HouseholdStatusChange(
        household_id=household.id, from_status=from_status, to_status=to_status,
        changed_on=on or clock.local_date(now), occurred_at=now, reason=reason, reason_text=text,
        actor_id=actor.id if actor else None, case_id=case.id if case else None))


def _years_later(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 2, 28)


def open_filter():
    """SQL condition: households still open (申报中 or 在档)."""
    return Household.status.in_(list(OPEN_STATUSES))


__all__ = ["application_ended", "close_unfiled", "declare", "duplicate_conflict", "exit_household",
           "file_household", "file_number_problem", "household_of", "id_digest", "member_warnings",
           "normalise_id", "open_filter", "open_household_for"]
