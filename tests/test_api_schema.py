"""The API against its own OpenAPI description, with a property-based client (schemathesis): a
live server on 127.0.0.1 with the Bắc Kạn plan in a real database, the description read from it
(/api/v1/openapi.json), and every operation called with generated data, valid and not, as an
officer whose token may write. Each call must answer without a server error, with a status and a
body the description allows; a write that succeeds with the token must be refused without it
(the `ignored_auth` check); a call without a token is refused with 401. Every check of schemathesis
runs but positive_data_acceptance (see below).

API_SCHEMA_EXAMPLES sets how many calls each operation gets (25 by default)."""

from __future__ import annotations

import os
import re

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.conftest import api_token
from tests.helpers import served

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "25"))


@pytest.fixture
def live_api(app):
    """The app served on a free port of 127.0.0.1: (its address, the officer's token header)."""
    # The generated calls are many, and many are sent with a wrong token on purpose: the limits have their own test.
    app.config["API_CALLS_PER_MINUTE"] = app.config["API_REFUSED_TOKENS_PER_MINUTE"] = 1_000_000
    header = api_token("officer")
    with served(app) as address:
        yield address, header


@pytest.fixture
def api_schema(live_api):
    address, _header = live_api
    return schemathesis.openapi.from_url(f"{address}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,  # the same calls on every run: CI fails for a fault, not for a draw
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_its_description(case, live_api):
    address, header = live_api
    # Every check but one: a description cannot say that a finished task is 100% or that a report
    # names each task's results, so a call that fits the description may still be refused (422)
    # by the page's own rules. Calls that do not fit it must be refused (negative_data_rejection).
    case.call_and_validate(base_url=address, headers=header, excluded_checks=[checks.positive_data_acceptance])


def test_every_operation_is_described_and_refuses_a_call_without_a_token(app, live_api):
    """The description lists every route of the API, each needs the token, and each refuses a
    call without one (401 with what to send)."""
    address, _header = live_api
    description = requests.get(f"{address}/api/v1/openapi.json", timeout=10).json()
    operations = [
        (method.upper(), path)
        for path, item in description["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]
    routes = {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert set(operations) == routes and len(operations) >= 20
    assert description["security"] == [{"token": []}]
    for method, path in operations:
        url = address + path.replace("{plan_id}", "1").replace("{code}", "IV.4.1")
        url = url.replace("{update_id}", "1").replace("{period_id}", "1").replace("{report_id}", "1")
        url = url.replace("{question_id}", "1")
        response = requests.request(method, url, json={}, timeout=10)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json()["code"] == "token_missing"
