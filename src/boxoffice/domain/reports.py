"""What a show, or a cinema's shows over a time, sold: seats, money and admissions.

Figures come from the tickets and bookings themselves, so they reconcile exactly: gross is
every ticket ever sold at its price, refunds what cancelled bookings gave back, and net what
was kept (the active bookings' totals plus cancellation fees). Seats sold, held and free add
up to the capacity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.inventory import settled_shows
from boxoffice.domain.model import Actor, Role, Show, Ticket, TicketStatus
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.queries import ShowQuery
from boxoffice.domain.venues import owned_cinema, owned_show

# The most shows one cinema report covers: a year of a multiplex's schedule.
MAX_REPORT_SHOWS = 20_000


@attrs.frozen
class Breakdown:
    """Tickets sold (active) and gross (every ticket sold) of one ticket type or zone."""

    key: str | None
    sold: int
    gross: int


@attrs.frozen
class ShowReport:
    show_id: int
    capacity: int
    sold: int
    held: int
    free: int
    checked_in: int
    gross: int
    refunds: int
    currency: str | None
    by_ticket_type: tuple[Breakdown, ...]
    by_zone: tuple[Breakdown, ...]

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    @classmethod
    def of(cls, show: Show, tickets: Iterable[Ticket], refunds: int) -> ShowReport:
        tickets = list(tickets)
        active = [t for t in tickets if t.status is not TicketStatus.CANCELLED]
        return cls(
            show.id,
            show.capacity,
            len(active),
            show.held_seats,
            show.available_seats,
            sum(1 for t in tickets if t.status is TicketStatus.CHECKED_IN),
            sum(t.amount for t in tickets),
            refunds,
            show.currency,
            _breakdown(tickets, lambda t: t.ticket_type),
            _breakdown(tickets, lambda t: t.zone),
        )


def _breakdown(tickets: list[Ticket], key: Callable[[Ticket], str | None]) -> tuple[Breakdown, ...]:
    rows: dict[str | None, list[int]] = {}
    for ticket in tickets:
        row = rows.setdefault(key(ticket), [0, 0])
        row[0] += ticket.status is not TicketStatus.CANCELLED
        row[1] += ticket.amount
    return tuple(Breakdown(k, sold, gross) for k, (sold, gross) in rows.items())


@attrs.frozen
class CinemaReport:
    cinema_id: int
    currency: str
    shows: tuple[ShowReport, ...]

    @property
    def gross(self) -> int:
        return sum(row.gross for row in self.shows)

    @property
    def refunds(self) -> int:
        return sum(row.refunds for row in self.shows)

    @property
    def net(self) -> int:
        return self.gross - self.refunds

    @property
    def sold(self) -> int:
        return sum(row.sold for row in self.shows)

    @property
    def checked_in(self) -> int:
        return sum(row.checked_in for row in self.shows)


def _report(uow: UnitOfWork, show: Show) -> ShowReport:
    return ShowReport.of(show, uow.tickets.of_show(show.id), uow.bookings.refunds_of_show(show.id))


@attrs.frozen
class GetShowReport:
    ports: Ports

    def __call__(self, actor: Actor, show_id: int) -> ShowReport:
        show_id = rules.require_id("show_id", show_id)
        with acting(self.ports, actor, Role.OWNER, "read reports", read_only=True) as uow:
            show = owned_show(uow, actor, show_id)
            holds = uow.holds.active_on([show_id]) if show.held_seats else []
            (settled,) = settled_shows([show], holds, self.ports.clock.now())
            return _report(uow, settled)


@attrs.frozen
class GetCinemaReport:
    """One row per show of the cinema whose timing is in [starts_from, starts_before),
    cancelled ones included, by timing."""

    ports: Ports

    def __call__(
        self, actor: Actor, cinema_id: int, *, starts_from: datetime, starts_before: datetime
    ) -> CinemaReport:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        start = rules.require_aware_datetime("from", starts_from)
        end = rules.require_aware_datetime("to", starts_before)
        if end <= start:
            raise ValidationError("to", "must be after from")
        query = ShowQuery(cinema_id=cinema_id, starts_from=start, starts_before=end, status=None)
        with acting(self.ports, actor, Role.OWNER, "read reports", read_only=True) as uow:
            cinema = owned_cinema(uow, actor, cinema_id)
            shows = uow.shows.list(query, after=None, limit=MAX_REPORT_SHOWS + 1)
            if len(shows) > MAX_REPORT_SHOWS:
                raise ValidationError("to", f"a report covers at most {MAX_REPORT_SHOWS} shows")
            holding = [show.id for show in shows if show.held_seats]
            holds = uow.holds.active_on(holding) if holding else []
            settled = settled_shows(shows, holds, self.ports.clock.now())
            rows = tuple(_report(uow, show) for show in settled)
        return CinemaReport(cinema_id, cinema.currency, rows)
