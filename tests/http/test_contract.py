"""The declarations (entrypoints/http/contract.py, shapes.py) drive the service and its document
alike: configured bounds, the body's reading, and which routes wait on password hashing."""

from __future__ import annotations

import json
from typing import Any

import falcon.testing
import msgspec
import pytest

from boxoffice.domain.rules import Limits
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.app import PASSWORD_HASHING_ROUTES
from boxoffice.entrypoints.http.contract import OPERATIONS, Operation
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService
from tests.http.conftest import FUTURE, Api


@pytest.fixture
def tight(memory_uow: Any) -> Api:
    """The service under limits other than the defaults."""
    boxoffice = Boxoffice.from_ports(
        uow=memory_uow,
        hasher=FakePasswordHasher(),
        tokens=FakeTokenService(),
        clock=FakeClock(),
        limits=Limits(max_seats_per_booking=4, max_show_capacity=50, max_page_size=7),
    )
    return Api(falcon.testing.TestClient(create_app(boxoffice, token_ttl_seconds=60)))


def test_configured_limits_bound_the_document_and_the_service_alike(tight: Api) -> None:
    schemas = tight.call("GET", "/openapi.json").json["components"]["schemas"]
    owner = tight.account("owner@example.com", "owner")
    movie = tight.add_movie(owner)
    user = tight.account("user@example.com")

    assert schemas["BookingRequest"]["properties"]["num_seats"]["maximum"] == 4
    assert schemas["HoldRequest"]["properties"]["seats"]["maxItems"] == 4
    assert schemas["ShowRequest"]["properties"]["available_seats"]["maximum"] == 50
    show = tight.add_show(owner, movie["id"], seats=50)
    too_large = {"movie_id": movie["id"], "timing": FUTURE, "available_seats": 51}
    assert tight.call("POST", "/shows", json=too_large, token=owner).json["description"] == (
        "available_seats: must be between 1 and 50"
    )
    assert tight.book(user, show["id"], seats=4).status_code == 201
    assert tight.book(user, show["id"], seats=5).json["description"] == (
        "num_seats: must be between 1 and 4"
    )
    assert tight.call("GET", "/movies", params={"limit": 8}).status_code == 400


def test_the_limit_parameter_is_documented_with_its_configured_bounds(tight: Api) -> None:
    operation = tight.call("GET", "/openapi.json").json["paths"]["/movies"]["get"]

    (limit,) = [p for p in operation["parameters"] if p["name"] == "limit"]

    assert limit["schema"] == {"type": "integer", "minimum": 1, "maximum": 7}
    assert limit["description"] == "page size, default 100"


def test_log_in_and_sign_up_are_the_routes_that_hash_passwords() -> None:
    assert frozenset({"/login", "/signup"}) == PASSWORD_HASHING_ROUTES


def test_null_is_an_absent_optional_field(api: Api, user: str, show: dict[str, Any]) -> None:
    body = {"show_id": show["id"], "num_seats": 2, "seats": None}

    result = api.call("POST", "/bookings", json=body, token=user)

    assert result.status_code == 201, result.text


@pytest.mark.parametrize(
    ("seat_map", "description"),
    [
        ({"rows": [{"label": "A", "seats": 3}], "gaps": []}, "seat_map.gaps: is not a known field"),
        (
            {"rows": [{"label": "A", "seats": 3, "x": 1}]},
            "seat_map.rows[0].x: is not a known field",
        ),
        (
            {"rows": [{"label": "A", "seats": 501}]},
            "seat_map.rows[0].seats: must be between 1 and 500",
        ),
        ({"rows": []}, "seat_map.rows: must not be empty"),
        (
            {"rows": [{"label": "a", "seats": 3}]},
            "seat_map.rows: a row label must be 1 to 3 letters A-Z",
        ),
        ({"rows": "A"}, "seat_map.rows: must be a list"),
    ],
)
def test_a_seat_map_is_read_field_by_field(
    api: Api, owner: str, seat_map: dict[str, Any], description: str
) -> None:
    movie = api.add_movie(owner)
    body = {"movie_id": movie["id"], "timing": FUTURE, "seat_map": seat_map}

    result = api.call("POST", "/shows", json=body, token=owner)

    assert result.status_code == 400
    assert result.json["description"] == description


