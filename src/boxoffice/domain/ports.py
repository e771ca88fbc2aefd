"""Ports: what the use cases need from the world, as typing.Protocols named by role.

Adapters need not inherit from these; mypy checks conformance where bootstrap wires them.
Repository attributes are read-only properties because a Protocol attribute is invariant.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from boxoffice.domain.inventory import ShowInventory
from boxoffice.domain.model import (
    Actor,
    AuditEvent,
    Booking,
    Cinema,
    Delivery,
    Hold,
    IdempotencyRecord,
    Movie,
    OutboxEvent,
    Outgoing,
    Role,
    Screen,
    Show,
    Ticket,
    TicketType,
    User,
    WaitlistEntry,
    Webhook,
)
from boxoffice.domain.queries import ShowCursor, ShowQuery


class UserRepository(Protocol):
    def add(self, user: User) -> User:
        """Store a new user and return it with its id. Raises EmailTaken on a duplicate."""

    def get(self, user_id: int) -> User | None: ...

    def role_of(self, user_id: int) -> Role | None:
        """The account's role, or None once it is gone: all a token's check needs to read."""

    def get_by_email(self, email: str) -> User | None:
        """Case-insensitive lookup."""


class MovieRepository(Protocol):
    def add(self, movie: Movie) -> Movie: ...

    def get(self, movie_id: int) -> Movie | None: ...

    def lock(self, movie_id: int) -> Movie | None:
        """The movie, held locked until the unit of work ends: changes of it wait in turn."""

    def save(self, movie: Movie) -> None:
        """Write a changed title, genre or duration."""

    def list(self, *, after: int | None, limit: int) -> list[Movie]:
        """Movies with id > after, in id order, at most limit."""


class CinemaRepository(Protocol):
    def add(self, cinema: Cinema) -> Cinema:
        """Store a new cinema and return it with its id."""

    def get(self, cinema_id: int) -> Cinema | None: ...

    def lock(self, cinema_id: int) -> Cinema | None:
        """The cinema, held locked until the unit of work ends."""

    def save(self, cinema: Cinema) -> None:
        """Write a changed name or cancellation policy."""

    def list(self, *, after: int | None, limit: int) -> list[Cinema]:
        """Cinemas with id > after, in id order, at most limit."""


class TicketTypeRepository(Protocol):
    def add(self, ticket_type: TicketType) -> TicketType:
        """Store a new type and return it with its id. Raises TicketTypeTaken when the cinema
        has one with its code."""

    def of_cinema(self, cinema_id: int) -> list[TicketType]:
        """The cinema's ticket types in the order they were added: the first is the default."""


class TicketRepository(Protocol):
    def get(self, code: str) -> Ticket | None: ...

    def save(self, ticket: Ticket) -> None:
        """Write a ticket's status and check-in time."""

    def of_show(self, show_id: int) -> list[Ticket]:
        """Every ticket of the show, cancelled ones too, by booking then seat order."""


class ScreenRepository(Protocol):
    def add(self, screen: Screen) -> Screen:
        """Store a new screen of an existing cinema and return it with its id."""

    def get(self, screen_id: int) -> Screen | None: ...

    def lock(self, screen_id: int) -> Screen | None:
        """The screen, held locked until the unit of work ends: every change of what is
        scheduled on it holds this lock, so the shows it reads on it are current."""

    def save(self, screen: Screen) -> None:
        """Write a changed name or layout."""

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Screen]:
        """The cinema's screens with id > after, in id order, at most limit."""


class ShowRepository(Protocol):
    def add(self, show: Show) -> Show:
        """Store a new show and return it with its id; a seated one starts with every seat
        free but the blocked ones."""

    def get(self, show_id: int) -> Show | None: ...

    def on_screen(self, screen_id: int, start: datetime, end: datetime) -> list[Show]:
        """The scheduled shows on the screen whose window [timing, occupied_until) overlaps
        [start, end), by timing then id."""

    def upcoming_of_movie(self, movie_id: int, now: datetime) -> list[Show]:
        """The scheduled shows of the movie whose timing is after now, by id."""

    # Last: within the class body, a method named list hides the builtin from annotations.
    def list(self, query: ShowQuery, *, after: ShowCursor | None, limit: int) -> list[Show]:
        """At most limit shows matching the query, in its order (query.by_timing: by timing
        then id, after the cursor's (timing, id); otherwise by id, after the cursor's id)."""


