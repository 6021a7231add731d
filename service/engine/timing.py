"""SpiffWorkflow's timer events read the service's clock (bangfu.clock), not the system's.

Its timer module calls `datetime.now(timezone.utc)` when a timer is reached and when it checks whether
one is due; giving that module a `datetime` whose `now` is the service clock makes a test that moves
the clock on (or the scheduler's tick) see the same time as due dates and the notice rule.
"""
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer

from .. import clock
from ..config import LOCAL_TIMEZONE


class _ServiceClockDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        instant = clock.now()
        return instant.astimezone(tz) if tz is not None else instant.astimezone().replace(tzinfo=None)


def install():
    _spiff_timer.datetime = _ServiceClockDatetime
    # A date-time without an offset is China time, not the server's zone (Spiff reads the server's at import).
    _spiff_timer.LOCALTZ = LOCAL_TIMEZONE


install()
