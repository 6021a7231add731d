"""The hash chain: appending an entry and checking the whole chain.

Each entry's hash is SHA-256 over a canonical encoding of its fields and the previous entry's hash, so
changing a field, removing an entry or moving one breaks the chain at that point. Appends are serialised:
on PostgreSQL by a transaction-scoped advisory lock taken before the last entry is read (several service
processes share one database), on SQLite by its single writer (every write transaction is BEGIN IMMEDIATE);
the sequence number's primary key refuses a second entry with the same number either way.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

from sqlalchemy import insert, select, text

from .. import clock
from .models import AuditEntry

GENESIS = "0" * 64
LOCK_KEY = 0x6261_6E67_6675_0A01  # "bangfu" + audit: one advisory lock for the whole log
_table = AuditEntry.__table__
_LAST = select(_table.c.seq, _table.c.hash).order_by(_table.c.seq.desc()).limit(1)  # built once: every command
_INSERT = insert(_table)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_HASHED = ("seq", "at", "actor_id", "actor_name", "address", "action", "subject_kind", "subject_id",
           "household_id", "detail")


def canonical_detail(detail):
    return json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _instant(at):
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(fields, prev_hash):
    """SHA-256 (hex) of the entry's fields and the previous hash, as canonical JSON."""
    encoded = {name: fields[name] for name in _HASHED}
    encoded["at"] = _instant(encoded["at"])
    encoded["prev_hash"] = prev_hash
    payload = json.dumps(encoded, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def append(connection, action, actor_id=None, actor_name="system", address=None, subject_kind=None,
           subject_id=None, household_id=None, detail=None):
    """Append one entry in the connection's transaction (which commits or rolls back with it); returns its seq."""
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": LOCK_KEY})
    last = connection.execute(_LAST).first()
    fields = {"seq": last.seq + 1 if last else 1, "at": clock.now(), "actor_id": actor_id,
              "actor_name": (actor_name or "system")[:64], "address": (address or None) and address[:64],
              "action": action[:120], "subject_kind": subject_kind, "subject_id": subject_id,
              "household_id": household_id, "detail": canonical_detail(detail)}
    prev_hash = last.hash if last else GENESIS
    connection.execute(_INSERT, {**fields, "prev_hash": prev_hash, "hash": entry_hash(fields, prev_hash)})
    return fields["seq"]


@dataclass(frozen=True)
class Break:
    """Where the chain first fails: the entry's sequence number, what happened to it, a sentence saying so."""

    seq: int
    kind: str  # changed, removed, reordered
    message: str


@dataclass(frozen=True)
class Verdict:
    count: int
    broken: Break | None = None
    last_hash: str = GENESIS  # of the last entry checked: kept with a backup, it shows entries cut off the end


def verify(connection, batch=1000):
    """Walk the whole chain in sequence order; the first entry changed, removed or moved, or None."""
    previous_hash, expected, count = GENESIS, 1, 0
    rows = connection.execution_options(stream_results=True, yield_per=batch).execute(
        select(_table).order_by(_table.c.seq))
    for row in rows:
        broken = _check(connection, row, expected, previous_hash)
        if broken:
            return Verdict(count, broken, previous_hash)
        previous_hash, expected, count = row.hash, row.seq + 1, count + 1
    return Verdict(count, None, previous_hash)


def _check(connection, row, expected, previous_hash):
    if row.seq != expected:
        last = row.seq - 1
        which = f"第 {expected} 条" if last == expected else f"第 {expected} 至 {last} 条"
        return Break(expected, "removed", f"审计日志{which}已被删除（或移走）：第 {expected - 1} 条之后是第 {row.seq} 条")
    if row.prev_hash != previous_hash:
        origin = connection.execute(select(_table.c.seq).where(_table.c.hash == row.prev_hash)).scalar()
        if origin is not None and origin != row.seq - 1:
            return Break(row.seq, "reordered",
                         f"审计日志第 {row.seq} 条的位置被改动：它原本接在第 {origin} 条之后（原为第 {origin + 1} 条）")
        if entry_hash(row._mapping, row.prev_hash) != row.hash or row.seq == 1:  # this entry's own link was edited
            return Break(row.seq, "changed", f"审计日志第 {row.seq} 条被改动：它记下的前一条哈希与链不符")
        return Break(row.seq - 1, "changed",
                     f"审计日志第 {row.seq - 1} 条被改动：第 {row.seq} 条记下的前一条哈希与它不符")
    if entry_hash(row._mapping, row.prev_hash) != row.hash:
        return Break(row.seq, "changed", f"审计日志第 {row.seq} 条被改动：内容与其哈希不符")
    return None
