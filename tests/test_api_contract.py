"""Schemathesis against the served OpenAPI document: every operation, as several callers, with generated
valid and invalid input, answers without a server error and as the document says (status code, content type,
body schema, headers, 405 with Allow for a method the path lacks).

The document is read through WSGI from an app of the service's own factory when the module is collected
(it does not depend on the database); each test then calls the suite's `app` (in-process WSGI, on SQLite or
BANGFU_TEST_DATABASE_URL), seeded with cases at a few stages so that generated ids reach real rows.
Examples are bounded and derandomized so the module runs in about a minute and a failure reproduces.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from bangfu import create_app
from conftest import INSTANCE_DIR

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance,
          response_headers_conformance, unsupported_method]
ROLES = ["union1", "center1", "supervisor1", "designer1"]
TOKEN_PATH = "/api/v1/auth/token"
EXAMPLES_PER_OPERATION = 20

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(
    {"DATABASE_URL": "sqlite://", "TESTING": True, "INSTANCE_PATH": str(INSTANCE_DIR)}))


@pytest.fixture
def seeded(app, case_at):
    """The suite's app with one case waiting for the household visit (its parallel oversight open too)
    and one approved and waiting for payment (its amount set)."""
    for stage in ("household_visit", "payment"):
        case_at(stage)
    return app


def call_and_validate(case, app, headers):
    case.call_and_validate(app=app, headers=headers, checks=CHECKS)


@schema.parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_a_caller_without_a_token_as_documented(case, app):
    call_and_validate(case, app, {})


@pytest.mark.parametrize("role", ROLES, ids=str)
@schema.exclude(path=TOKEN_PATH).parametrize()  # open to all: the anonymous test covers it
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_every_operation_answers_each_role_as_documented(case, role, seeded, api):
    call_and_validate(case, seeded, {"Authorization": f"Bearer {api.token(role)}"})


# The centre head (中心负责人) alone may reassign a task (改派) and manage the staff (users, their roles,
# delegations made for someone away), and reads the audit log with the inspectors and supervisors: its operations
# as that role, with real tasks in the pool to reassign and real users to change.
@schema.include(path_regex=r"^/api/v1/(tasks|audit|users|delegations)").parametrize()
@settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_the_centre_heads_operations_answer_as_documented(case, seeded, api):
    call_and_validate(case, seeded, {"Authorization": f"Bearer {api.token('head1')}"})
