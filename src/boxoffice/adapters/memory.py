"""In-memory repositories and unit of work: the SQL contract without a database.

One lock serializes units of work, so a booking decides on current data exactly as a locked
show row does in SQL. Writes are staged and applied on commit, so a rollback leaves no trace.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar

import attrs

from boxoffice.domain.delivery import deliverable
from boxoffice.domain.errors import (
    AlreadyHolding,
    AlreadyWaiting,
    EmailTaken,
    NotFound,
    TicketTypeTaken,
)
from boxoffice.domain.inventory import ShowInventory
from boxoffice.domain.model import (
    AuditEvent,
    Booking,
    BookingStatus,
    Cinema,
    Delivery,
    DeliveryStatus,
    Hold,
    HoldStatus,
    IdempotencyRecord,
    Movie,
    OutboxEvent,
    Outgoing,
    Role,
    Screen,
    Show,
    ShowStatus,
    Ticket,
    TicketType,
    User,
    WaitlistEntry,
    WaitlistStatus,
    Webhook,
)
from boxoffice.domain.queries import ShowCursor, ShowQuery
from boxoffice.domain.seating import SeatingChart
from boxoffice.domain.waitlist import join_order, positions


class _Entity(Protocol):
    @property
    def id(self) -> int: ...


E = TypeVar("E", bound=_Entity)


class _Staging(Protocol):
    """Writes held back until the unit of work commits."""

    def apply(self) -> None: ...

    def discard(self) -> None: ...


class _Table(Generic[E]):
    """Committed rows of one kind, plus an id sequence that, like SQL's, never goes back."""

    def __init__(self) -> None:
        self.rows: dict[int, E] = {}
        # Ids in ascending order, for keyset pages without sorting the table each time.
        self.order: list[int] = []
        self.ids = itertools.count(1)


@attrs.define
class InMemoryStore:
    """The committed state, shared by every unit of work made from it."""

    lock: threading.RLock = attrs.field(factory=threading.RLock)
    users: _Table[User] = attrs.field(factory=_Table)
    movies: _Table[Movie] = attrs.field(factory=_Table)
    cinemas: _Table[Cinema] = attrs.field(factory=_Table)
    ticket_types: _Table[TicketType] = attrs.field(factory=_Table)
    # Where each ticket is: its booking's id and its place among the booking's tickets.
    ticket_places: dict[str, tuple[int, int]] = attrs.field(factory=dict)
    screens: _Table[Screen] = attrs.field(factory=_Table)
    shows: _Table[Show] = attrs.field(factory=_Table)
    bookings: _Table[Booking] = attrs.field(factory=_Table)
    holds: _Table[Hold] = attrs.field(factory=_Table)
    charts: dict[int, SeatingChart] = attrs.field(factory=dict)
    user_id_by_email: dict[str, int] = attrs.field(factory=dict)
    idempotency_keys: dict[tuple[int, str], IdempotencyRecord] = attrs.field(factory=dict)
    login_failures: dict[str, list[datetime]] = attrs.field(factory=dict)
    audit_events: _Table[AuditEvent] = attrs.field(factory=_Table)
    waitlist: _Table[WaitlistEntry] = attrs.field(factory=_Table)
    # Each lease's holder and when it lapses.
    leases: dict[str, tuple[str, datetime]] = attrs.field(factory=dict)
    webhooks: _Table[Webhook] = attrs.field(factory=_Table)
    deliveries: _Table[Delivery] = attrs.field(factory=_Table)
    # Each delivery's body, by its id.
    bodies: dict[int, str] = attrs.field(factory=dict)