class ShowInventoryRepository(Protocol):
    """Shows with their seat charts and active holds, as ShowInventory aggregates."""

    def lock(self, show_id: int) -> ShowInventory | None:
        """The show's inventory, held locked until the unit of work ends: every change of its
        seats holds this lock, so what is decided on it is current."""

    def get(self, show_id: int) -> ShowInventory | None:
        """The inventory as stored, unlocked: for readers, who never save it."""

    def save(self, inventory: ShowInventory) -> None:
        """Write what changed in an inventory this unit of work locked: the show's counts, its
        chart, the holds it added and those whose status changed."""


class HoldRepository(Protocol):
    def next_id(self) -> int:
        """The id the next hold of this unit of work carries."""

    def get(self, hold_id: int) -> Hold | None: ...

    def active_on(self, show_ids: Sequence[int]) -> list[Hold]:
        """The holds of these shows whose status is active, lapsed or not."""


class WaitlistRepository(Protocol):
    """Waiting-list entries. A show's live entries are read and written with its inventory,
    under its lock; readers use the rest."""

    def next_id(self) -> int:
        """The id the next entry of this unit of work carries."""

    def get(self, entry_id: int) -> WaitlistEntry | None: ...

    def live_of_show(self, show_id: int) -> list[WaitlistEntry]:
        """The show's waiting and offered entries, in join order (created_at, then id)."""

    def add(self, entry: WaitlistEntry) -> None:
        """Store a new entry under the id it carries (from next_id)."""

    def save(self, entry: WaitlistEntry) -> None:
        """Write an entry's status, offer (hold_id, expires_at) and updated_at."""

    def waiting_ahead(self, entry: WaitlistEntry) -> int:
        """How many waiting entries of the entry's show joined before it."""

    def list_for_user(
        self, user_id: int, *, after: int | None, limit: int
    ) -> list[WaitlistEntry]: ...

    def list_for_show(
        self, show_id: int, *, after: int | None, limit: int
    ) -> list[WaitlistEntry]: ...

    def due(self, now: datetime, *, limit: int) -> list[int]:
        """Shows with a live list that the next change would settle: an active hold lapsed by
        `now`, or begun with entries still waiting. By id, at most limit."""


