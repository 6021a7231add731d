"""Running the service under gunicorn: several processes, each with a pool of threads.

Every process builds its own app (and database pool) after the fork, so nothing opened in the parent
is shared. Behind a reverse proxy, set BANGFU_PROXY_COUNT so the app trusts its X-Forwarded-* headers
(ProxyFix, in create_app). The access log names the path without its query string: a search may carry
a name or an ID number.
"""
import ctypes
import signal
import subprocess
import sys

from gunicorn.app.base import BaseApplication

ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


class _Gunicorn(BaseApplication):
    def __init__(self, options):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app
        return create_app()


def serve(app, host, port, workers, threads, scheduler=True):
    """Serve until stopped. `app` is only the parent's checked configuration; workers build their own.
    With `scheduler`, a `bangfu scheduler` process runs beside the workers and stops with the server."""
    from . import db
    db.engine_of(app).dispose()
    beside = _start_scheduler() if scheduler else None
    try:
        _serve(app, host, port, workers, threads)
    finally:
        if beside is not None:
            _stop(beside)


def _start_scheduler():
    """The scheduler as a child process: its own app and database pool, never forked with gunicorn's."""
    return subprocess.Popen([sys.executable, "-m", "bangfu.cli", "scheduler"], preexec_fn=_die_with_parent)


def _die_with_parent():
    """In the child: SIGTERM when the server process dies, however it dies (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _stop(child):
    if child.poll() is None:
        child.send_signal(signal.SIGTERM)
    try:
        child.wait(timeout=30)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    except ChildProcessError:  # gunicorn's arbiter reaps every child of its process, ours included
        pass


def _serve(app, host, port, workers, threads):
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 30,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "loglevel": app.config["LOG_LEVEL"].lower(),
        "proc_name": "bangfu",
        # gunicorn reads X-Forwarded-Proto only from these addresses; the app's ProxyFix does the rest.
        "forwarded_allow_ips": "127.0.0.1,::1" if app.config["PROXY_COUNT"] else "",
    }).run()
