"""Database engine and the session of the current request or app context (unit_of_work commits it).

On SQLite every transaction starts with BEGIN IMMEDIATE and waits on a busy
timeout, so concurrent writers queue instead of failing with "database is locked".
"""
from contextlib import contextmanager
from datetime import timezone
from decimal import Decimal

from flask import current_app, g, has_request_context, request
from sqlalchemy import BigInteger, DateTime, MetaData, Numeric, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

from . import clock, sealing

GUARDED = "bangfu.guarded"  # sessions that only unit_of_work.run may commit
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


def utcnow():
    """Now by the service's clock (tests set it), for column defaults and timestamps."""
    return clock.now()


def make_engine(url):
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                               hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL keeps the file consistent and every transaction whole; it syncs at checkpoints
            # instead of at every commit, so a power cut (not a crash of the service) may lose the last few
            # commits -- whole commands, with their audit entries, never half of one.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages instead of the 2 MiB default
            # Deleted and overwritten content is zeroed, not left in free space (Debian builds do so already):
            # a value replaced by its sealed form leaves no plain copy in the file.
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            deferred = conn.get_execution_options().get("read_only")
            conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")

        return engine
    # hide_parameters: error messages and logs never carry the values, which may be personal data.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def init_app(app):
    engine = make_engine(app.config["DATABASE_URL"])
    sealing.attach(engine, app.config["DATA_KEYRING"])
    app.extensions["bangfu.db"] = sessionmaker(engine, expire_on_commit=False, info={GUARDED: True})
    app.extensions["bangfu.db.read"] = sessionmaker(engine.execution_options(read_only=True),
                                                    expire_on_commit=False, info={GUARDED: True})
    app.teardown_appcontext(_close_session)


def optimize(app):
    """Refresh the query planner's statistics (SQLite; PostgreSQL's autovacuum does this itself)."""
    engine = engine_of(app)
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            raw.cursor().execute("ANALYZE")
        finally:
            raw.close()


def engine_of(app):
    return app.extensions["bangfu.db"].kw["bind"]


def session():
    """The session of the current request or app context.

    GET requests only read, so on SQLite they start a plain (deferred) transaction
    and never queue behind writers; everything else takes the write lock up front.
    """
    if "db_session" not in g:
        reading = has_request_context() and request.method in ("GET", "HEAD")
        g.db_session = current_app.extensions["bangfu.db.read" if reading else "bangfu.db"]()
    return g.db_session


def _close_session(_exc):
    db_session = g.pop("db_session", None)
    if db_session is not None:
        db_session.rollback()
        db_session.close()


@contextmanager
def reading():
    """A separate read-only session, for work that must not hold SQLite's write lock (password checks)."""
    db_session = current_app.extensions["bangfu.db.read"]()
    try:
        yield db_session
    finally:
        db_session.rollback()
        db_session.close()


class Money(TypeDecorator):
    """An amount in yuan as a Decimal to the fen, stored exactly: NUMERIC(14, 2) on PostgreSQL, whole fen in an
    INTEGER on SQLite (whose NUMERIC keeps 12000.50 as a binary float, so that SUM would drift). SQL sums and
    comparisons of a Money column stay in the column's own unit and come back through this type."""

    impl = Numeric(14, 2)
    cache_ok = True
    FEN = Decimal("0.01")

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(BigInteger() if dialect.name == "sqlite" else Numeric(14, 2))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value) if not isinstance(value, Decimal) else value
        if value != value.quantize(self.FEN):
            raise ValueError("an amount has at most two decimals (fen)")
        return int(value * 100) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(self.FEN)
        return Decimal(value).quantize(self.FEN)
