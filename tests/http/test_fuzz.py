"""schemathesis, driven by GET /openapi.json, against the WSGI app in-process.

Positive and negative cases for every operation, through all of schemathesis' response checks:
no 5xx; status, content type, headers and body as documented; schema-invalid input refused;
schema-valid input accepted (where a schema can say what is valid); unauthenticated calls to
secured operations refused. schemathesis' pytest plugin does not run under pytest 9, so each
operation is driven through a Hypothesis test of its own.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

from boxoffice.bootstrap import build
from boxoffice.config import Settings
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from tests.fakes import FakeResolver
from tests.http.conftest import FUTURE, PASSWORD

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.auths import AuthStorage  # noqa: E402
from schemathesis.checks import positive_data_acceptance  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

# BOXOFFICE_FUZZ_EXAMPLES=1000 for a longer hunt than CI's. The SQL legs, there to find what
# only a real database refuses, run fewer: the document's checks do not depend on storage.
EXAMPLES_PER_OPERATION_AND_MODE = int(os.environ.get("BOXOFFICE_FUZZ_EXAMPLES", "60"))
SQL_SHARE = 0.4
OWNER_ONLY = {
    ("POST", "/movies"),
    ("PATCH", "/movies/{movie_id}"),
    ("POST", "/shows"),
    ("POST", "/shows/series"),
    ("PATCH", "/shows/{show_id}"),
    ("DELETE", "/shows/{show_id}"),
    ("POST", "/cinemas"),
    ("POST", "/cinemas/{cinema_id}/screens"),
    ("PATCH", "/screens/{screen_id}"),
    ("PATCH", "/cinemas/{cinema_id}"),
    ("POST", "/cinemas/{cinema_id}/ticket-types"),
    ("GET", "/cinemas/{cinema_id}/report"),
    ("GET", "/shows/{show_id}/report"),
    ("POST", "/checkins"),
    ("DELETE", "/checkins/{code}"),
    ("GET", "/shows/{show_id}/waitlist"),
    ("POST", "/cinemas/{cinema_id}/webhooks"),
    ("GET", "/cinemas/{cinema_id}/webhooks"),
    ("GET", "/webhooks/{webhook_id}"),
    ("DELETE", "/webhooks/{webhook_id}"),
    ("GET", "/webhooks/{webhook_id}/deliveries"),
}
# Rules a JSON Schema cannot state, so schema-valid input may still get a (documented) 400:
# a show's timing must be in the future; a password at most 72 bytes of UTF-8, an email at
# most 254 characters once trimmed; a time zone must be a known IANA name; a layout's zones
# and blocked seats must be on its map; a series' days must be real, in order and ahead; a
# listing's date needs its cinema_id, and its instants a timezone; a show's capacity can only
# change under general admission; a currency must be a real one; a report's `to` must follow
# its `from`; prices must name the cinema's ticket types and the show's zones; a waiting list
# takes only a party the show cannot seat now, once per user; a webhook's host must be a public
# address or a name that resolves to one.
NOT_EVERY_VALID_INPUT_IS_ACCEPTED = {
    "POST /cinemas/{cinema_id}/webhooks",
    "POST /shows/{show_id}/waitlist",
    "POST /shows",
    "POST /signup",
    "POST /cinemas",
    "POST /cinemas/{cinema_id}/screens",
    "PATCH /screens/{screen_id}",
    "POST /shows/series",
    "PATCH /shows/{show_id}",
    "PATCH /movies/{movie_id}",
    "GET /shows",
    "GET /cinemas/{cinema_id}/report",
}


def _reused_idempotency_key(case: Any, status: int) -> bool:
    """A key is valid on its own, yet refused (422) once an earlier request used it for
    something else: state the schema of one request cannot see.
    """
    return status == 422 and "Idempotency-Key" in (case.headers or {})


def _seed(app: Boxoffice) -> dict[str, str]:
    """An owner, a user, a movie and a large show; the two accounts' tokens by role."""
    tokens = {}
    for role in ("owner", "user"):
        email = f"{role}@example.com"
        app.sign_up(name=role, email=email, password=PASSWORD, role=role)
        tokens[role] = app.log_in(email=email, password=PASSWORD)
    owner = app.authenticate(tokens["owner"])
    cinema = app.add_cinema(owner, name="Odeon", time_zone="Europe/Berlin", currency="EUR")
    app.add_ticket_type(owner, cinema.id, code="adult", name="Adult")
    movie = app.add_movie(owner, title="Alien", genre="sci-fi", duration=117)
    timing = datetime.fromisoformat(FUTURE)
    app.add_show(owner, movie_id=movie.id, timing=timing, available_seats=100_000)
    seat_map = SeatMap.build([("A", 20), ("B", 20)])
    app.add_show(owner, movie_id=movie.id, timing=timing, seat_map=seat_map)
    return tokens


