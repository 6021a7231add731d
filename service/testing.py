"""Helpers shared by the test suite and the benchmarks: a standard cast of people and a JSON
client that acts as one of them. Nothing here runs in the service itself."""
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from .demo import ORGANISATIONS
from .money import payment_demo as money_demo
from .money.demo_standards import FIRST_HALF_2027, approved, suzhou
from .people.models import User
from .people.operations import create_organisation, create_user, token_for_username
from .process_models.operations import deploy
from .resources import bundled_models
from .services import services
from .unit_of_work import run_in

HARDSHIP_BPMN = bundled_models() / "hardship_assistance.bpmn"
PEOPLE = {
    "union1": ("grassroots_union", "U-STEEL"),
    "union2": ("grassroots_union", "U-YANGSHE"),
    "center1": ("assistance_center", "ZJG-CENTER"),
    "thirdparty1": ("third_party", "TP-SUNSHINE"),
    "thirdparty2": ("third_party", "TP-HEART"),
    "inspector1": ("inspector", "INSPECT"),
    "approver1": ("approver", "ZJG-CENTER"),
    "finance1": ("finance", "ZJG-CENTER"),
    "finance2": ("finance", "ZJG-CENTER"),  # approves (复核) the batches finance1 builds
    "supervisor1": ("supervisor", "ZJG-CENTER"),
    "designer1": ("designer", "ZJG-CENTER"),
    "head1": ("centre_head", "ZJG-CENTER"),
}
LANE_USER = {"grassroots_union": "union1", "assistance_center": "center1", "third_party": "thirdparty1",
             "inspector": "inspector1", "approver": "approver1", "finance": "finance1",
             "centre_head": "head1"}


def populate(app, extra_orgs=(), extra_people=None):
    """Deploy the hardship model, create the organisations and people (password: <username>-secret), and the
    fund standard of 2026 (Suzhou's figures), drafted by center1 and approved by approver1."""
    def setup(session):
        deploy(session, services(), HARDSHIP_BPMN.read_bytes())
        for code, name, kind in list(ORGANISATIONS) + list(extra_orgs):
            create_organisation(session, code, name, kind)
        for username, (role, org) in {**PEOPLE, **(extra_people or {})}.items():
            create_user(session, username, role, org, f"{username}-secret", hash_profile="fast")
        _approved_standard(session, suzhou())
    run_in(app, setup)


def _approved_standard(session, draft, drafter="center1", approver="approver1"):
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_((drafter, approver))))}
    return approved(session, users[drafter], users[approver], draft).id


def approved_standard(app, start=date(2027, 1, 1), kind="half_year", number="苏工党〔2026〕58号", replaces=None,
                      drafter="center1", approver="approver1", **amounts):
    """Draft and approve a fund standard with the demo's items; returns its id. Without arguments: the demo's
    first half of 2027 (低保 1245; living aid at most 1245 / 850 / 1050 a month for 深度 / 相对 / 意外)."""
    amounts = {**FIRST_HALF_2027, **amounts}
    draft = replace(suzhou(start, kind, number, **amounts), replaces_id=replaces)
    return run_in(app, _approved_standard, draft, drafter, approver)


class UserClient:
    """The Flask test client speaking JSON as a named user, one bearer token per user."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self._tokens = {}

    def token(self, username):
        if username not in self._tokens:
            # valid for a year: tests move the service's clock on by weeks
            self._tokens[username] = run_in(self.app, token_for_username, username, 365)
        return self._tokens[username]

    def request(self, method, path, user=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path, user=None, **kwargs):
        return self.request("GET", path, user, **kwargs)

    def post(self, path, user=None, **kwargs):
        return self.request("POST", path, user, **kwargs)

    def put(self, path, user=None, **kwargs):
        return self.request("PUT", path, user, **kwargs)

    def patch(self, path, user=None, **kwargs):
        return self.request("PATCH", path, user, **kwargs)

def pay_case_through_batch(app, case_id, maker="finance1", checker="finance2"):
    """Pay a hardship case waiting on its payment task as finance does (batch, approval, bank result); the
    result completes the task. Returns the payment line's reference."""
    def pay(session):
        return money_demo.pay_case_through_batch(session, services(), case_id, maker, checker).reference
    return run_in(app, pay)


def payable_households(app, specs, organisation="U-STEEL", approved_on=None):
    """Filed households, each with an award created now: `specs` are dicts of worker_name and optionally
    account_holder (default: the worker), status (default filed), programme (default sudden: one instalment),
    amount (default 1000.00). Returns the household ids in order."""
    from datetime import date
    from decimal import Decimal

    from sqlalchemy import select

    from . import clock
    from .households.models import Household
    from .money.awards import Grant, create_award
    from .people.models import Organisation

    def create(session):
        org = session.scalar(select(Organisation).where(Organisation.code == organisation))
        ids = []
        for number, spec in enumerate(specs):
            name = spec["worker_name"]
            household = Household(
                organisation_id=org.id, worker_name=name, worker_id_number=f"ID{number}",
                worker_id_digest=f"{name}-{number}".ljust(64, "0")[:64], phone="13800138000",
                bank_name="中国农业银行张家港支行", bank_account_name=spec.get("account_holder", name),
                bank_card_number=spec.get("account", "6228480402564890018"), status=spec.get("status", "filed"),
                declared_on=date(2026, 1, 5), filed_on=date(2026, 2, 1), category="relative")
            session.add(household)
            session.flush()
            grant = Grant(spec.get("programme", "sudden"), Decimal(spec.get("amount", "1000.00")))
            create_award(session, household, grant, approved_on=approved_on or clock.today())
            ids.append(household.id)
        return ids
    return run_in(app, create)

