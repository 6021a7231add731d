"""Settings, read from BANGFU_* environment variables; `bangfu --help` lists them."""
import os
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_TIMEZONE = timezone(timedelta(hours=8))  # what users read: China Standard Time
DEFAULT_SECRET_KEY = "dev-only-change-me"

# (environment variable, config key, default, help)
SETTINGS = [
    ("BANGFU_DATABASE_URL", "DATABASE_URL", None,
     "SQLAlchemy URL; default: SQLite file instance/bangfu.sqlite3"),
    ("BANGFU_SECRET_KEY", "SECRET_KEY", DEFAULT_SECRET_KEY, "secret for signing; set it in production"),
    ("BANGFU_BPMN_DIR", "BPMN_DIR", str(PROJECT_ROOT / "bpmn"), "bundled BPMN models deployed by `bangfu init`"),
    ("BANGFU_FORMS_DIR", "FORMS_DIR", str(PROJECT_ROOT / "forms"), "JSON-Schema forms of user tasks"),
    ("BANGFU_DIBAO_LINE", "DIBAO_LINE", "1208", "local 低保 line, yuan per person per month"),
    ("BANGFU_DIBAO_DOCUMENT", "DIBAO_DOCUMENT", "苏州市城乡最低生活保障标准（1208 元/人·月）",
     "the document that sets the 低保 line"),
    ("BANGFU_RELATIVE_MULTIPLIER", "RELATIVE_MULTIPLIER", "2", "相对困难: below this many times the 低保 line"),
    ("BANGFU_SUDDEN_MULTIPLIER", "SUDDEN_MULTIPLIER", "3.5",
     "意外致困: sudden hardship and below this many times the 低保 line"),
    ("BANGFU_TOKEN_DAYS", "TOKEN_DAYS", "30", "days an API token stays valid"),
    ("BANGFU_SCRIPT_TIMEOUT", "SCRIPT_TIMEOUT", "1.0", "seconds a BPMN script or condition may run"),
    ("BANGFU_INSTANCE_CACHE", "INSTANCE_CACHE", "256",
     "workflow instances kept in memory per process between commands (0: none)"),
    ("BANGFU_LOG_LEVEL", "LOG_LEVEL", "INFO", "logging level"),
]


def load(app, overrides=None):
    for env, key, default, _ in SETTINGS:
        app.config[key] = os.environ.get(env, default)
    app.config.update(overrides or {})
    if not app.config["DATABASE_URL"]:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'bangfu.sqlite3'}"
    for key in ("DIBAO_LINE", "RELATIVE_MULTIPLIER", "SUDDEN_MULTIPLIER"):
        app.config[key] = Decimal(str(app.config[key]))
    app.config["TOKEN_DAYS"] = int(app.config["TOKEN_DAYS"])
    app.config["INSTANCE_CACHE"] = int(app.config["INSTANCE_CACHE"])
    app.config["SCRIPT_TIMEOUT"] = float(app.config["SCRIPT_TIMEOUT"])


def help_text():
    lines = ["\b", "Environment:"]
    lines += [f"  {env:28} {text}" for env, _, _, text in SETTINGS]
    return "\n".join(lines)
