"""The long-lived collaborators an operation needs, built once per app."""
from dataclasses import dataclass

from flask import current_app

from .engine import Engine
from .households.assessment import Policy
from .instances.store import InstanceStore


@dataclass
class Services:
    engine: Engine
    store: InstanceStore
    policy: Policy
    forms_dir: str
    bpmn_dir: str
    token_days: int


def build(config):
    engine = Engine(script_timeout=config["SCRIPT_TIMEOUT"])
    policy = Policy(config["DIBAO_LINE"], config["RELATIVE_MULTIPLIER"], config["SUDDEN_MULTIPLIER"],
                    config["DIBAO_DOCUMENT"])
    return Services(engine, InstanceStore(engine, config["INSTANCE_CACHE"]), policy, config["FORMS_DIR"], config["BPMN_DIR"],
                    config["TOKEN_DAYS"])


def init_app(app):
    app.extensions["bangfu.services"] = build(app.config)


def services():
    return current_app.extensions["bangfu.services"]
