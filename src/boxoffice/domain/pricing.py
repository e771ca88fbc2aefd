"""Money and prices: currencies, ticket types, a show's price list, and the tickets of a booking.

Every amount is an integer number of minor units (cents) of an ISO 4217 currency: no floats
anywhere, so totals are exact.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence

import attrs
import pycountry

from boxoffice.domain import rules
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import Booking, Price, Show, Ticket, TicketType
from boxoffice.domain.seating import STANDARD_ZONE
from boxoffice.domain.ticket_codes import code_of

# A hundred million minor units: a million euros a ticket is beyond any cinema.
MAX_AMOUNT = 100_000_000
MAX_PRICES = 500
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@functools.cache
def _currencies() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def require_currency(value: object) -> str:
    if not isinstance(value, str) or value not in _currencies():
        raise ValidationError("currency", 'must be an ISO 4217 currency code like "EUR"')
    return value


def require_amount(field: str, value: object) -> int:
    return rules.require_int(field, value, low=0, high=MAX_AMOUNT)


def require_type_code(value: object) -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ValidationError("code", 'must be 1 to 32 of a-z, 0-9, _ and -, like "adult"')
    return value


def require_prices(prices: object, zones: Iterable[str], types: Iterable[str]) -> tuple[Price, ...]:
    """A show's price list: one Price per (ticket type, zone) at most, each type one of its
    cinema's and each zone one of its seat map's."""
    if isinstance(prices, str) or not isinstance(prices, Sequence):
        raise ValidationError("prices", "must be a list of {ticket_type, zone, amount}")
    if len(prices) > MAX_PRICES:
        raise ValidationError("prices", f"must have at most {MAX_PRICES} entries")
    known_zones, known_types = set(zones), set(types)
    checked: dict[tuple[str, str], Price] = {}
    for price in prices:
        if not isinstance(price, Price):
            raise ValidationError("prices", "each must be a Price")
        if price.ticket_type not in known_types:
            raise ValidationError("prices", f"the cinema has no ticket type {price.ticket_type!r}")
        if price.zone not in known_zones:
            raise ValidationError("prices", f"the show has no zone {price.zone!r}")
        key = (price.ticket_type, price.zone)
        if key in checked:
            raise ValidationError("prices", f"{price.ticket_type} in {price.zone} is priced twice")
        checked[key] = Price(price.ticket_type, price.zone, require_amount("amount", price.amount))
    return tuple(checked.values())


def show_zones(show: Show) -> list[str]:
    """The zones a show sells in: its seat map's, or "standard" for general admission."""
    return [STANDARD_ZONE] if show.seat_map is None else show.seat_map.zone_names()


def require_ticket_types(value: object, count: int) -> tuple[str, ...] | None:
    """One ticket type code a seat, or None for the default type on every seat."""
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValidationError("ticket_types", 'must be a list of ticket type codes like "adult"')
    if len(value) != count:
        raise ValidationError("ticket_types", f"must name one type for each of the {count} seats")
    for code in value:
        if not isinstance(code, str) or not _CODE.match(code):
            raise ValidationError("ticket_types", f"{code!r} is not a ticket type code")
    return tuple(value)


def per_seat(
    kinds: Sequence[str] | None, asked: Sequence[str] | None, seats: Sequence[str]
) -> tuple[str, ...] | None:
    """The types asked for, one per seat in `seats` (map order): named seats take the type
    given beside them; seats chosen for a count take the types in the order given."""
    if kinds is None:
        return None
    if asked is None:
        return tuple(kinds)
    kind_of = dict(zip(asked, kinds, strict=True))
    return tuple(kind_of[seat] for seat in seats)


@attrs.frozen
class Pricing:
    """What prices a show's tickets: its price list and its cinema's ticket types, the first
    of which is the default."""

    show: Show
    types: tuple[TicketType, ...]

    def tickets(
        self,
        booking: Booking,
        requested: Sequence[str] | None,
        new_key: Callable[[], str],
    ) -> Booking:
        """The booking with one ticket a seat (an admission, for general admission), each
        priced for its type and zone, and the show's currency. The tickets' codes are made of
        one new key."""
        seats: Sequence[str | None] = booking.seats or [None] * booking.num_seats
        if requested is None:
            codes: Sequence[str | None] = [self._default()] * len(seats)
        else:
            known = {kind.code for kind in self.types}
            unknown = next((kind for kind in requested if kind not in known), None)
            if unknown is not None:
                raise ValidationError("ticket_types", f"the cinema sells no {unknown!r} tickets")
            codes = requested
        show = self.show
        key = new_key()
        tickets = []
        for place, (seat, kind) in enumerate(zip(seats, codes, strict=True)):
            zone = self._zone(seat)
            amount = self._amount(kind, zone, seat) if show.prices else 0
            code = code_of(key, place)
            tickets.append(Ticket(code, booking.id, booking.show_id, seat, zone, kind, amount))
        return booking.priced(tuple(tickets), show.currency)

    def _default(self) -> str | None:
        return self.types[0].code if self.types else None

    def _zone(self, seat: str | None) -> str:
        plan = self.show.seat_map
        return STANDARD_ZONE if plan is None or seat is None else plan.zone(seat)

    def _amount(self, kind: str | None, zone: str, seat: str | None) -> int:
        for price in self.show.prices:
            if price.ticket_type == kind and price.zone == zone:
                return price.amount
        where = f"seat {seat} ({zone})" if seat is not None else f"zone {zone}"
        raise ValidationError("ticket_types", f"no {kind} ticket is priced for {where}")
