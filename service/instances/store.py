"""How workflow instances are stored and locked.

A case row holds its instance's state (never the spec), as zlib-compressed JSON
(about a fifth of the size, for far less I/O per command), and a version number.
Saving flushes an UPDATE guarded by the version the instance was loaded with, so
of two commands racing on one case exactly one commits and the other gets a Conflict.

Instances saved by committed commands are kept in a small per-process cache keyed
by case and version, so the next command on the same case (a visit completed right
after the assignment, a form submitted after its page was opened) skips restoring
the workflow from JSON. A command takes its instance out of the cache, so no two
requests ever share one; a version mismatch (another process wrote the case) misses.
"""
import logging
import threading
import zlib
from collections import OrderedDict

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from .. import db
from ..errors import Conflict

STALE_MESSAGE = "该案件刚被其他人更新，本次操作未生效，请刷新后重试"
ATTEMPTS = 3
_SAVED = "bangfu.saved_instances"
log = logging.getLogger(__name__)


class StaleInstance(Conflict):
    """Another transaction saved the instance first."""


def run_command(command):
    """Run `command(session)` and commit it as one transaction.

    When it loses the optimistic-lock race to another command on the same case
    (say, the visit and the oversight finishing at once), it is rolled back and run
    again on fresh state; a command that no longer makes sense then (the task was
    already completed) fails with its own Conflict.
    """
    session = db.session()
    for attempt in range(ATTEMPTS):
        try:
            result = command(session)
            session.commit()
            return result
        except StaleInstance:
            session.rollback()
            log.info("lost an optimistic-lock race, attempt %d of %d", attempt + 1, ATTEMPTS)
            if attempt == ATTEMPTS - 1:
                raise


class InstanceStore:
    def __init__(self, engine, cache_size=256):
        self.engine = engine
        self._cache = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def start(self, version, data=None):
        return self.engine.start(version.engine_key, lambda: version.spec_json, data)

    def load(self, case, for_command=False):
        """The case's instance. A command (`for_command`) may take it from the cache of saved instances."""
        saved = object_session(case).info.get(_SAVED, (None, {}))[1].get(case.id)
        if saved and saved[0] == case.version:
            return saved[1]
        if for_command:
            with self._lock:
                cached = self._cache.pop(case.id, None)
            if cached and cached[0] == case.version:
                return cached[1]
        version = case.process_version
        state = zlib.decompress(case.workflow_state).decode("utf-8")
        return self.engine.restore(version.engine_key, lambda: version.spec_json, state)

    def save(self, session, case, instance):
        """Write the instance's state into the case and flush under the version check."""
        case.workflow_state = zlib.compress(self.engine.dump(instance).encode("utf-8"), 1)
        try:
            session.flush()
        except StaleDataError:
            raise StaleInstance(STALE_MESSAGE) from None
        session.info.setdefault(_SAVED, (self, {}))[1][case.id] = (case.version, instance)

    def _remember(self, saved):
        if not self._cache_size:
            return
        with self._lock:
            for case_id, entry in saved.items():
                self._cache[case_id] = entry
                self._cache.move_to_end(case_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)


@event.listens_for(Session, "after_commit")
def _cache_committed_instances(session):
    store, saved = session.info.pop(_SAVED, (None, None))
    if store is not None:
        store._remember(saved)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_instances(session):
    session.info.pop(_SAVED, None)