class LeaseRepository(Protocol):
    def take(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the named lease until `until` when it is free, lapsed by `now`, or
        already the holder's; False when another holder has it. Atomic across processes; the
        caller commits."""


class BookingRepository(Protocol):
    def next_id(self) -> int:
        """The id the next booking of this unit of work carries."""

    def add(self, booking: Booking) -> None:
        """Store a new booking under the id it carries (from next_id), with its tickets."""

    def get(self, booking_id: int) -> Booking | None:
        """The booking with its tickets."""

    def save(self, booking: Booking) -> None:
        """Write a booking's status, cancellation and refund, and its tickets' statuses."""

    def list_for_user(self, user_id: int, *, after: int | None, limit: int) -> list[Booking]: ...

    def list_for_show(self, show_id: int, *, after: int | None, limit: int) -> list[Booking]: ...

    def active_for_show(self, show_id: int) -> list[Booking]:
        """Every active booking of the show, by id."""

    def refunds_of_show(self, show_id: int) -> int:
        """The sum of the refunds of the show's cancelled bookings."""


class IdempotencyRepository(Protocol):
    def get(self, user_id: int, key: str) -> IdempotencyRecord | None: ...

    def put(self, record: IdempotencyRecord) -> None:
        """Store the record, replacing the one under the same key (an expired one).

        Raises IdempotencyKeyInFlight when another unit of work is storing the same key.
        """


class LoginAttemptRepository(Protocol):
    def failures_since(self, subject: str, since: datetime) -> list[datetime]:
        """When the subject's log-ins failed after `since`, oldest first."""

    def add_failure(self, subject: str, at: datetime) -> None: ...

    def forget(self, subject: str, *, before: datetime | None = None) -> None:
        """Drop the subject's failures: all of them, or those before `before`."""

    def forget_everyone_before(self, before: datetime) -> None:
        """Drop every subject's failures older than `before`: nothing outlives its window."""


class AuditLog(Protocol):
    """Append-only: events are added in the transaction of what they record, never changed."""

    def add(self, event: AuditEvent) -> None:
        """Store the event; the log numbers it."""

    def list(self, *, after: int | None, limit: int) -> list[AuditEvent]:
        """Events with id > after, in id order, at most limit."""


class WebhookRepository(Protocol):
    def add(self, webhook: Webhook) -> Webhook:
        """Store a new webhook of an existing cinema and return it with its id."""

    def get(self, webhook_id: int) -> Webhook | None: ...

    def delete(self, webhook_id: int) -> None:
        """Remove the webhook and its deliveries: none of them is attempted again."""

    def keep(self, webhook_ids: Iterable[int]) -> None:
        """Keep the webhooks from being deleted until this unit of work ends: called before
        it writes any of their deliveries, so a deletion waits rather than deadlocks."""

    def list(self, cinema_id: int, *, after: int | None, limit: int) -> list[Webhook]:
        """The cinema's webhooks with id > after, in id order, at most limit."""


class Outbox(Protocol):
    """Events on their way to webhooks, one delivery per event and subscribing webhook."""

    def add(self, event: OutboxEvent, body: Callable[[], str]) -> None:
        """Queue the event, with the JSON text body() renders, for each webhook of its cinema
        that subscribes to its type, in this unit of work: due at once. With no such webhook,
        nothing is written (and body may go uncalled): a cinema without webhooks pays no
        more than a look."""

    def pending(self, now: datetime, *, limit: int) -> list[Outgoing]:
        """Pending deliveries to attempt at `now`, by id, at most limit: of each webhook and
        show, those from its first pending on while they are due (delivery.deliverable). An
        adapter may look at a window of the oldest pending ones only."""

    def find(self, delivery_ids: Collection[int]) -> dict[int, Delivery]:
        """The deliveries of these ids, pending or done, by id; those gone (their webhook
        deleted) are left out."""

    def save(self, deliveries: Sequence[Delivery]) -> None:
        """Write each delivery's attempts, status, last status or error and next attempt; a
        delivery whose webhook was deleted meanwhile is gone, and stays gone."""

    def list(self, webhook_id: int, *, after: int | None, limit: int) -> list[Delivery]:
        """The webhook's deliveries with id > after, in id order, at most limit."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without commit() rolls back."""

    @property
    def users(self) -> UserRepository: ...

    @property
    def movies(self) -> MovieRepository: ...

    @property
    def cinemas(self) -> CinemaRepository: ...

    @property
    def screens(self) -> ScreenRepository: ...

    @property
    def ticket_types(self) -> TicketTypeRepository: ...

    @property
    def tickets(self) -> TicketRepository: ...

    @property
    def shows(self) -> ShowRepository: ...

    @property
    def inventories(self) -> ShowInventoryRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def holds(self) -> HoldRepository: ...

    @property
    def waitlist(self) -> WaitlistRepository: ...

    @property
    def leases(self) -> LeaseRepository: ...

    @property
    def idempotency_keys(self) -> IdempotencyRepository: ...

    @property
    def login_attempts(self) -> LoginAttemptRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def webhooks(self) -> WebhookRepository: ...

    @property
    def outbox(self) -> Outbox: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    """A fresh unit of work per call; never share one between calls or threads.

    read_only=True promises no writes, so an adapter may skip write locks.
    """

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, password_hash: str) -> bool: ...


class TokenService(Protocol):
    def issue(self, actor: Actor) -> str: ...

    def actor(self, token: str) -> Actor:
        """The actor a valid token names. Raises InvalidToken otherwise."""


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class Events(Protocol):
    """Told of each change once it is committed, for counting (the service's metrics). A retry
    that replays an earlier booking changes nothing and tells nothing. It must not raise: the
    change is durable already."""

    def booked(self, booking: Booking) -> None: ...

    def cancelled(self, booking: Booking) -> None: ...

    def held(self, hold: Hold) -> None: ...


class Presenter(Protocol):
    """Renders an event's body as webhooks receive it."""

    def body(self, event: OutboxEvent, resource: Booking | Show | WaitlistEntry | Ticket) -> str:
        """JSON text: {id, type, occurred_at, data}, data the resource as the API shows it."""


class Resolver(Protocol):
    def addresses(self, host: str, port: int) -> list[str]:
        """The IP addresses a host name stands for; none when it resolves to nothing."""