class _StagedRepository(Generic[E]):
    def __init__(self, table: _Table[E]) -> None:
        self._table = table
        self._staged: dict[int, E] = {}
        self._added: list[int] = []

    def add(self, entity: E) -> E:
        stored: E = attrs.evolve(entity, id=next(self._table.ids))  # type: ignore[misc]
        self.insert(stored)
        return stored

    def insert(self, entity: E) -> None:
        """Stage a new entity under the id it carries."""
        self._staged[entity.id] = entity
        self._added.append(entity.id)

    def get(self, entity_id: int) -> E | None:
        staged = self._staged.get(entity_id)
        return staged if staged is not None else self._table.rows.get(entity_id)

    def save(self, entity: E) -> None:
        self._staged[entity.id] = entity

    def _select(self, keep: Callable[[E], bool], after: int | None, limit: int) -> list[E]:
        # Units of work run one at a time and ids only grow, so staged ids follow committed ones;
        # ids taken with next_id may be added out of order within one unit of work.
        order, start = self._table.order, after or 0
        committed = (order[k] for k in range(bisect.bisect_right(order, start), len(order)))
        ids = itertools.chain(committed, sorted(i for i in self._added if i > start))
        rows = (self.get(i) for i in ids)
        return list(itertools.islice((e for e in rows if e is not None and keep(e)), limit))

    def apply(self) -> None:
        self._table.rows.update(self._staged)
        self._table.order.extend(sorted(self._added))
        self.discard()

    def discard(self) -> None:
        self._staged.clear()
        self._added.clear()


class InMemoryUserRepository(_StagedRepository[User]):
    def __init__(self, table: _Table[User], by_email: dict[str, int]) -> None:
        super().__init__(table)
        self._by_email = by_email
        self._staged_emails: dict[str, int] = {}

    def add(self, user: User) -> User:
        key = user.email.lower()
        if key in self._by_email or key in self._staged_emails:
            raise EmailTaken()
        stored = super().add(user)
        self._staged_emails[key] = stored.id
        return stored

    def role_of(self, user_id: int) -> Role | None:
        user = self.get(user_id)
        return None if user is None else user.role

    def get_by_email(self, email: str) -> User | None:
        key = email.lower()
        user_id = self._staged_emails.get(key) or self._by_email.get(key)
        return None if user_id is None else self.get(user_id)

    def apply(self) -> None:
        self._by_email.update(self._staged_emails)
        super().apply()

    def discard(self) -> None:
        super().discard()
        self._staged_emails.clear()


class InMemoryMovieRepository(_StagedRepository[Movie]):
    def lock(self, movie_id: int) -> Movie | None:
        # The unit of work already holds the store's lock.
        return self.get(movie_id)

    def list(self, *, after: int | None, limit: int) -> list[Movie]:
        return self._select(lambda _: True, after, limit)


def _require(repository: _StagedRepository[Any], kind: str, entity_id: int) -> None:
    """What a foreign key does in SQL, with the error the SQL adapter gives."""
    if repository.get(entity_id) is None:
        raise NotFound(kind, entity_id)


class InMemoryCinemaRepository(_StagedRepository[Cinema]):
    def __init__(self, table: _Table[Cinema], users: InMemoryUserRepository) -> None:
        super().__init__(table)
        self._users = users

    def add(self, cinema: Cinema) -> Cinema:
        _require(self._users, "user", cinema.owner_id)
        return super().add(cinema)

    def lock(self, cinema_id: int) -> Cinema | None:
        # The unit of work already holds the store's lock.
        return self.get(cinema_id)

    def list(self, *, after: int | None, limit: int) -> list[Cinema]:
        return self._select(lambda _: True, after, limit)


class InMemoryTicketTypeRepository(_StagedRepository[TicketType]):
    def __init__(self, table: _Table[TicketType], cinemas: InMemoryCinemaRepository) -> None:
        super().__init__(table)
        self._cinemas = cinemas

    def add(self, ticket_type: TicketType) -> TicketType:
        _require(self._cinemas, "cinema", ticket_type.cinema_id)
        # What the SQL adapters' unique index refuses.
        if any(t.code == ticket_type.code for t in self.of_cinema(ticket_type.cinema_id)):
            raise TicketTypeTaken(ticket_type.code)
        return super().add(ticket_type)

    def of_cinema(self, cinema_id: int) -> list[TicketType]:
        return self._select(lambda t: t.cinema_id == cinema_id, None, 2**62)


class InMemoryScreenRepository(_StagedRepository[Screen]):
    def __init__(self, table: _Table[Screen], cinemas: InMemoryCinemaRepository) -> None:
        super().__init__(table)
        self._cinemas = cinemas

    def add(self, screen: Screen) -> Screen:
        _require(self._cinemas, "cinema", screen.cinema_id)
        return super().add(screen)

    def lock(self, screen_id: int) -> Screen | None:
        # The unit of work already holds the store's lock.
        return self.get(screen_id)

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Screen]:
        return self._select(lambda screen: screen.cinema_id == cinema_id, after, limit)


