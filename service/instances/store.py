"""How workflow instances are stored and locked.

A case row holds its instance's state (never the spec), as zlib-compressed JSON
(about a fifth of the size, for far less I/O per command), sealed by the column's type
(sealing.SealedBytes: the state carries the forms' personal data), and a version number.
Saving flushes an UPDATE guarded by the version the instance was loaded with, so
of two commands racing on one case exactly one commits and the other gets StaleState
(unit_of_work runs it again on fresh state).

Instances saved by committed commands are kept in a small per-process cache keyed
by case and version, so the next command on the same case (a visit completed right
after the assignment, a form submitted after its page was opened) skips restoring
the workflow from JSON. A command takes its instance out of the cache, so no two
requests ever share one; a version mismatch (another process wrote the case) misses.
"""
import threading
import zlib

from cachetools import LRUCache
from sqlalchemy import event
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from ..unit_of_work import StaleState

_SAVED = "bangfu.saved_instances"


class CaseDataTooLarge(Exception):
    """The workflow's state has grown past what a case may carry (BANGFU_CASE_STATE_KB)."""


class InstanceStore:
    def __init__(self, engine, cache_size=256, max_state_bytes=None):
        self.engine = engine
        self.max_state_bytes = max_state_bytes
        self._cache = LRUCache(cache_size) if cache_size else None
        self._lock = threading.Lock()

    def start(self, version):
        return self.engine.start(version.engine_key, lambda: version.spec_json)

    def start_timer(self, version):
        """The version's timer start event (engine.StartTimer: when its cases start), or None."""
        return self.engine.start_timer(version.engine_key, lambda: version.spec_json)

    def load(self, case, for_command=False):
        """The case's instance. A command (`for_command`) may take it from the cache of saved instances."""
        saved = object_session(case).info.get(_SAVED, (None, {}))[1].get(case.id)
        if saved and saved[0] == case.version:
            return saved[1]
        if for_command and self._cache is not None:
            with self._lock:
                cached = self._cache.pop(case.id, None)
            if cached and cached[0] == case.version:
                return cached[1]
        return self.restore(case)

    def restore(self, case, version=None):
        """The instance as last committed, never from a cache; on `version` (a newer version of the case's
        model with the same steps, say a repaired script) instead of its own when given."""
        version = version or case.process_version
        state = zlib.decompress(case.workflow_state).decode("utf-8")
        return self.engine.restore(version.engine_key, lambda: version.spec_json, state)

    def dump(self, instance):
        """The instance's state as stored; CaseDataTooLarge when it is past the cap."""
        state = self.engine.dump(instance).encode("utf-8")
        if self.max_state_bytes and len(state) > self.max_state_bytes:
            raise CaseDataTooLarge(len(state))
        return zlib.compress(state, 1)

    def save(self, session, case, instance, state=None):
        """Write the instance's state (or `state`, already dumped) into the case; flush under the version check."""
        case.workflow_state = state if state is not None else self.dump(instance)
        try:
            session.flush()
        except StaleDataError:
            raise StaleState() from None
        session.info.setdefault(_SAVED, (self, {}))[1][case.id] = (case.version, instance)

    def _remember(self, saved):
        if self._cache is None:
            return
        with self._lock:
            for case_id, entry in saved.items():
                self._cache[case_id] = entry


@event.listens_for(Session, "after_commit")
def _cache_committed_instances(session):
    store, saved = session.info.pop(_SAVED, (None, None))
    if store is not None:
        store._remember(saved)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_instances(session):
    session.info.pop(_SAVED, None)
