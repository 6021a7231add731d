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
        cfg.attributes["connection"] = connection
        cfg.attributes["id_digest_key"] = app.config["SECRET_KEY"]  # 0009_households indexes resident IDs with it
        command.upgrade(cfg, "head")
        connection.commit()
