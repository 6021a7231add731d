"""Backup and restore: a SQLite database copied online while another connection reads it, and a PostgreSQL
schema dumped with pg_dump and restored with pg_restore, each restore passing `bangfu audit verify` with the
same rows as the original."""
import os
import shutil
import subprocess
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from bangfu import db
from bangfu.cli import main
from conftest import INSTANCE_DIR
from test_audit import add_organisations, entries

SECRET = "audit-tests-" + "k" * 40


def bangfu(database_url, monkeypatch, *args):
    monkeypatch.setenv("BANGFU_DATABASE_URL", database_url)
    monkeypatch.setenv("BANGFU_INSTANCE_PATH", str(INSTANCE_DIR))
    monkeypatch.setenv("BANGFU_SECRET_KEY", SECRET)
    return CliRunner().invoke(main, list(args), prog_name="bangfu")


def rows(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return (conn.execute(text("SELECT seq, hash FROM audit_entries ORDER BY seq")).all(),
                    conn.execute(text("SELECT code, name FROM organisations ORDER BY code")).all())
    finally:
        engine.dispose()


def test_sqlite_backup_while_in_use_restores_to_a_copy_that_verifies(app, database_url, monkeypatch, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("the online backup command is for SQLite; PostgreSQL uses pg_dump")
    add_organisations(app, 3)
    backup_file = tmp_path / "bangfu-backup.sqlite3"
    with db.engine_of(app).connect() as reader, reader.begin():
        reader.execute(text("SELECT count(*) FROM audit_entries")).scalar()  # an open read, as a serving process
        result = bangfu(database_url, monkeypatch, "backup", str(backup_file))
    assert result.exit_code == 0 and "已备份到" in result.output, result.output

    restored = tmp_path / "restored.sqlite3"
    shutil.copyfile(backup_file, restored)  # restore: the service stopped, the copy put in the database's place
    restored_url = f"sqlite:///{restored}"
    verdict = bangfu(restored_url, monkeypatch, "audit", "verify")
    assert verdict.exit_code == 0, verdict.output
    assert f"共 {len(entries(app))} 条" in verdict.output
    assert rows(restored_url) == rows(database_url)


def test_backup_refuses_to_overwrite_a_file(app, database_url, monkeypatch, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    existing = tmp_path / "old.sqlite3"
    existing.write_text("keep me")
    result = bangfu(database_url, monkeypatch, "backup", str(existing))
    assert result.exit_code != 0 and "备份文件已存在" in result.output and "Traceback" not in result.output
    assert existing.read_text() == "keep me"


def test_backup_on_postgresql_points_to_pg_dump(app, database_url, monkeypatch, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    result = bangfu(database_url, monkeypatch, "backup", str(tmp_path / "x"))
    assert result.exit_code != 0 and "pg_dump" in result.output


def test_postgresql_pg_dump_and_pg_restore_into_a_fresh_database_verifies(app, database_url, monkeypatch, tmp_path):
    if database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL only (BANGFU_TEST_DATABASE_URL)")
    add_organisations(app, 3)
    schema = database_url.split("search_path%3D", 1)[1]
    dump = tmp_path / "bangfu.dump"
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "postgres"}
    source_db = db.engine_of(app).url.database
    subprocess.run(["pg_dump", "-Fc", "-n", schema, "-f", str(dump), source_db], check=True, env=env)
    fresh = f"bangfu_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", "-d", "postgres", "-c", f"CREATE DATABASE {fresh}"], check=True, env=env,
                   capture_output=True)
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", fresh, str(dump)], check=True, env=env)
        restored_url = database_url.replace(f"/{source_db}?", f"/{fresh}?", 1)
        verdict = bangfu(restored_url, monkeypatch, "audit", "verify")
        assert verdict.exit_code == 0, verdict.output
        assert f"共 {len(entries(app))} 条" in verdict.output
        assert rows(restored_url) == rows(database_url)
    finally:
        subprocess.run(["psql", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {fresh} WITH (FORCE)"],
                       env=env, capture_output=True)