def _auth_storage(tokens: dict[str, str]) -> Any:
    class RoleAuth:
        """The owner's token where only owners may act, the user's everywhere else."""

        def get(self, case: Any, ctx: Any) -> str:
            owner_only = (case.method.upper(), case.path) in OWNER_ONLY
            return tokens["owner" if owner_only else "user"]

        def set(self, case: Any, data: str, ctx: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    storage = AuthStorage()
    # No caching: the token depends on the operation.
    storage.auth(refresh_interval=None)(RoleAuth)
    return storage


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzzed(request: pytest.FixtureRequest, app: Boxoffice, tmp_path: Path) -> Iterator[Boxoffice]:
    """The fakes-and-memory core, or the real one on SQL (real bcrypt, JWT, text encoding)."""
    if request.param == "memory":
        yield app
        return
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'fuzz.db'}"
        else:
            from tests.databases import postgres_database, require_postgres_url

            url = stack.enter_context(postgres_database(require_postgres_url()))
        settings = Settings(database_url=url, jwt_secret="f" * 48, bcrypt_rounds=4)
        # Host names of webhook URLs resolve to nothing: a test asks no name server.
        yield build(settings, resolver=FakeResolver())


def _names_seats(case: Any) -> bool:
    """Named seats must exist on the show's map (a general-admission show has none) and agree
    with num_seats: rules of the show and of two fields together, which no schema can state.
    """
    body = case.body if isinstance(case.body, dict) else {}
    return body.get("seats") is not None


def _names_ticket_types(case: Any) -> bool:
    """Ticket types must be the cinema's, one a seat: rules of the show and of two fields."""
    body = case.body if isinstance(case.body, dict) else {}
    return body.get("ticket_types") is not None


def _integral_float_fields(case: Any) -> bool:
    # JSON Schema counts 2.0 as an integer; the domain, on purpose, takes only real ints.
    body = case.body if isinstance(case.body, dict) else {}
    return any(isinstance(value, float) for value in body.values())


def _fuzz(
    operation: Any, mode: Any, auth: Any, examples: int, statuses: Counter[tuple[str, int]]
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, auth_storage=auth))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def exchange(case: Any) -> None:
        response = case.call()
        statuses[(operation.label, response.status_code)] += 1
        lenient = (
            operation.label in NOT_EVERY_VALID_INPUT_IS_ACCEPTED
            or _integral_float_fields(case)
            or _names_seats(case)
            or _names_ticket_types(case)
            or _reused_idempotency_key(case, response.status_code)
        )
        excluded = [positive_data_acceptance] if lenient else []
        case.validate_response(response, excluded_checks=excluded)

    exchange()


@pytest.mark.slow
def test_the_app_honours_its_openapi_document(
    fuzzed: Boxoffice, request: pytest.FixtureRequest
) -> None:
    examples = EXAMPLES_PER_OPERATION_AND_MODE
    if "memory" not in request.node.name:
        examples = max(1, int(examples * SQL_SHARE))
    auth = _auth_storage(_seed(fuzzed))
    wsgi = create_app(fuzzed, token_ttl_seconds=900)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", wsgi)
    statuses: Counter[tuple[str, int]] = Counter()
    without_negative_cases = []

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in GenerationMode:
            try:
                _fuzz(operation, mode, auth, examples, statuses)
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