class InMemoryShowRepository(_StagedRepository[Show]):
    def __init__(
        self,
        table: _Table[Show],
        users: InMemoryUserRepository,
        movies: InMemoryMovieRepository,
    ) -> None:
        super().__init__(table)
        self._users = users
        self._movies = movies

    def add(self, show: Show) -> Show:
        _require(self._movies, "movie", show.movie_id)
        _require(self._users, "user", show.owner_id)
        if show.screen_id is not None and show.occupied_until is not None:
            # What the SQL adapters' guard refuses: the domain must never ask for it.
            taken = self.on_screen(show.screen_id, show.timing, show.occupied_until)
            if taken:
                raise ValueError(f"the window overlaps show {taken[0].id} on its screen")
        return super().add(show)

    def _scheduled_on(self, screen_id: int) -> list[Show]:
        # A scan: fine for tests and embedding; the SQL adapters use an index.
        return self._select(
            lambda s: s.screen_id == screen_id and s.status is ShowStatus.SCHEDULED, None, 2**62
        )

    def on_screen(self, screen_id: int, start: datetime, end: datetime) -> list[Show]:
        shows = [
            show
            for show in self._scheduled_on(screen_id)
            if show.occupied_until is not None and show.timing < end and start < show.occupied_until
        ]
        return sorted(shows, key=lambda show: (show.timing, show.id))

    def with_waitlist(self) -> list[Show]:
        return self._select(lambda s: s.waitlisted > 0, None, 2**62)

    def upcoming_of_movie(self, movie_id: int, now: datetime) -> list[Show]:
        return self._select(
            lambda s: (
                s.movie_id == movie_id and s.status is ShowStatus.SCHEDULED and s.timing > now
            ),
            None,
            2**62,
        )

    def list(self, query: ShowQuery, *, after: ShowCursor | None, limit: int) -> list[Show]:
        def matches(show: Show) -> bool:
            return (
                (query.movie_id is None or show.movie_id == query.movie_id)
                and (query.cinema_id is None or show.cinema_id == query.cinema_id)
                and (query.screen_id is None or show.screen_id == query.screen_id)
                and (query.status is None or show.status is query.status)
                and (query.starts_from is None or show.timing >= query.starts_from)
                and (query.starts_before is None or show.timing < query.starts_before)
            )

        if not query.by_timing:
            return self._select(matches, None if after is None else after.id, limit)
        shows = sorted(self._select(matches, None, 2**62), key=lambda s: (s.timing, s.id))
        if after is not None and after.timing is not None:
            position = (after.timing, after.id)
            shows = [show for show in shows if (show.timing, show.id) > position]
        return shows[:limit]


class InMemoryBookingRepository(_StagedRepository[Booking]):
    def __init__(
        self,
        table: _Table[Booking],
        users: InMemoryUserRepository,
        shows: InMemoryShowRepository,
        places: dict[str, tuple[int, int]],
    ) -> None:
        super().__init__(table)
        self._users = users
        self._shows = shows
        self._places = places
        self._staged_places: dict[str, tuple[int, int]] = {}

    def place_of(self, code: str) -> tuple[int, int] | None:
        """The booking a ticket is of, and its place among the booking's tickets."""
        return self._staged_places.get(code) or self._places.get(code)

    def next_id(self) -> int:
        return next(self._table.ids)

    def add(self, booking: Booking) -> None:  # type: ignore[override]
        _require(self._shows, "show", booking.show_id)
        _require(self._users, "user", booking.user_id)
        for place, ticket in enumerate(booking.tickets):
            # What the SQL adapters' primary key on ticket codes refuses.
            if self.place_of(ticket.code) is not None:
                raise ValueError("a ticket code is taken")
            self._staged_places[ticket.code] = (booking.id, place)
        self.insert(booking)

    def apply(self) -> None:
        self._places.update(self._staged_places)
        super().apply()

    def discard(self) -> None:
        super().discard()
        self._staged_places.clear()

    def refunds_of_show(self, show_id: int) -> int:
        return sum(b.refund for b in self.list_for_show(show_id, after=None, limit=2**62))

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[Booking]:
        return self._select(lambda b: b.user_id == user_id, after, limit)

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[Booking]:
        return self._select(lambda b: b.show_id == show_id, after, limit)

    def active_for_show(self, show_id: int) -> list[Booking]:
        return self._select(
            lambda b: b.show_id == show_id and b.status is BookingStatus.ACTIVE, None, 2**62
        )


