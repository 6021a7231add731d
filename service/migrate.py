"""Create or upgrade the database schema with Alembic."""
import logging
from pathlib import Path

from alembic import command
from alembic.config import Config

from . import db

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


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
        try:
            cfg.attributes["connection"] = connection
            cfg.attributes["id_digest_key"] = app.config["SECRET_KEY"]  # 0009_households indexes resident IDs with it
            cfg.attributes["data_keyring"] = app.config["DATA_KEYRING"]  # 0021 seals personal data with it
            command.upgrade(cfg, "head")
            if sqlite:
                _check_foreign_keys(connection)
            connection.commit()
        finally:
            if sqlite:
                connection.rollback()
                _foreign_keys(connection, True)


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
