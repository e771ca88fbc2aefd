"""schemathesis, driven by GET /openapi.json, against the WSGI app in-process.

Positive and negative cases for every operation, through all of schemathesis' response checks:
no 5xx; status, content type, headers and body as documented; schema-invalid input refused;
schema-valid input accepted (where a schema can say what is valid); unauthenticated calls to
secured operations refused. schemathesis' pytest plugin does not run under pytest 9, so each
operation is driven through a Hypothesis test of its own.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from tests.http.conftest import FUTURE, PASSWORD

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.auths import AuthStorage  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

EXAMPLES_PER_OPERATION_AND_MODE = 100
# The seeded accounts: the fake token service names its user in the token.
OWNER_TOKEN, USER_TOKEN = "token-for-1", "token-for-2"
OWNER_ONLY = {("POST", "/movies"), ("POST", "/shows")}
# Rules a JSON Schema cannot state, so schema-valid input may still get a (documented) 400:
# a show's timing must be in the future, a password at most 72 bytes of UTF-8.
NOT_EVERY_VALID_INPUT_IS_ACCEPTED = {"POST /shows", "POST /signup"}


class RoleAuth:
    """The owner's token where only owners may act, the user's everywhere else."""

    def get(self, case: Any, ctx: Any) -> str:
        return OWNER_TOKEN if (case.method.upper(), case.path) in OWNER_ONLY else USER_TOKEN

    def set(self, case: Any, data: str, ctx: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _auth_storage() -> Any:
    storage = AuthStorage()
    # No caching: the token depends on the operation.
    storage.auth(refresh_interval=None)(RoleAuth)
    return storage


def _seed(app: Boxoffice) -> None:
    app.sign_up(name="O", email="owner@example.com", password=PASSWORD, role="owner")
    app.sign_up(name="U", email="user@example.com", password=PASSWORD, role="user")
    owner = app.authenticate(OWNER_TOKEN)
    movie = app.add_movie(owner, title="Alien", genre="sci-fi", duration=117)
    timing = datetime.fromisoformat(FUTURE)
    app.add_show(owner, movie_id=movie.id, timing=timing, available_seats=100_000)


def _integral_float_fields(case: Any) -> bool:
    # JSON Schema counts 2.0 as an integer; the domain, on purpose, takes only real ints.
    body = case.body if isinstance(case.body, dict) else {}
    return any(isinstance(value, float) for value in body.values())


def _fuzz(operation: Any, mode: Any, auth: Any, statuses: Counter[tuple[str, int]]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, auth_storage=auth))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def exchange(case: Any) -> None:
        response = case.call()
        statuses[(operation.label, response.status_code)] += 1
        lenient = operation.label in NOT_EVERY_VALID_INPUT_IS_ACCEPTED or _integral_float_fields(
            case
        )
        excluded = [positive_data_acceptance] if lenient else []
        case.validate_response(response, excluded_checks=excluded)

    exchange()


@pytest.mark.slow
def test_the_app_honours_its_openapi_document(app: Boxoffice) -> None:
    _seed(app)
    wsgi = create_app(app, token_ttl_seconds=900)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi)
    statuses: Counter[tuple[str, int]] = Counter()
    without_negative_cases = []
    auth = _auth_storage()

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, auth, statuses)
            except Unsatisfiable:
                # An operation without inputs (GET /health) has nothing to make invalid.
                assert mode is GenerationMode.NEGATIVE, operation.label
                without_negative_cases.append(operation.label)

    # Shown with -s: the figures the project notes quote.
    print(f"\nschemathesis: {sum(statuses.values())} exchanges")
    print(f"  no negative cases possible for: {', '.join(without_negative_cases)}")
    for (label, status), count in sorted(statuses.items()):
        print(f"  {label} -> {status}: {count}")
    assert not any(status >= 500 for _, status in statuses)
