"""Create or upgrade the database schema with Alembic."""
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from . import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SEALING = "0021_sealed_personal_data"


def alembic_config(url):
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app):
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine = db.engine_of(app)
    cfg = alembic_config(app.config["DATABASE_URL"])
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, False)
        sealing = SEALING in _pending(cfg, connection)
        try:
            cfg.attributes["connection"] = connection
            cfg.attributes["id_digest_key"] = app.config["LOOKUP_KEY"]  # 0009_households indexes resident IDs with it
            cfg.attributes["data_keyring"] = app.config["DATA_KEYRING"]  # 0021 seals personal data with it
            command.upgrade(cfg, "head")
            if sqlite:
                _check_foreign_keys(connection)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _foreign_keys(connection, True)
        if sqlite and sealing:
            _rewrite_file(connection)


def _pending(cfg, connection):
    """The revisions an upgrade to head will run."""
    current = MigrationContext.configure(connection).get_current_revision()
    connection.rollback()
    return {script.revision for script in ScriptDirectory.from_config(cfg).iterate_revisions("head", current)}


def _rewrite_file(connection):
    """After 0021 sealed the personal data, the SQLite file still holds the plain values in freed pages and in
    the WAL: VACUUM writes the file anew and the checkpoint empties the WAL, so none is left on disk."""
    driver = connection.connection.driver_connection
    driver.execute("VACUUM")
    driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _foreign_keys(connection, on):
    """SQLite changes a column by copying its table and dropping the old one; with foreign keys on, that drop
    deletes the rows first and fires the ON DELETE actions of the tables referencing it (a case's timer rows
    would go). So migrations run with them off, as SQLite's own procedure for schema changes says, and the
    references are checked before the commit. The pragma takes effect only outside a transaction."""
    connection.rollback()  # the engine opens every transaction with BEGIN: the pragma goes to the bare driver
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


def _check_foreign_keys(connection):
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left {len(broken)} broken reference(s), first: {tuple(broken[0])}")
