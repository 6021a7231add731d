"""The tamper-evident audit log (审计日志): who did what to which case or household, when and from where.

models: the append-only table; chain: hashing, appending and verifying; recording: what the unit of work,
sign-in and the privacy rules append; labels: the Chinese names of actions; queries: the inspectors' search.
"""
from .recording import (SIGN_IN, SIGN_IN_FAILED, SIGN_IN_LOCKED, SIGN_IN_THROTTLED, command_action, init_app, note,
                        note_unmasked, record_alone, viewing)

__all__ = ["SIGN_IN", "SIGN_IN_FAILED", "SIGN_IN_LOCKED", "SIGN_IN_THROTTLED", "command_action", "init_app", "note",
           "note_unmasked", "record_alone", "viewing"]
