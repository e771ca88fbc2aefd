"""A priced cinema over HTTP, for the tests of money, tickets, the door and reports: EUR, adult
(the default) and child tickets, a screen whose seats are premium (row E and F3), vip (F1, F2)
and standard (F4, F5), and prices for every type in premium and standard, none in vip."""

from __future__ import annotations

from typing import Any

import attrs
import falcon.testing

from tests.http.conftest import FUTURE, Api
from tests.http.test_cinemas import LAYOUT, add_cinema, add_screen

PRICES = [
    {"ticket_type": "adult", "zone": "premium", "amount": 1500},
    {"ticket_type": "child", "zone": "premium", "amount": 900},
    {"ticket_type": "adult", "zone": "standard", "amount": 1200},
    {"ticket_type": "child", "zone": "standard", "amount": 700},
]


@attrs.frozen
class Venue:
    api: Api
    owner: str
    cinema: dict[str, Any]
    screen: dict[str, Any]
    movie: dict[str, Any]

    @classmethod
    def open(cls, api: Api, owner: str, **policy: Any) -> Venue:
        cinema = add_cinema(api, owner, **policy)
        for code, name in (("adult", "Adult"), ("child", "Child")):
            added = api.call(
                "POST",
                f"/cinemas/{cinema['id']}/ticket-types",
                json={"code": code, "name": name},
                token=owner,
            )
            assert added.status_code == 201, added.text
        screen = add_screen(api, owner, cinema["id"], LAYOUT)
        return cls(api, owner, cinema, screen, api.add_movie(owner))

    def show(self, timing: str = FUTURE, prices: Any = PRICES) -> dict[str, Any]:
        body = {
            "movie_id": self.movie["id"],
            "timing": timing,
            "screen_id": self.screen["id"],
            "prices": prices,
        }
        result = self.api.call("POST", "/shows", json=body, token=self.owner)
        assert result.status_code == 201, result.text
        show: dict[str, Any] = result.json
        return show

    def book(
        self, token: str, show_id: int, seats: list[str], kinds: list[str] | None = None
    ) -> falcon.testing.Result:
        body: dict[str, Any] = {"show_id": show_id, "seats": seats}
        if kinds is not None:
            body["ticket_types"] = kinds
        return self.api.call("POST", "/bookings", json=body, token=token)

    def booked(
        self, token: str, show_id: int, seats: list[str], kinds: list[str] | None = None
    ) -> dict[str, Any]:
        result = self.book(token, show_id, seats, kinds)
        assert result.status_code == 201, result.text
        booking: dict[str, Any] = result.json
        return booking
