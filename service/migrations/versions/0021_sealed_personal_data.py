"""Personal data sealed at rest (bangfu/sealing.py): ID numbers, phones, bank cards, incomes, free-text reasons,
opinions and notes, and every case's workflow state. The columns become TEXT (a sealed value is longer than the
plain one, and incomes are no longer numbers to the database), then every existing value is sealed, a batch of
rows per statement.

Sealing needs the data keys: `bangfu.migrate.upgrade` hands over the app's keyring
(config.attributes["data_keyring"]); a bare alembic run reads BANGFU_DATA_KEYS or BANGFU_DATA_KEY_FILE. Without
keys and with values to seal, the upgrade stops and says so. The downgrade opens every value again.

Revision ID: 0021_sealed_personal_data
Revises: 0025_case_request_keys
"""
import os
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = '0021_sealed_personal_data'
down_revision = '0025_case_request_keys'
branch_labels = None
depends_on = None

BATCH = 500
# table -> {column: its type before this revision}; workflow_state stays binary.
TEXT_COLUMNS = {
    "households": {"worker_id_number": sa.String(32), "phone": sa.String(32), "bank_card_number": sa.String(32),
                   "exit_reason_text": sa.Text()},
    "household_members": {"id_number": sa.String(32)},
    "household_status_changes": {"reason_text": sa.Text()},
    "household_incomes": {"household_income": sa.Numeric(12, 2), "per_capita_income": sa.Numeric(12, 2)},
    "case_events": {"opinion": sa.Text()},
    "payment_lines": {"account_number": sa.String(32), "phone": sa.String(32)},
    "account_verifications": {"account_number": sa.String(32), "note": sa.Text()},
    "adjustment_lines": {"note": sa.Text(), "decision_note": sa.Text()},
}
BINARY_COLUMNS = {"cases": ["workflow_state"]}


def upgrade():
    keyring = _keyring() if _any_values() else None  # before any change: a run without keys changes nothing
    for table, columns in TEXT_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, old in columns.items():
                if not isinstance(old, sa.Text):
                    batch.alter_column(column, type_=sa.Text(), existing_type=old,
                                       postgresql_using=f"{column}::text")
    for table, column, binary in _columns():
        keyring = _convert(table, column, binary, keyring, seal=True)


def downgrade():
    keyring = None
    for table, column, binary in _columns():
        keyring = _convert(table, column, binary, keyring, seal=False)
    for table, columns in TEXT_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, old in columns.items():
                if not isinstance(old, sa.Text):
                    using = f"{column}::numeric(12, 2)" if isinstance(old, sa.Numeric) else None
                    batch.alter_column(column, type_=old, existing_type=sa.Text(), postgresql_using=using)


def _any_values():
    connection = op.get_bind()
    return any(connection.execute(sa.select(sa.literal(1)).select_from(sa.table(table))
                                  .where(sa.column(column).is_not(None)).limit(1)).first()
               for table, column, _ in _columns())


def _columns():
    yield from ((table, column, False) for table, columns in TEXT_COLUMNS.items() for column in columns)
    yield from ((table, column, True) for table, columns in BINARY_COLUMNS.items() for column in columns)


def _convert(table_name, column_name, binary, keyring, seal):
    """Seal (or open) every value of one column, BATCH rows per read and per UPDATE; the keyring, loaded at
    the first value found."""
    connection = op.get_bind()
    kind = sa.LargeBinary() if binary else sa.Text()
    table = sa.table(table_name, sa.column("id", sa.Integer()), sa.column(column_name, kind))
    value = table.c[column_name]
    context_name = f"{table_name}.{column_name}"
    update = table.update().where(table.c.id == sa.bindparam("row_id")).values({column_name: sa.bindparam("new")})
    last = 0
    while True:
        rows = connection.execute(sa.select(table.c.id, value).where(table.c.id > last, value.is_not(None))
                                  .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return keyring
        keyring = keyring or _keyring()
        changed = [{"row_id": row_id, "new": _sealed(keyring, old, binary, context_name) if seal
                    else _opened(keyring, old, binary, context_name)} for row_id, old in rows]
        connection.execute(update, changed)
        last = rows[-1][0]


def _sealed(keyring, value, binary, context_name):
    if binary:
        return keyring.seal(bytes(value), context_name)
    return keyring.seal_text(_plain_text(value), context_name)


def _opened(keyring, value, binary, context_name):
    if binary:
        return keyring.open(bytes(value), context_name)
    return keyring.open_text(value, context_name)


def _plain_text(value):
    """The text a value was stored as; a number read back from SQLite's copy keeps its digits."""
    return value if isinstance(value, str) else str(value)


def _keyring():
    from bangfu.sealing import Keyring
    keyring = context.config.attributes.get("data_keyring")
    if keyring is not None:
        return keyring
    text = os.environ.get("BANGFU_DATA_KEYS")
    if not text and os.environ.get("BANGFU_DATA_KEY_FILE"):
        text = Path(os.environ["BANGFU_DATA_KEY_FILE"]).read_text()
    if not text:
        raise RuntimeError("0021_sealed_personal_data needs the data keys to seal personal data: run "
                           "`bangfu migrate` (or set BANGFU_DATA_KEYS for a bare alembic run)")
    return Keyring.parse(text)