@pytest.mark.parametrize(
    ("seat_map", "field"),
    [
        ([], "seat_map"),
        ("A", "seat_map"),
        ({"rows": [{"label": "A", "seats": True}]}, "seat_map.rows[0].seats"),
        ({"rows": [{"label": "", "seats": 3}]}, "seat_map.rows"),
        ({"rows": [{"label": "A1", "seats": 3}]}, "seat_map.rows"),
        ({"rows": [{"label": "A", "seats": 3}, {"label": "A", "seats": 2}]}, "seat_map.rows"),
        ({"rows": [{"label": "A", "seats": 3}], "blocked": ["A4"]}, "seat_map.blocked"),
        ({"rows": [{"label": "A", "seats": 2}], "blocked": ["A1", "A2"]}, "seat_map.blocked"),
        ({"rows": [{"label": "A", "seats": 2}], "blocked": ["A1", "A1"]}, "seat_map.blocked"),
        ({"rows": [{"label": "A", "seats": 2}], "blocked": "A1"}, "seat_map.blocked"),
    ],
)
def test_a_bad_seat_map_is_refused_naming_its_field(
    api: Api, owner: str, seat_map: Any, field: str
) -> None:
    movie = api.add_movie(owner)
    body = {"movie_id": movie["id"], "timing": FUTURE, "seat_map": seat_map}

    result = api.call("POST", "/shows", json=body, token=owner)

    assert result.status_code == 400, result.text
    assert result.json["description"].startswith(f"{field}: ")
    assert api.call("GET", "/shows").json == []


def test_a_role_outside_the_enum_names_the_choices(api: Api) -> None:
    body = {"name": "A", "email": "a@b.io", "password": "password1", "role": "admin"}

    result = api.call("POST", "/signup", json=body)

    assert result.json["description"] == "role: must be one of: user, owner"


@pytest.mark.parametrize(
    ("credentials", "description"),
    [
        ({"email": 1, "password": "p"}, "email: must be a string"),
        ({"email": "a@b.io", "password": None}, "password: must be a string"),
        ({"email": [], "password": "p"}, "email: must be a string"),
        ({"email": "a@b.io", "password": {}}, "password: must be a string"),
    ],
)
def test_log_in_refuses_a_wrongly_typed_field_as_a_client_error_naming_it(
    api: Api, credentials: dict[str, Any], description: str
) -> None:
    result = api.call("POST", "/login", json=credentials)

    assert result.status_code == 400
    assert result.json["description"] == description


def test_lone_surrogates_are_json_and_reach_the_rules_that_refuse_them(api: Api) -> None:
    raw = json.dumps({"name": "\ud800", "email": "a@b.io", "password": "password1", "role": "user"})

    result = api.call("POST", "/signup", body=raw, headers={"Content-Type": "application/json"})

    assert result.status_code == 400
    assert result.json["description"].startswith("name: ")


_WITH_BODY = [op for op in OPERATIONS if op.body is not None]


@pytest.mark.parametrize(
    ("operation", "field"),
    [(op, f.encode_name) for op in _WITH_BODY for f in msgspec.structs.fields(op.body)],
    ids=lambda value: value if isinstance(value, str) else f"{value.method} {value.route}",
)
@pytest.mark.parametrize("wrong", [True, None, [], {}], ids=["true", "null", "list", "object"])
def test_every_body_field_of_the_wrong_json_type_is_a_400_naming_it(
    api: Api, owner: str, operation: Operation, field: str, wrong: object
) -> None:
    path = operation.route.format(**dict.fromkeys(operation.path_params, 1))
    token = owner if operation.secured else None

    result = api.call(operation.method, path, json={field: wrong}, token=token)

    refused_as_mistyped = result.json.get("description", "").startswith(f"{field}: must be ")
    if _accepts(operation, field, wrong):
        assert not refused_as_mistyped, result.json
    else:
        assert result.status_code == 400, result.json
        assert refused_as_mistyped, result.json


def _accepts(operation: Operation, name: str, value: object) -> bool:
    """null where the field is optional, an empty list where a list is declared and an object
    where one is: the right JSON types, refused (if at all) for something else."""
    assert operation.body is not None
    (field,) = [f for f in msgspec.structs.fields(operation.body) if f.encode_name == name]
    if value is None:
        return field.default is not msgspec.NODEFAULT
    if value == []:
        return "list[" in str(field.type)
    return value == {} and "Request" in str(field.type)
