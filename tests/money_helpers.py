"""Helpers of the awards tests: the programme models deployed, and the id of the suite's fund standard in force
(populate approves 2026's, bangfu.money.demo_standards: living aid at most 1208 / 800 / 1000 a month for
深度 / 相对 / 意外, medical at most 20000 and 意外致困 at most 10000 a case, 送温暖 1000 a household)."""
from datetime import date

from bangfu.money.programmes import MODELS
from bangfu.money.standards import in_force
from bangfu.process_models.operations import deploy
from bangfu.resources import bundled_models
from bangfu.services import services
from bangfu.unit_of_work import run_in


def deploy_programmes(app):
    def setup(session):
        for key in MODELS:
            deploy(session, services(), (bundled_models() / f"{key}.bpmn").read_bytes())
    run_in(app, setup)


def standard_in_force(app, on=date(2026, 11, 30)):
    return run_in(app, lambda session: in_force(session, on).id)
