"""GET /openapi.json and GET /health; the document covers every route the app serves."""

from __future__ import annotations

import re
from typing import Any

import falcon
import pytest

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import create_app, reference
from tests.http.conftest import Api
from tests.http.test_waitlist import ENTRY_FIELDS
from tests.http.test_webhooks import DELIVERY_FIELDS, WEBHOOK_FIELDS
from tests.http.test_webhooks import EVENTS as EVENT_TYPES

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    result = api.call("GET", "/openapi.json")
    assert result.status_code == 200
    body: dict[str, Any] = result.json
    return body


def _served_routes(app: falcon.App[falcon.Request, falcon.Response]) -> set[tuple[str, str]]:
    served = set()
    for node in _nodes(app._router._roots):  # Falcon offers no public listing
        if node.resource is None:
            continue
        for method in METHODS:
            if hasattr(node.resource, f"on_{method}"):
                served.add((node.uri_template, method))
    return served


def _nodes(nodes: list[Any]) -> list[Any]:
    found = []
    for node in nodes:
        found += [node, *_nodes(node.children)]
    return found


def test_health(api: Api) -> None:
    result = api.call("GET", "/health")

    assert result.status_code == 200
    assert result.json == {"status": "ok"}


def test_the_document_is_openapi_3(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "boxoffice"


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    validator = pytest.importorskip("openapi_spec_validator")

    validator.validate(document)


def test_every_served_route_and_method_is_documented(
    app: Boxoffice, document: dict[str, Any]
) -> None:
    documented = {(path, method) for path, item in document["paths"].items() for method in item}

    served = _served_routes(create_app(app, token_ttl_seconds=60))

    # The reference page reads the API; it is not part of it.
    page = {(reference.ROUTE, "get"), (reference.ASSET_ROUTE, "get")}
    assert page <= served
    assert served - page == documented


def test_every_operation_documents_its_errors_as_json(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    schema = response["content"]["application/json"]["schema"]
                    # Error, or a shape that adds fields to it (ScheduleConflict's conflicts).
                    name = schema["$ref"].removeprefix("#/components/schemas/")
                    shape = document["components"]["schemas"][name]
                    assert {"title", "description"} <= set(shape["required"]), (path, method)
            if "requestBody" in operation:
                assert {"400", "413", "415"} <= set(operation["responses"]), (path, method)
            if "security" in operation:
                assert "401" in operation["responses"], (path, method)


def test_documented_path_parameters_match_the_templates(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        for operation in item.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def test_the_document_carries_the_configured_limits(
    document: dict[str, Any], app: Boxoffice
) -> None:
    seats = document["components"]["schemas"]["BookingRequest"]["properties"]["num_seats"]

    assert seats["maximum"] == app.limits.max_seats_per_booking


def test_the_document_is_valid_for_schemathesis(document: dict[str, Any]) -> None:
    schemathesis = pytest.importorskip("schemathesis")

    schema = schemathesis.openapi.from_dict(document)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 50


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/shows", "post"),
        ("/shows/series", "post"),
        ("/shows/{show_id}", "patch"),
        ("/movies/{movie_id}", "patch"),
    ],
)
def test_schedule_conflicts_are_documented(
    document: dict[str, Any], path: str, method: str
) -> None:
    response = document["paths"][path][method]["responses"]["409"]
    schemas = document["components"]["schemas"]

    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ScheduleConflict"
    }
    conflict = schemas["ScheduleConflict"]
    assert {"title", "description", "conflicts"} <= set(conflict["required"])
    assert {"SeriesClash", "MovieClash"} <= set(schemas)


def test_patch_routes_are_documented(document: dict[str, Any]) -> None:
    patched = {path for path, item in document["paths"].items() if "patch" in item}

    assert patched == {
        "/movies/{movie_id}",
        "/shows/{show_id}",
        "/screens/{screen_id}",
        "/cinemas/{cinema_id}",
    }


