"""The long-lived collaborators an operation needs, built once per app."""
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from . import calendar
from .engine import Engine, Limits
from .forms import FormLibrary
from .instances.store import InstanceStore
from .people.sessions import SessionLimits
from .people.sign_in import SignInLimits
from .resources import bundled_models


@dataclass
class Services:
    engine: Engine
    store: InstanceStore
    forms: FormLibrary
    models_dir: object  # a folder of .bpmn files: BANGFU_BPMN_DIR, or the bundled models (a Traversable)
    token_days: int
    notice_min_days: int = 5  # the shortest public notice (公示), in working days
    annual_review_date: tuple = (12, 1)  # (month, day) the scheduler starts the year's annual review
    follow_up_months: int = 6  # a 脱困 exit's 防返困 follow-up falls due this many months later
    sign_in_limits: SignInLimits = SignInLimits()
    session_limits: SessionLimits = SessionLimits()


def build(config):
    engine = Engine(script_timeout=config["SCRIPT_TIMEOUT"], script_memory_mb=config["SCRIPT_MEMORY_MB"],
                    limits=Limits(steps=config["ENGINE_STEPS"], seconds=config["ENGINE_TIMEOUT"]),
                    calendar=calendar.current)
    models_dir = Path(config["BPMN_DIR"]) if config["BPMN_DIR"] else bundled_models()
    store = InstanceStore(engine, config["INSTANCE_CACHE"], max_state_bytes=config["CASE_STATE_KB"] * 1024)
    return Services(engine, store, FormLibrary(config["FORMS_DIR"]), models_dir, config["TOKEN_DAYS"],
                    config["NOTICE_MIN_DAYS"], config["ANNUAL_REVIEW_DATE"], config["FOLLOW_UP_MONTHS"],
                    SignInLimits.from_config(config), SessionLimits.from_config(config))


def init_app(app):
    app.extensions["bangfu.services"] = build(app.config)


def services():
    return current_app.extensions["bangfu.services"]
