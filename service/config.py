"""Settings, read from BANGFU_* environment variables and checked once, at start; `bangfu --help` lists them.

A bad value stops the service with one line naming the variable (ConfigError). Without BANGFU_SECRET_KEY
the service refuses to start, except in development mode (BANGFU_ENV=development, set by `make run`),
where a random key is kept in the instance folder so that sessions survive a restart. The data keys
(BANGFU_DATA_KEYS or BANGFU_DATA_KEY_FILE, sealing.py) are required the same way, with the same exception.
"""
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOCAL_TIMEZONE = timezone(timedelta(hours=8))  # what users read: China Standard Time
MIN_SECRET_LENGTH = 32
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting has a value the service cannot run with; the message names the variable."""


def _text(value):
    return value


def _database_url(value):
    try:
        url = make_url(value)
    except ArgumentError:
        raise ValueError("不是有效的数据库 URL（例如 postgresql+psycopg://user@host/db 或 sqlite:///path）") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError("只支持 sqlite 与 postgresql")
    return value


def _number(kind, low, high):
    """A parser for `kind` (int or Decimal) between `low` and `high` inclusive."""
    message = f"应为 {low} 到 {high} 之间的{'整数' if kind is int else '数'}"

    def parse(value):
        try:
            number = kind(str(value).strip())
        except (ValueError, InvalidOperation):
            raise ValueError(message) from None
        if not (kind is int or number.is_finite()) or not kind(low) <= number <= kind(high):
            raise ValueError(message)
        return number
    return parse


def _integer(low, high):
    return _number(int, low, high)


def _decimal(low, high):
    return _number(Decimal, low, high)


def _seconds(low, high):
    parse_decimal = _decimal(low, high)
    return lambda value: float(parse_decimal(value))


def _choice(*choices):
    def parse(value):
        if str(value).strip().upper() not in {c.upper() for c in choices}:
            raise ValueError(f"应为 {'、'.join(choices)} 之一")
        return str(value).strip().upper() if choices == LOG_LEVELS else str(value).strip().lower()
    return parse


def _month_day(value):
    """A day of the year as MM-DD (no 29 February: it would skip three years in four)."""
    try:
        month, day = (int(part) for part in value.strip().split("-"))
        date(2027, month, day)
    except ValueError:
        raise ValueError("应为月-日，如 12-01（不能是 02-29）") from None
    return month, day


def _flag(value):
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("应为 1 或 0")


def _secret(value):
    if value is not None and len(value) < MIN_SECRET_LENGTH:
        raise ValueError(f"至少 {MIN_SECRET_LENGTH} 个字符（例如 python -c 'import secrets; "
                         "print(secrets.token_urlsafe(48))' 的输出）")
    return value


def _bank_layouts(value):
    """A path whose layouts load (checked at start, so a bad file stops the service, not an export)."""
    from .money.bank_files import load_layouts
    if not value.strip():
        return None
    load_layouts(value.strip())
    return value.strip()


@dataclass(frozen=True)
class Setting:
    env: str
    key: str
    default: Any
    help: str
    parse: Callable = _text


SETTINGS = [
    Setting("BANGFU_ENV", "ENV", "production", "production, or development (`make run`: a local secret key)",
            _choice("production", "development")),
    Setting("BANGFU_DATABASE_URL", "DATABASE_URL", None,
            "SQLAlchemy URL; default: SQLite file bangfu.sqlite3 in the instance folder", _database_url),
    Setting("BANGFU_SECRET_KEY", "SECRET_KEY", None,
            f"signs session cookies; required outside development, at least {MIN_SECRET_LENGTH} characters",
            _secret),
    Setting("BANGFU_LOOKUP_KEY", "LOOKUP_KEY", None,
            "keys the digests resident IDs are looked up by (at least 32 characters); default: BANGFU_SECRET_KEY. "
            "After changing it, `bangfu keys rehash`", _secret),
    Setting("BANGFU_DATA_KEYS", "DATA_KEYS", None,
            "keys sealing personal data at rest, `<id>:<key>` separated by commas, the current one first "
            "(`bangfu keys new` makes one); required outside development unless BANGFU_DATA_KEY_FILE is set"),
    Setting("BANGFU_DATA_KEY_FILE", "DATA_KEY_FILE", None,
            "file holding the data keys instead of BANGFU_DATA_KEYS (same format, one a line, current first)"),
    Setting("BANGFU_INSTANCE_PATH", "INSTANCE_PATH", None,
            "folder for the SQLite file and designers' form edits; default: Flask's instance folder"),
    Setting("BANGFU_BPMN_DIR", "BPMN_DIR", None, "models `bangfu init` deploys; default: the bundled models"),
    Setting("BANGFU_FORMS_DIR", "FORMS_DIR", None,
            "designers' forms, read before the bundled ones; default: forms/ in the instance folder"),
    Setting("BANGFU_NOTICE_MIN_DAYS", "NOTICE_MIN_DAYS", "5",
            "shortest public notice (公示), working days counting the first and the last", _integer(1, 60)),
    Setting("BANGFU_ANNUAL_REVIEW_DATE", "ANNUAL_REVIEW_DATE", "12-01",
            "day of the year (MM-DD, China) the scheduler starts that year's annual review (年度复核)", _month_day),
    Setting("BANGFU_FOLLOW_UP_MONTHS", "FOLLOW_UP_MONTHS", "6",
            "months after a 脱困 exit that the 防返困 follow-up visit falls due", _integer(1, 36)),
    Setting("BANGFU_BANK_LAYOUTS", "BANK_LAYOUTS", None,
            "JSON file of banks' batch-transfer (代发) file layouts, added to the built-in 通用, 工商银行, 中国银行",
            _bank_layouts),
    Setting("BANGFU_TOKEN_DAYS", "TOKEN_DAYS", "30", "days an API token stays valid", _integer(1, 3650)),
    Setting("BANGFU_SIGN_IN_ACCOUNT_LIMIT", "SIGN_IN_ACCOUNT_LIMIT", "5",
            "failed sign-ins to one account name within the window that lock it (429 until the lock ends)",
            _integer(1, 1000)),
    Setting("BANGFU_SIGN_IN_ADDRESS_LIMIT", "SIGN_IN_ADDRESS_LIMIT", "20",
            "failed sign-ins from one client address, whatever the account, within the window that lock it",
            _integer(1, 100_000)),
    Setting("BANGFU_SIGN_IN_WINDOW_MINUTES", "SIGN_IN_WINDOW_MINUTES", "15",
            "minutes over which failed sign-ins are counted", _integer(1, 1440)),
    Setting("BANGFU_SIGN_IN_LOCK_MINUTES", "SIGN_IN_LOCK_MINUTES", "15",
            "minutes a locked account name or address stays locked", _integer(1, 1440)),
    Setting("BANGFU_SESSION_IDLE_MINUTES", "SESSION_IDLE_MINUTES", "120",
            "minutes without a request after which a page session ends (sign in again)", _integer(1, 1440)),
    Setting("BANGFU_SESSION_HOURS", "SESSION_HOURS", "12", "hours after sign-in that a page session ends, however used",
            _integer(1, 168)),
    Setting("BANGFU_SCRIPT_TIMEOUT", "SCRIPT_TIMEOUT", "1.0", "seconds of CPU a BPMN script or condition may use",
            _seconds("0.05", "60")),
    Setting("BANGFU_SCRIPT_MEMORY_MB", "SCRIPT_MEMORY_MB", "256", "memory a script's worker process may use, MB",
            _integer(64, 8192)),
    Setting("BANGFU_ENGINE_TIMEOUT", "ENGINE_TIMEOUT", "5", "seconds one command may run a case's workflow",
            _seconds("0.1", "600")),
    Setting("BANGFU_ENGINE_STEPS", "ENGINE_STEPS", "500", "engine steps one command may take on a case",
            _integer(10, 1_000_000)),
    Setting("BANGFU_CASE_STATE_KB", "CASE_STATE_KB", "4096",
            "largest workflow state (all its data, uncompressed) a case may carry, KB", _integer(64, 262144)),
    Setting("BANGFU_INSTANCE_CACHE", "INSTANCE_CACHE", "256",
            "workflow instances kept in memory per process between commands (0: none)", _integer(0, 100_000)),
    Setting("BANGFU_SCHEDULER_INTERVAL", "SCHEDULER_INTERVAL", "5",
            "seconds between the scheduler's ticks (each fires every timer and job then due)", _seconds("0.5", "3600")),
    Setting("BANGFU_PROXY_COUNT", "PROXY_COUNT", "0",
            "reverse proxies in front of the service whose X-Forwarded-* headers are trusted", _integer(0, 5)),
    Setting("BANGFU_SECURE_COOKIES", "SESSION_COOKIE_SECURE", "0", "1 behind HTTPS: cookies only over HTTPS (a request that came over HTTPS gets them anyway)",
            _flag),
    Setting("BANGFU_LOG_LEVEL", "LOG_LEVEL", "INFO", "logging level", _choice(*LOG_LEVELS)),
]


def load(app, overrides=None):
    """Fill app.config from the environment (then `overrides`), checking every value; raise ConfigError."""
    overrides = overrides or {}
    for setting in SETTINGS:
        raw = overrides.get(setting.key, os.environ.get(setting.env, setting.default))
        if raw is None or isinstance(raw, (bool, int, float, Decimal)) and not isinstance(raw, str):
            app.config[setting.key] = raw
            continue
        try:
            app.config[setting.key] = setting.parse(raw)
        except ValueError as exc:
            raise ConfigError(f"配置错误：{setting.env} {exc}") from None
    app.config.update({k: v for k, v in overrides.items() if k not in {s.key for s in SETTINGS}})
    instance = Path(app.instance_path)
    if not app.config["DATABASE_URL"]:
        instance.mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{instance / 'bangfu.sqlite3'}"
    app.config["FORMS_DIR"] = Path(app.config["FORMS_DIR"] or instance / "forms")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _development_key(app)
    app.config["LOOKUP_KEY"] = app.config["LOOKUP_KEY"] or app.config["SECRET_KEY"]
    app.config["DATA_KEYRING"] = _data_keyring(app)


def _development_key(app):
    if app.config.get("TESTING"):
        return secrets.token_urlsafe(48)
    if app.config["ENV"] != "development":
        raise ConfigError("配置错误：未设置 BANGFU_SECRET_KEY。生产环境必须设置（至少 "
                          f"{MIN_SECRET_LENGTH} 个字符）；本机试用请设置 BANGFU_ENV=development")
    return _instance_file(app, "development-secret-key", lambda: secrets.token_urlsafe(48)).strip()


def _instance_file(app, name, make):
    """The text of a file in the instance folder, written with `make()` first if it is missing."""
    path = Path(app.instance_path) / name
    if not path.exists():  # written whole, then linked into place: several workers may start at once
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        draft.touch(0o600)
        draft.write_text(make())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text()


def _data_keyring(app):
    """The keyring sealing personal data (sealing.py), from BANGFU_DATA_KEYS, its file, or in development and
    tests a key kept in the instance folder."""
    from .sealing import Keyring, KeyringInvalid, new_key
    text, source = app.config["DATA_KEYS"], "BANGFU_DATA_KEYS"
    if not text and app.config["DATA_KEY_FILE"]:
        source = "BANGFU_DATA_KEY_FILE"
        try:
            text = Path(app.config["DATA_KEY_FILE"]).read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"配置错误：BANGFU_DATA_KEY_FILE 无法读取（{type(exc).__name__}）") from None
    if not text:
        if app.config["ENV"] != "development" and not app.config.get("TESTING"):
            raise ConfigError("配置错误：未设置 BANGFU_DATA_KEYS（或 BANGFU_DATA_KEY_FILE）。个人信息加密保存，"
                              "生产环境必须设置数据密钥（`bangfu keys new` 生成）；本机试用请设置 BANGFU_ENV=development")
        source = "development-data-keys"
        text = _instance_file(app, "development-data-keys", lambda: f"dev1:{new_key()}\n")
    try:
        return Keyring.parse(text)
    except KeyringInvalid as exc:
        raise ConfigError(f"配置错误：{source} {exc}") from None


def safe_url(url):
    """The database URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def help_text():
    lines = ["\b", "Environment:"]
    lines += [f"  {s.env:28} {s.help}" for s in SETTINGS]
    return "\n".join(lines)