def test_the_shows_listing_documents_its_filters(document: dict[str, Any]) -> None:
    parameters = document["paths"]["/shows"]["get"]["parameters"]

    names = [p["name"] for p in parameters]
    assert names == [
        "movie_id",
        "cinema_id",
        "screen_id",
        "from",
        "to",
        "date",
        "status",
        "limit",
        "after",
        "after_timing",
    ]
    status = next(p for p in parameters if p["name"] == "status")
    assert set(status["schema"]["enum"]) == {"scheduled", "cancelled", "all"}


def test_the_qr_code_and_the_csv_report_are_documented_in_their_media_types(
    document: dict[str, Any],
) -> None:
    qr = document["paths"]["/tickets/{code}/qr.svg"]["get"]
    report = document["paths"]["/cinemas/{cinema_id}/report"]["get"]

    assert qr["responses"]["200"]["content"] == {"image/svg+xml": {"schema": {"type": "string"}}}
    assert set(report["responses"]["200"]["content"]) == {"application/json", "text/csv"}
    assert qr["responses"]["404"]["content"].keys() == {"application/json"}
    (code,) = qr["parameters"]
    assert (code["name"], code["schema"]["type"]) == ("code", "string")
    required = {p["name"] for p in report["parameters"] if p.get("required")}
    assert required == {"cinema_id", "from", "to"}


def test_a_refusal_at_the_door_documents_its_result(document: dict[str, Any]) -> None:
    response = document["paths"]["/checkins"]["post"]["responses"]["409"]

    assert response["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/CheckInRefusal"
    }
    refusal = document["components"]["schemas"]["CheckInRefusal"]
    assert {"title", "description", "result"} <= set(refusal["required"])
    assert "checked_in_at" in refusal["properties"]


def test_the_waiting_list_routes_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    join = paths["/shows/{show_id}/waitlist"]["post"]

    assert set(join["responses"]) == {"201", "400", "401", "403", "404", "409", "413", "415", "503"}
    assert "1800 seconds" in join["summary"]
    assert join["responses"]["201"]["headers"]["Location"]["required"] is True
    assert schemas["WaitlistRequest"]["required"] == ["num_seats"]
    assert set(paths["/shows/{show_id}/waitlist"]["get"]["responses"]) >= {"403", "404"}
    assert set(paths["/waitlist"]["get"]["responses"]["200"]["headers"]) == {"Link"}
    assert set(paths["/waitlist/{entry_id}"]) == {"get", "delete"}
    entry = schemas["WaitlistEntry"]
    assert set(entry["required"]) == ENTRY_FIELDS
    assert entry["properties"]["status"] == {"$ref": "#/components/schemas/WaitlistStatus"}
    assert set(schemas["WaitlistStatus"]["enum"]) == {
        "waiting",
        "offered",
        "booked",
        "expired",
        "left",
    }


def test_the_webhook_routes_are_documented(document: dict[str, Any]) -> None:
    paths = document["paths"]
    schemas = document["components"]["schemas"]
    add = paths["/cinemas/{cinema_id}/webhooks"]["post"]

    assert set(add["responses"]) == {"201", "400", "401", "403", "404", "413", "415", "503"}
    assert add["responses"]["201"]["headers"]["Location"]["required"] is True
    assert add["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NewWebhook"
    }
    assert set(schemas["WebhookRequest"]["required"]) == {"url", "events"}
    events = schemas["WebhookRequest"]["properties"]["events"]
    assert set(events["items"]["enum"]) == {*EVENT_TYPES, "*"}
    assert set(schemas["NewWebhook"]["required"]) == {*WEBHOOK_FIELDS, "secret"}
    # Only the registration's answer has the secret.
    assert set(schemas["Webhook"]["required"]) == WEBHOOK_FIELDS
    assert set(paths["/webhooks/{webhook_id}"]) == {"get", "delete"}
    for path in ("/cinemas/{cinema_id}/webhooks", "/webhooks/{webhook_id}/deliveries"):
        assert set(paths[path]["get"]["responses"]["200"]["headers"]) == {"Link"}
    assert set(schemas["Delivery"]["required"]) == DELIVERY_FIELDS
    assert set(schemas["DeliveryStatus"]["enum"]) == {"pending", "delivered", "failed"}