class InMemoryTicketRepository:
    """Tickets live in their bookings: a ticket is found by its place, and saved by saving
    its booking with the ticket changed."""

    def __init__(self, bookings: InMemoryBookingRepository) -> None:
        self._bookings = bookings

    def get(self, code: str) -> Ticket | None:
        place = self._bookings.place_of(code)
        booking = None if place is None else self._bookings.get(place[0])
        return None if place is None or booking is None else booking.tickets[place[1]]

    def save(self, ticket: Ticket) -> None:
        place = self._bookings.place_of(ticket.code)
        booking = None if place is None else self._bookings.get(place[0])
        if place is None or booking is None:
            raise NotFound("ticket", ticket.code)
        tickets = list(booking.tickets)
        tickets[place[1]] = ticket
        self._bookings.save(attrs.evolve(booking, tickets=tuple(tickets)))

    def of_show(self, show_id: int) -> list[Ticket]:
        bookings = self._bookings.list_for_show(show_id, after=None, limit=2**62)
        return [ticket for booking in bookings for ticket in booking.tickets]


class InMemoryHoldRepository(_StagedRepository[Hold]):
    def __init__(
        self, table: _Table[Hold], users: InMemoryUserRepository, shows: InMemoryShowRepository
    ) -> None:
        super().__init__(table)
        self._users = users
        self._shows = shows

    def next_id(self) -> int:
        return next(self._table.ids)

    def add(self, hold: Hold) -> Hold:
        _require(self._shows, "show", hold.show_id)
        _require(self._users, "user", hold.user_id)
        # What the SQL adapter's partial unique index refuses.
        current = self.active_on([hold.show_id], user_id=hold.user_id)
        if current:
            raise AlreadyHolding(current[0].id)
        self.insert(hold)
        return hold

    def active_on(self, show_ids: Sequence[int], *, user_id: int | None = None) -> list[Hold]:
        # A scan: fine for tests and embedding; the SQL adapters use an index.
        wanted = set(show_ids)
        return self._select(
            lambda h: (
                h.status is HoldStatus.ACTIVE
                and h.show_id in wanted
                and (user_id is None or h.user_id == user_id)
            ),
            None,
            2**62,
        )


class InMemoryWaitlistRepository(_StagedRepository[WaitlistEntry]):
    def __init__(
        self,
        table: _Table[WaitlistEntry],
        users: InMemoryUserRepository,
        shows: InMemoryShowRepository,
        holds: InMemoryHoldRepository,
    ) -> None:
        super().__init__(table)
        self._users = users
        self._shows = shows
        self._holds = holds

    def next_id(self) -> int:
        return next(self._table.ids)

    def add(self, entry: WaitlistEntry) -> None:  # type: ignore[override]
        _require(self._shows, "show", entry.show_id)
        _require(self._users, "user", entry.user_id)
        # What the SQL adapters' partial unique index refuses.
        for live in self.live_of_show(entry.show_id):
            if live.user_id == entry.user_id:
                raise AlreadyWaiting(live.id)
        self.insert(entry)

    def _of_show(self, show_id: int) -> list[WaitlistEntry]:
        # A scan: fine for tests and embedding; the SQL adapters use an index.
        return self._select(lambda e: e.show_id == show_id, None, 2**62)

    def live_of_show(self, show_id: int) -> list[WaitlistEntry]:
        return sorted((e for e in self._of_show(show_id) if e.is_live), key=join_order)

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        return positions(self._of_show(entry.show_id))[entry.id] - 1

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[WaitlistEntry]:
        return self._select(lambda e: e.user_id == user_id, after, limit)

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[WaitlistEntry]:
        return self._select(lambda e: e.show_id == show_id, after, limit)

    def due(self, now: datetime, *, limit: int) -> list[int]:
        listed = self._shows.with_waitlist()
        lapsed = {
            hold.show_id
            for hold in self._holds.active_on([show.id for show in listed])
            if hold.expires_at <= now
        }
        return [
            show.id
            for show in listed
            if show.id in lapsed
            or (
                show.timing <= now
                and any(e.status is WaitlistStatus.WAITING for e in self._of_show(show.id))
            )
        ][:limit]


