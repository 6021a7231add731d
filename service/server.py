"""Running the service under gunicorn: several processes, each with a pool of threads.

Every process builds its own app (and database pool) after the fork, so nothing opened in the parent
is shared. Behind a reverse proxy, set BANGFU_PROXY_COUNT so the app trusts its X-Forwarded-* headers
(ProxyFix, in create_app). The access log names the path without its query string: a search may carry
a name or an ID number.
"""
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


def serve(app, host, port, workers, threads):
    """Serve until stopped. `app` is only the parent's checked configuration; workers build their own."""
    from . import db
    db.engine_of(app).dispose()
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
