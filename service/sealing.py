"""Personal data sealed at rest: AES-256-GCM under a keyring whose every value names the key that sealed it.

A sealed text is `v1:<key id>:<base64 of nonce + ciphertext>`; sealed bytes (the workflow state) are the same
without the base64. The nonce is random (96 bits) per value, and the column the value belongs to
("households.phone") is authenticated with it, so a value copied into another column, or changed by one bit,
does not open. The keyring has one current key, which seals, and older keys, which only open: adding a new key
first and running `bangfu keys rotate` moves every value onto it (service/key_rotation.py) while the service
keeps reading values under either key.

The keyring is set on the engine's dialect (db.init_app), so the column types below find it without an app
context: each app, and each test database, carries its own.
"""
import base64
import binascii
import os
import re
import secrets
from decimal import Decimal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, Text
from sqlalchemy.sql import operators
from sqlalchemy.types import TypeDecorator

VERSION = "v1"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
NONCE_BYTES = 12
KEY_BYTES = 32
DIALECT_ATTRIBUTE = "bangfu_keyring"


class SealError(Exception):
    """A value cannot be sealed or opened: no keyring, a key the keyring lacks, or a value changed at rest."""


class KeyringInvalid(ValueError):
    """The text of a keyring (BANGFU_DATA_KEYS or its file) is malformed; the message says how."""


class Keyring:
    """Keys by id; `current` seals, every key opens."""

    def __init__(self, keys, current):
        if current not in keys:
            raise KeyringInvalid(f"当前密钥 {current} 不在密钥环中")
        self.keys = dict(keys)
        self.current = current
        self._ciphers = {key_id: AESGCM(key) for key_id, key in self.keys.items()}

    @classmethod
    def parse(cls, text):
        """Entries `<id>:<base64 of 32 bytes>`, separated by commas, spaces or new lines; the first is current.
        Lines starting with # are comments."""
        lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
        entries = [entry for entry in re.split(r"[\s,]+", " ".join(lines)) if entry]
        if not entries:
            raise KeyringInvalid("没有密钥（格式：<密钥编号>:<32 字节密钥的 base64>，可由 `bangfu keys new` 生成）")
        keys = {}
        for entry in entries:
            key_id, _, encoded = entry.partition(":")
            if not KEY_ID.match(key_id):
                raise KeyringInvalid("密钥编号只能含字母、数字、- 与 _（至多 32 个字符），"
                                     "格式：<密钥编号>:<32 字节密钥的 base64>")
            if key_id in keys:
                raise KeyringInvalid(f"密钥编号 {key_id} 重复")
            try:
                key = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            except (binascii.Error, ValueError):
                key = b""
            if len(key) != KEY_BYTES:
                raise KeyringInvalid(f"密钥 {key_id} 应为 {KEY_BYTES} 字节的 base64（可由 `bangfu keys new` 生成）")
            keys[key_id] = key
        return cls(keys, entries[0].partition(":")[0])

    def seal(self, plain, context):
        """`plain` (bytes) sealed under the current key, as bytes naming the key."""
        return f"{VERSION}:{self.current}:".encode() + self._encrypt(plain, context)

    def open(self, stored, context):
        """The plain bytes of a value `seal` gave; SealError naming the key if it is missing or the value
        was changed."""
        key_id = key_of(stored)
        return self._decrypt(key_id, bytes(stored).split(b":", 2)[2], context)

    def seal_text(self, plain, context):
        body = base64.b64encode(self._encrypt(plain.encode("utf-8"), context)).decode()
        return f"{VERSION}:{self.current}:{body}"

    def open_text(self, stored, context):
        key_id = key_of(stored)
        try:
            body = base64.b64decode(stored.split(":", 2)[2], validate=True)
        except binascii.Error:
            raise SealError(f"{context} 的加密数据格式有误") from None
        return self._decrypt(key_id, body, context).decode("utf-8")

    def _encrypt(self, plain, context):
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._ciphers[self.current].encrypt(nonce, plain, context.encode())

    def _decrypt(self, key_id, body, context):
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealError(f"数据密钥 {key_id} 未配置：{context} 的数据用它加密（在 BANGFU_DATA_KEYS 中保留该密钥）")
        try:
            return cipher.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], context.encode())
        except InvalidTag:
            raise SealError(f"{context} 的加密数据无法通过校验（已被改动，或密钥 {key_id} 不是加密时的那把）") \
                from None


def key_of(stored):
    """The id of the key a stored value (text or bytes) was sealed with."""
    raw = stored.encode() if isinstance(stored, str) else bytes(stored)
    parts = raw.split(b":", 2)
    if len(parts) < 3 or parts[0] != VERSION.encode():
        raise SealError("数据未加密或格式有误（应以 v1:<密钥编号>: 开头）")
    return parts[1].decode("ascii", "replace")


def new_key():
    """A fresh key, base64 (URL-safe) of 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")


def keyring_of(dialect):
    keyring = getattr(dialect, DIALECT_ATTRIBUTE, None)
    if keyring is None:
        raise SealError("没有配置数据密钥（BANGFU_DATA_KEYS 或 BANGFU_DATA_KEY_FILE）")
    return keyring


def attach(engine, keyring):
    """Give the engine's columns of sealed types the keyring (its dialect is shared by every connection)."""
    setattr(engine.dialect, DIALECT_ATTRIBUTE, keyring)


class _Sealed(TypeDecorator):
    """A column whose values are sealed on the way in and opened on the way out; `context` names the column
    (table.column) and is authenticated with each value.

    SQL can only ask whether such a column is NULL: a value sealed for a comparison gets its own nonce and
    would silently never match, so `==`, LIKE and the rest raise instead (compare a keyed digest)."""

    cache_ok = True

    class comparator_factory(TypeDecorator.Comparator):
        def operate(self, op, *other, **kwargs):
            if op in (operators.is_, operators.is_not):
                return super().operate(op, *other, **kwargs)
            raise TypeError(f"sealed column {self.type.context} cannot be compared in SQL ({op.__name__})")

    def __init__(self, context, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.context = context


class SealedText(_Sealed):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring_of(dialect).seal_text(self.to_plain(value), self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else self.from_plain(keyring_of(dialect).open_text(value, self.context))

    def to_plain(self, value):
        return str(value)

    def from_plain(self, value):
        return value


class SealedDecimal(SealedText):
    """A Decimal (an income) kept as its sealed text: no SQL arithmetic on it, which nothing needs."""

    cache_ok = True

    def to_plain(self, value):
        return str(Decimal(value))

    def from_plain(self, value):
        return Decimal(value)


class SealedBytes(_Sealed):
    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else keyring_of(dialect).seal(bytes(value), self.context)

    def process_result_value(self, value, dialect):
        return None if value is None else keyring_of(dialect).open(bytes(value), self.context)


def sealed_columns(metadata):
    """(table, column) of every column of a sealed type, the rotation's work list."""
    return [(table, column) for table in metadata.sorted_tables for column in table.columns
            if isinstance(column.type, _Sealed)]