class InMemoryLeaseRepository:
    def __init__(self, leases: dict[str, tuple[str, datetime]]) -> None:
        self._leases = leases
        self._staged: dict[str, tuple[str, datetime]] = {}

    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        # Units of work run one at a time here: reading and writing is atomic.
        current = self._staged.get(name) or self._leases.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self._staged[name] = (holder, until)
        return True

    def apply(self) -> None:
        self._leases.update(self._staged)
        self.discard()

    def discard(self) -> None:
        self._staged.clear()


class InMemoryWebhookRepository(_StagedRepository[Webhook]):
    def __init__(self, table: _Table[Webhook], cinemas: InMemoryCinemaRepository) -> None:
        super().__init__(table)
        self._cinemas = cinemas
        self.deleted: set[int] = set()

    def add(self, webhook: Webhook) -> Webhook:
        _require(self._cinemas, "cinema", webhook.cinema_id)
        return super().add(webhook)

    def get(self, webhook_id: int) -> Webhook | None:
        return None if webhook_id in self.deleted else super().get(webhook_id)

    def delete(self, webhook_id: int) -> None:
        self.deleted.add(webhook_id)

    def keep(self, webhook_ids: Iterable[int]) -> None:
        # One unit of work at a time: nothing deletes a webhook while this one runs.
        pass

    def subscribers(self, cinema_id: int, event_type: str) -> list[int]:
        webhooks = (self.get(i) for i in self._table.order + self._added)
        return [
            w.id
            for w in webhooks
            if w is not None and w.cinema_id == cinema_id and w.subscribes(event_type)
        ]

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Webhook]:
        return self._select(lambda w: w.cinema_id == cinema_id, after, limit)

    def apply(self) -> None:
        for webhook_id in self.deleted:
            self._table.rows.pop(webhook_id, None)
            self._staged.pop(webhook_id, None)
        self._table.order[:] = [i for i in self._table.order if i not in self.deleted]
        super().apply()

    def discard(self) -> None:
        super().discard()
        self.deleted.clear()


class InMemoryOutbox(_StagedRepository[Delivery]):
    def __init__(
        self, table: _Table[Delivery], bodies: dict[int, str], webhooks: InMemoryWebhookRepository
    ) -> None:
        super().__init__(table)
        self._bodies = bodies
        self._staged_bodies: dict[int, str] = {}
        self._webhooks = webhooks

    def add(self, event: OutboxEvent, body: Callable[[], str]) -> None:  # type: ignore[override]
        subscribers = self._webhooks.subscribers(event.cinema_id, event.type.value)
        if not subscribers:
            return
        text = body()
        for webhook_id in subscribers:
            delivery = Delivery(
                next(self._table.ids),
                webhook_id,
                event.id,
                event.type.value,
                event.show_id,
                0,
                DeliveryStatus.PENDING,
                None,
                None,
                event.occurred_at,
                event.occurred_at,
            )
            self.insert(delivery)
            self._staged_bodies[delivery.id] = text

    def get(self, delivery_id: int) -> Delivery | None:
        found = super().get(delivery_id)
        if found is None or self._webhooks.get(found.webhook_id) is None:
            return None
        return found

    def find(self, delivery_ids: Collection[int]) -> dict[int, Delivery]:
        found = (self.get(delivery_id) for delivery_id in set(delivery_ids))
        return {delivery.id: delivery for delivery in found if delivery is not None}

    def pending(self, now: datetime, *, limit: int) -> list[Outgoing]:
        pending = self._select(lambda d: d.status is DeliveryStatus.PENDING, None, 2**62)
        due = deliverable(pending, now)[:limit]
        outgoing = []
        for delivery in due:
            webhook = self._webhooks.get(delivery.webhook_id)
            if webhook is not None:
                outgoing.append(
                    Outgoing(delivery, webhook.url, webhook.secret, self._body(delivery.id))
                )
        return outgoing

    def save(self, deliveries: Sequence[Delivery]) -> None:  # type: ignore[override]
        for delivery in deliveries:
            if self.get(delivery.id) is not None:
                super().save(delivery)

    def list(self, webhook_id: int, *, after: int | None, limit: int) -> list[Delivery]:
        return self._select(lambda d: d.webhook_id == webhook_id, after, limit)

    def _body(self, delivery_id: int) -> str:
        return self._staged_bodies.get(delivery_id) or self._bodies[delivery_id]

    def apply(self) -> None:
        self._bodies.update(self._staged_bodies)
        gone = self._webhooks.deleted
        if gone:
            for delivery in list(self._table.rows.values()):
                if delivery.webhook_id in gone:
                    del self._table.rows[delivery.id]
                    self._bodies.pop(delivery.id, None)
        super().apply()

    def discard(self) -> None:
        super().discard()
        self._staged_bodies.clear()


