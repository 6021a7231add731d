"""How workflow instances are stored and locked.

A case row holds its instance's state (never the spec) and a version number.
Saving flushes an UPDATE guarded by the version the instance was loaded with, so
of two commands racing on one case exactly one commits and the other gets a Conflict.
"""
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict

STALE_MESSAGE = "该案件刚被其他人更新，本次操作未生效，请刷新后重试"


class InstanceStore:
    def __init__(self, engine):
        self.engine = engine

    def start(self, version, data=None):
        return self.engine.start(version.engine_key, lambda: version.spec_json, data)

    def load(self, case):
        version = case.process_version
        return self.engine.restore(version.engine_key, lambda: version.spec_json, case.workflow_state)

    def save(self, session, case, instance):
        """Write the instance's state into the case and flush under the version check."""
        case.workflow_state = self.engine.dump(instance)
        try:
            session.flush()
        except StaleDataError:
            raise Conflict(STALE_MESSAGE) from None
