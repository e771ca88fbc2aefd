"""Reports over HTTP: what a show, or a cinema's shows over a time, sold; as JSON or CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest

from tests.fakes import FakeClock
from tests.http.conftest import Api
from tests.http.priced import Venue

EVENING = "2030-02-01T20:00:00+00:00"
LATE = "2030-02-01T23:00:00+00:00"
RANGE = "from=2030-02-01T00:00:00Z&to=2030-02-02T00:00:00Z"


@pytest.fixture
def venue(api: Api, owner: str) -> Venue:
    return Venue.open(api, owner, cancel_fee=100)


@pytest.fixture
def sold(api: Api, venue: Venue, user: str, clock: FakeClock) -> list[dict[str, Any]]:
    """Two shows: the first with two bookings (one cancelled, 100 kept), a hold and a
    check-in; the second with nothing sold."""
    evening, late = venue.show(EVENING), venue.show(LATE)
    kept = venue.booked(user, evening["id"], ["E1", "F4"], ["adult", "child"])
    dropped = venue.booked(user, evening["id"], ["E2"], ["child"])
    api.call("DELETE", f"/bookings/{dropped['id']}", token=user)
    # The door is open; a hold made now is live while the reports are read.
    clock.current = datetime.fromisoformat("2030-02-01T19:30:00+00:00")
    other = api.account("other@example.com")
    body = {"show_id": evening["id"], "seats": ["E3", "E4"]}
    assert api.call("POST", "/holds", json=body, token=other).status_code == 201
    code = kept["lines"][0]["ticket_code"]
    checked = api.call(
        "POST", "/checkins", json={"code": code, "show_id": evening["id"]}, token=venue.owner
    )
    assert checked.status_code == 201
    return [evening, late]


def test_a_show_report_reconciles(api: Api, venue: Venue, sold: list[dict[str, Any]]) -> None:
    evening = sold[0]

    result = api.call("GET", f"/shows/{evening['id']}/report", token=venue.owner)

    assert result.status_code == 200
    report = result.json
    assert report == {
        "show_id": evening["id"],
        "capacity": 17,
        "sold": 2,
        "held": 2,
        "free": 13,
        "checked_in": 1,
        "gross": 1500 + 700 + 900,
        "refunds": 800,
        "net": 2300,
        "currency": "EUR",
        "by_ticket_type": [
            {"ticket_type": "adult", "sold": 1, "gross": 1500},
            {"ticket_type": "child", "sold": 1, "gross": 1600},
        ],
        "by_zone": [
            {"zone": "premium", "sold": 1, "gross": 2400},
            {"zone": "standard", "sold": 1, "gross": 700},
        ],
    }
    assert report["sold"] + report["held"] + report["free"] == report["capacity"]
    assert report["gross"] - report["refunds"] == report["net"]


def test_a_show_report_is_its_owners_only(api: Api, user: str, sold: list[dict[str, Any]]) -> None:
    other = api.account("owner2@example.com", "owner")
    path = f"/shows/{sold[0]['id']}/report"

    assert api.call("GET", path, token=other).status_code == 404
    assert api.call("GET", path, token=user).status_code == 403
    assert api.call("GET", path).status_code == 401


def test_a_cinema_report_has_a_row_per_show_and_totals(
    api: Api, venue: Venue, sold: list[dict[str, Any]]
) -> None:
    path = f"/cinemas/{venue.cinema['id']}/report?{RANGE}"

    result = api.call("GET", path, token=venue.owner)

    assert result.status_code == 200
    report = result.json
    assert [row["show_id"] for row in report["shows"]] == [show["id"] for show in sold]
    assert (report["cinema_id"], report["currency"]) == (venue.cinema["id"], "EUR")
    assert (report["from"], report["to"]) == (
        "2030-02-01T00:00:00+00:00",
        "2030-02-02T00:00:00+00:00",
    )
    assert report["totals"] == {
        "sold": 2,
        "checked_in": 1,
        "gross": 3100,
        "refunds": 800,
        "net": 2300,
    }
    for row in report["shows"]:
        assert row["sold"] + row["held"] + row["free"] == row["capacity"]
        assert row["gross"] - row["refunds"] == row["net"]


def test_a_cinema_report_as_csv_has_a_header_a_line_per_show_and_totals(
    api: Api, venue: Venue, sold: list[dict[str, Any]]
) -> None:
    path = f"/cinemas/{venue.cinema['id']}/report?{RANGE}"

    result = api.call("GET", path, token=venue.owner, headers={"Accept": "text/csv"})

    assert result.status_code == 200
    assert result.headers["Content-Type"].startswith("text/csv")
    header, *rows, totals = list(csv.reader(io.StringIO(result.text)))
    assert header == [
        "show_id",
        "capacity",
        "sold",
        "held",
        "free",
        "checked_in",
        "gross",
        "refunds",
        "net",
        "currency",
    ]
    assert rows == [
        [str(sold[0]["id"]), "17", "2", "2", "13", "1", "3100", "800", "2300", "EUR"],
        [str(sold[1]["id"]), "17", "0", "0", "17", "0", "0", "0", "0", "EUR"],
    ]
    assert totals == ["total", "", "2", "", "", "1", "3100", "800", "2300", "EUR"]


def test_a_cinema_report_needs_both_ends_in_order(api: Api, venue: Venue) -> None:
    path = f"/cinemas/{venue.cinema['id']}/report"

    missing = api.call("GET", f"{path}?from=2030-02-01T00:00:00Z", token=venue.owner)
    naive = api.call(
        "GET", f"{path}?from=2030-02-01T00:00:00&to=2030-02-02T00:00:00Z", token=venue.owner
    )
    backwards = api.call(
        "GET", f"{path}?from=2030-02-02T00:00:00Z&to=2030-02-01T00:00:00Z", token=venue.owner
    )

    assert missing.status_code == naive.status_code == backwards.status_code == 400
    assert missing.json["description"] == "to: is required"
    assert naive.json["description"].startswith("from: ")
    assert backwards.json["description"].startswith("to: ")


def test_a_cinema_report_is_its_owners_only(api: Api, venue: Venue) -> None:
    other = api.account("owner2@example.com", "owner")

    result = api.call("GET", f"/cinemas/{venue.cinema['id']}/report?{RANGE}", token=other)

    assert result.status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=0001-01-01T00:00:00%2B01:00&to=2030-02-02T00:00:00Z", "from"),
        ("from=2030-02-01T00:00:00Z&to=9999-12-31T23:30:00-01:00", "to"),
    ],
)
def test_an_instant_past_the_calendars_ends_in_utc_is_a_bad_request(
    api: Api, venue: Venue, query: str, field: str
) -> None:
    path = f"/cinemas/{venue.cinema['id']}/report?{query}"

    result = api.call("GET", path, token=venue.owner)

    assert result.status_code == 400
    assert result.json["description"] == f"{field}: is outside the calendar in UTC"