class InMemoryShowInventoryRepository:
    """Inventories assembled from the staged tables; the store's lock is the show's lock."""

    def __init__(
        self,
        shows: InMemoryShowRepository,
        holds: InMemoryHoldRepository,
        charts: dict[int, SeatingChart],
        waitlist: InMemoryWaitlistRepository,
    ) -> None:
        self._shows = shows
        self._holds = holds
        self._charts = charts
        self._waitlist = waitlist
        self._staged_charts: dict[int, SeatingChart] = {}

    def lock(self, show_id: int) -> ShowInventory | None:
        # The unit of work already holds the store's lock.
        return self.get(show_id)

    def get(self, show_id: int) -> ShowInventory | None:
        show = self._shows.get(show_id)
        if show is None:
            return None
        chart = self._staged_charts.get(show_id, self._charts.get(show_id))
        if show.seat_map is not None and chart is None:
            chart = SeatingChart.empty(show.seat_map)
        holds = self._holds.active_on([show_id]) if show.held_seats else []
        entries = self._waitlist.live_of_show(show_id) if show.waitlisted else []
        return ShowInventory(show, chart, holds, entries)

    def save(self, inventory: ShowInventory) -> None:
        self._shows.save(inventory.show)
        if inventory.chart is not None and inventory.chart_changed:
            self._staged_charts[inventory.show.id] = inventory.chart
        # Ended holds first: a user whose lapsed hold was settled may hold again in the same
        # unit of work, and one active hold per user and show is all the store accepts.
        for hold in inventory.changed_holds():
            self._holds.save(hold)
        for hold in inventory.added_holds():
            self._holds.add(hold)
        # After the holds their offers name.
        for entry in inventory.changed_entries():
            self._waitlist.save(entry)
        for entry in inventory.added_entries():
            self._waitlist.add(entry)
        inventory.saved()

    def apply(self) -> None:
        self._charts.update(self._staged_charts)
        self.discard()

    def discard(self) -> None:
        self._staged_charts.clear()


class InMemoryIdempotencyRepository:
    def __init__(self, records: dict[tuple[int, str], IdempotencyRecord]) -> None:
        self._records = records
        self._staged: dict[tuple[int, str], IdempotencyRecord] = {}

    def get(self, user_id: int, key: str) -> IdempotencyRecord | None:
        found = self._staged.get((user_id, key))
        return found if found is not None else self._records.get((user_id, key))

    def put(self, record: IdempotencyRecord) -> None:
        # Units of work run one at a time here, so no other one can hold the key.
        self._staged[(record.user_id, record.key)] = record

    def apply(self) -> None:
        self._records.update(self._staged)
        self.discard()

    def discard(self) -> None:
        self._staged.clear()


class InMemoryLoginAttemptRepository:
    def __init__(self, failures: dict[str, list[datetime]]) -> None:
        self._committed = failures
        # Copies of the subjects this unit of work changed, written back on commit.
        self._staged: dict[str, list[datetime]] = {}

    def _times(self, subject: str) -> list[datetime]:
        if subject not in self._staged:
            self._staged[subject] = list(self._committed.get(subject, []))
        return self._staged[subject]

    def failures_since(self, subject: str, since: datetime) -> list[datetime]:
        times = self._staged.get(subject, self._committed.get(subject, []))
        return sorted(t for t in times if t > since)

    def add_failure(self, subject: str, at: datetime) -> None:
        self._times(subject).append(at)

    def forget(self, subject: str, *, before: datetime | None = None) -> None:
        times = self._times(subject)
        times[:] = [] if before is None else [t for t in times if t >= before]

    def forget_everyone_before(self, before: datetime) -> None:
        # Stage only the subjects that hold an expired failure, not a copy of every list.
        for subject in {*self._committed, *self._staged}:
            times = self._staged.get(subject, self._committed.get(subject, []))
            if any(t < before for t in times):
                self.forget(subject, before=before)

    def apply(self) -> None:
        for subject, times in self._staged.items():
            if times:
                self._committed[subject] = times
            else:
                self._committed.pop(subject, None)
        self.discard()

    def discard(self) -> None:
        self._staged.clear()


