"""Moving sealed values onto the current data key (`bangfu keys rotate`), and counting values per key.

Rotation reads a batch of values not sealed under the current key, opens each with the key it names and seals
it again, and writes it back only where the stored value is still the one read, all in one short transaction
per batch: a command that wrote the row meanwhile sealed under the current key already and keeps its value.
The service keeps running throughout, reading values under either key, so there is no downtime; once every
column counts nothing under an old key, that key can leave the keyring.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import LargeBinary, Text, func, select, type_coerce

from .sealing import VERSION, SealedBytes, key_of, sealed_columns

BATCH = 200


@dataclass
class Rotation:
    current: str
    moved: Counter = field(default_factory=Counter)  # "table.column" -> values sealed again

    @property
    def total(self):
        return sum(self.moved.values())


def _stored(column):
    """The column as stored (sealed), bypassing its type's opening."""
    return type_coerce(column, LargeBinary() if isinstance(column.type, SealedBytes) else Text())


def _prefix(column, key_id):
    prefix = f"{VERSION}:{key_id}:"
    return prefix.encode() if isinstance(column.type, SealedBytes) else prefix


def rotate(engine, keyring, metadata, batch=BATCH, progress=None):
    """Seal again, under the keyring's current key, every value of every sealed column sealed under another;
    a Rotation with the counts. SealError (naming the key) for a value under a key the keyring lacks."""
    rotation = Rotation(keyring.current)
    for table, column in sealed_columns(metadata):
        stored, prefix = _stored(column), _prefix(column, keyring.current)
        context = column.type.context
        last = 0
        while True:
            with engine.begin() as connection:  # one transaction per batch
                rows = connection.execute(
                    select(table.c.id, stored).where(table.c.id > last, stored.is_not(None),
                                                     func.substr(stored, 1, len(prefix)) != prefix)
                    .order_by(table.c.id).limit(batch)).all()
                if not rows:
                    break
                for row_id, old in rows:
                    new = _reseal(keyring, old, context, column)
                    result = connection.execute(table.update().where(table.c.id == row_id, stored == old)
                                                .values({column.name: type_coerce(new, stored.type)}))
                    rotation.moved[context] += result.rowcount
                last = rows[-1][0]
            if progress:
                progress(context, rotation.moved[context])
    return rotation


def _reseal(keyring, old, context, column):
    if isinstance(column.type, SealedBytes):
        return keyring.seal(keyring.open(bytes(old), context), context)
    return keyring.seal_text(keyring.open_text(old, context), context)


def census(engine, metadata, batch=5000):
    """{key id: values sealed under it}, over every sealed column: which keys the data still needs."""
    counts = Counter()
    for table, column in sealed_columns(metadata):
        stored = _stored(column)
        # The key id sits between the first two colons; 40 characters hold it (ids are at most 32).
        head = func.substr(stored, 1, 40)
        last = 0
        with engine.connect() as connection:
            while True:
                rows = connection.execute(select(table.c.id, head).where(table.c.id > last, stored.is_not(None))
                                          .order_by(table.c.id).limit(batch)).all()
                if not rows:
                    break
                counts.update(_key_id_of(value) for _, value in rows)
                last = rows[-1][0]
    return counts


def _key_id_of(head):
    raw = head.encode() if isinstance(head, str) else bytes(head)
    parts = raw.split(b":", 2)
    return key_of(raw) if len(parts) == 3 else "（格式有误）"


@dataclass
class Rehash:
    households: int = 0
    members: int = 0
    awards: int = 0
    awards_unmatched: int = 0  # a student's digest no household or member row maps: left as it was


def rehash(engine, digest):
    """Recompute every resident-ID digest with `digest` (number -> hex), after the lookup key changed: the
    workers' and members' from their (sealed) numbers, and the education awards' student digests through the
    old digest -> new digest pairs those rows give (an award keeps no number). One transaction: lookups see
    the old digests or the new ones, never a mixture; run it with the service stopped, as until it commits a
    service already on the new key finds nobody by ID."""
    from .households.models import Household, HouseholdMember
    from .money.models import Award
    households, members, awards = Household.__table__, HouseholdMember.__table__, Award.__table__
    result, pairs = Rehash(), {}
    with engine.begin() as connection:
        for table, number, digest_column, counter in (
                (households, households.c.worker_id_number, households.c.worker_id_digest, "households"),
                (members, members.c.id_number, members.c.id_digest, "members")):
            for row_id, plain, old in connection.execute(
                    select(table.c.id, number, digest_column).where(number.is_not(None))).all():
                new = digest(plain)
                pairs[old] = new
                if new != old:
                    connection.execute(table.update().where(table.c.id == row_id).values({digest_column.name: new}))
                    setattr(result, counter, getattr(result, counter) + 1)
        for row_id, old in connection.execute(select(awards.c.id, awards.c.student_id_digest)
                                              .where(awards.c.student_id_digest.is_not(None))).all():
            new = pairs.get(old)
            if new is None:
                result.awards_unmatched += 1
            elif new != old:
                connection.execute(awards.update().where(awards.c.id == row_id).values(student_id_digest=new))
                result.awards += 1
    return result
