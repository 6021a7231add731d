"""How workflow instances are stored and locked.

A case row holds its instance's state (never the spec), as zlib-compressed JSON
(about a fifth of the size, for far less I/O per command), and a version number.
Saving flushes an UPDATE guarded by the version the instance was loaded with, so
of two commands racing on one case exactly one commits and the other gets a Conflict.
"""
import logging
import zlib

from sqlalchemy.orm import object_session
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
            session.info.pop(_SAVED, None)
            log.info("lost an optimistic-lock race, attempt %d of %d", attempt + 1, ATTEMPTS)
            if attempt == ATTEMPTS - 1:
                raise


class InstanceStore:
    def __init__(self, engine):
        self.engine = engine

    def start(self, version, data=None):
        return self.engine.start(version.engine_key, lambda: version.spec_json, data)

    def load(self, case):
        """The case's instance; the one just saved in this session when it is still current."""
        saved = object_session(case).info.get(_SAVED, {}).get(case.id)
        if saved and saved[0] == case.version:
            return saved[1]
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
        session.info.setdefault(_SAVED, {})[case.id] = (case.version, instance)