class InMemoryAuditLog(_StagedRepository[AuditEvent]):
    def add(self, event: AuditEvent) -> None:  # type: ignore[override]
        super().add(event)

    def list(self, *, after: int | None, limit: int) -> list[AuditEvent]:
        return self._select(lambda _: True, after, limit)


class InMemoryUnitOfWork:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._users = InMemoryUserRepository(store.users, store.user_id_by_email)
        self._movies = InMemoryMovieRepository(store.movies)
        self._cinemas = InMemoryCinemaRepository(store.cinemas, self._users)
        self._ticket_types = InMemoryTicketTypeRepository(store.ticket_types, self._cinemas)
        self._screens = InMemoryScreenRepository(store.screens, self._cinemas)
        self._shows = InMemoryShowRepository(store.shows, self._users, self._movies)
        self._bookings = InMemoryBookingRepository(
            store.bookings, self._users, self._shows, store.ticket_places
        )
        self._holds = InMemoryHoldRepository(store.holds, self._users, self._shows)
        self._tickets = InMemoryTicketRepository(self._bookings)
        self._waitlist = InMemoryWaitlistRepository(
            store.waitlist, self._users, self._shows, self._holds
        )
        self._leases = InMemoryLeaseRepository(store.leases)
        self._inventories = InMemoryShowInventoryRepository(
            self._shows, self._holds, store.charts, self._waitlist
        )
        self._idempotency_keys = InMemoryIdempotencyRepository(store.idempotency_keys)
        self._login_attempts = InMemoryLoginAttemptRepository(store.login_failures)
        self._audit = InMemoryAuditLog(store.audit_events)
        self._webhooks = InMemoryWebhookRepository(store.webhooks, self._cinemas)
        self._outbox = InMemoryOutbox(store.deliveries, store.bodies, self._webhooks)

    @property
    def users(self) -> InMemoryUserRepository:
        return self._users

    @property
    def movies(self) -> InMemoryMovieRepository:
        return self._movies

    @property
    def cinemas(self) -> InMemoryCinemaRepository:
        return self._cinemas

    @property
    def screens(self) -> InMemoryScreenRepository:
        return self._screens

    @property
    def ticket_types(self) -> InMemoryTicketTypeRepository:
        return self._ticket_types

    @property
    def tickets(self) -> InMemoryTicketRepository:
        return self._tickets

    @property
    def shows(self) -> InMemoryShowRepository:
        return self._shows

    @property
    def inventories(self) -> InMemoryShowInventoryRepository:
        return self._inventories

    @property
    def bookings(self) -> InMemoryBookingRepository:
        return self._bookings

    @property
    def holds(self) -> InMemoryHoldRepository:
        return self._holds

    @property
    def waitlist(self) -> InMemoryWaitlistRepository:
        return self._waitlist

    @property
    def leases(self) -> InMemoryLeaseRepository:
        return self._leases

    @property
    def idempotency_keys(self) -> InMemoryIdempotencyRepository:
        return self._idempotency_keys

    @property
    def login_attempts(self) -> InMemoryLoginAttemptRepository:
        return self._login_attempts

    @property
    def audit(self) -> InMemoryAuditLog:
        return self._audit

    @property
    def webhooks(self) -> InMemoryWebhookRepository:
        return self._webhooks

    @property
    def outbox(self) -> InMemoryOutbox:
        return self._outbox

    def _repositories(self) -> tuple[_Staging, ...]:
        return (
            self._users,
            self._movies,
            self._cinemas,
            self._ticket_types,
            self._screens,
            self._shows,
            self._inventories,
            self._bookings,
            self._holds,
            self._waitlist,
            self._leases,
            self._idempotency_keys,
            self._login_attempts,
            self._audit,
            # The outbox before the webhooks: it drops the deliveries of those deleted.
            self._outbox,
            self._webhooks,
        )

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._store.lock.release()

    def commit(self) -> None:
        for repository in self._repositories():
            repository.apply()

    def rollback(self) -> None:
        for repository in self._repositories():
            repository.discard()


@attrs.frozen
class InMemoryUnitOfWorkFactory:
    store: InMemoryStore = attrs.field(factory=InMemoryStore)

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store)
