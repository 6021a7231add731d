"""Running the tick every BANGFU_SCHEDULER_INTERVAL seconds with APScheduler 3, until SIGTERM or SIGINT.

APScheduler only keeps time here: one interval job in its memory job store, never two at once
(max_instances=1, missed runs coalesced). Which process fires what is decided in the database (tick.py),
so any number of these may run over one PostgreSQL. On SIGTERM the running tick stops after the firing
it is in (each firing is its own transaction) and the process exits.
"""
import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from .tick import tick

log = logging.getLogger(__name__)
# APScheduler logs two INFO lines for every tick (every few seconds): the tick logs what it fired instead.
logging.getLogger("apscheduler").setLevel(logging.WARNING)


def run_forever(app, interval=None):
    interval = interval or app.config["SCHEDULER_INTERVAL"]
    stop = threading.Event()

    def safe_tick():
        try:
            result = tick(app, stop)
        except Exception:  # a database outage, say: logged, and the next tick tries again
            log.exception("scheduler tick failed")
            return
        if result.timers_fired or result.jobs_fired or result.failures:
            log.info("scheduler fired %d timer(s), %d job(s), %d failure(s)",
                     result.timers_fired, result.jobs_fired, len(result.failures))

    scheduler = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(safe_tick, "interval", seconds=interval, id="bangfu-tick", next_run_time=_now())
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    scheduler.start()
    log.info("scheduler running, a tick every %g s", interval)
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)  # the running tick returns after its current firing
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log.info("scheduler stopped")


def _now():
    from datetime import datetime, timezone
    return datetime.now(timezone.utc)
