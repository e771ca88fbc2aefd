"""Entities. Frozen values: a change is a new value, so nothing is shared by accident."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import attrs

from boxoffice.domain.errors import AlreadyCancelled, HoldNotActive, NotEnoughSeats
from boxoffice.domain.seating import SeatMap

# Ids are assigned by the repository; an entity not yet stored carries this.
UNSAVED = 0


class Role(enum.StrEnum):
    USER = "user"
    OWNER = "owner"


class BookingStatus(enum.StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"


class CancelReason(enum.StrEnum):
    BY_USER = "by_user"
    SHOW_CANCELLED = "show_cancelled"


class ShowStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class TicketStatus(enum.StrEnum):
    VALID = "valid"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


class HoldStatus(enum.StrEnum):
    ACTIVE = "active"
    CONFIRMED = "confirmed"
    RELEASED = "released"
    EXPIRED = "expired"


class WaitlistStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    BOOKED = "booked"
    EXPIRED = "expired"
    LEFT = "left"


class WebhookEvent(enum.StrEnum):
    """What a webhook may subscribe to; "*" (ALL_EVENTS) stands for every one."""

    BOOKING_CREATED = "booking.created"
    BOOKING_CANCELLED = "booking.cancelled"
    SHOW_RESCHEDULED = "show.rescheduled"
    SHOW_CANCELLED = "show.cancelled"
    WAITLIST_OFFERED = "waitlist.offered"
    CHECKIN_ADMITTED = "checkin.admitted"


ALL_EVENTS = "*"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class AuditAction(enum.StrEnum):
    SIGNED_UP = "signed_up"
    LOGGED_IN = "logged_in"
    LOGIN_FAILED = "login_failed"
    LOGIN_THROTTLED = "login_throttled"
    BOOKED = "booked"
    BOOKING_CANCELLED = "booking_cancelled"
    SHOW_CANCELLED = "show_cancelled"
    CHECKED_IN = "checked_in"
    CHECK_IN_UNDONE = "check_in_undone"
    WAITLIST_JOINED = "waitlist.joined"
    WAITLIST_OFFERED = "waitlist.offered"
    WAITLIST_LAPSED = "waitlist.lapsed"
    WAITLIST_LEFT = "waitlist.left"
    WAITLIST_BOOKED = "waitlist.booked"
    WEBHOOK_ADDED = "webhook.added"
    WEBHOOK_DELETED = "webhook.deleted"


@attrs.frozen
class User:
    id: int
    name: str
    email: str
    password_hash: str = attrs.field(repr=False)
    role: Role
    created_at: datetime


@attrs.frozen
class Actor:
    """Who is acting, as a verified token or log-in names them. Each use case checks, in its own
    transaction, that the account still exists with this role.
    """

    id: int
    role: Role


@attrs.frozen
class Movie:
    id: int
    title: str
    genre: str
    # Minutes.
    duration: int
    # Who added it; None for movies added before owners were recorded, which nobody may edit.
    owner_id: int | None = None

    @property
    def running_time(self) -> timedelta:
        return timedelta(minutes=self.duration)


@attrs.frozen
class Cinema:
    id: int
    owner_id: int
    name: str
    # An IANA time zone name ("Europe/Berlin"): the cinema's days and wall-clock times.
    time_zone: str
    # The cleaning gap after each show, in minutes, before the next may begin on a screen.
    gap_minutes: int
    # ISO 4217: every amount of the cinema is an integer number of this currency's minor units.
    currency: str = "XXX"
    # Users may cancel until this many minutes before a show begins, keeping cancel_fee minor
    # units a ticket.
    cancel_until_minutes: int = 0
    cancel_fee: int = 0

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def gap(self) -> timedelta:
        return timedelta(minutes=self.gap_minutes)


@attrs.frozen
class TicketType:
    """A kind of ticket a cinema sells ("adult", "child"); the first one added is the default."""

    id: int
    cinema_id: int
    code: str
    name: str


@attrs.frozen
class Price:
    """What one ticket of a type costs in one zone, in minor units."""

    ticket_type: str
    zone: str
    amount: int


@attrs.frozen
class Screen:
    """A hall of a cinema. Its layout is the seat map a show scheduled on it takes, as it is
    at that moment: editing the layout changes only shows scheduled afterwards. A hall
    without one (standing room, an open-air lawn) is general admission: its shows sell
    `capacity` places."""

    id: int
    cinema_id: int
    name: str
    layout: SeatMap | None
    # The sellable seats: the layout's, or the places of a general-admission hall.
    capacity: int


@attrs.frozen
class Show:
    id: int
    movie_id: int
    owner_id: int
    timing: datetime
    # timing plus the movie's running time.
    ends_at: datetime
    capacity: int
    # Seats neither booked nor in a live hold.
    available_seats: int
    # None: general admission, a count of seats and no more.
    seat_map: SeatMap | None = None
    # Seats in active holds, some of which may have lapsed (ShowInventory.settle): when none,
    # nobody needs to look at the show's holds.
    held_seats: int = 0
    status: ShowStatus = ShowStatus.SCHEDULED
    # The screen and cinema of a show scheduled on a screen; None for a show on none.
    screen_id: int | None = None
    cinema_id: int | None = None
    # On a screen: ends_at plus the cinema's cleaning gap. The screen is the show's from
    # timing until then, and no other scheduled show's window may overlap it.
    occupied_until: datetime | None = None
    # Its cinema's currency (None for a show in no cinema), and its prices; none: it sells at 0.
    currency: str | None = None
    prices: tuple[Price, ...] = ()
    # Live waiting-list entries (waiting or offered): when none, nobody needs to look at the
    # show's list.
    waitlisted: int = 0

    @property
    def is_seated(self) -> bool:
        return self.seat_map is not None

    @property
    def is_cancelled(self) -> bool:
        return self.status is ShowStatus.CANCELLED

    def has_started(self, now: datetime) -> bool:
        return self.timing <= now

    def reserve(self, num_seats: int) -> Show:
        if num_seats > self.available_seats:
            raise NotEnoughSeats(num_seats, self.available_seats)
        return attrs.evolve(self, available_seats=self.available_seats - num_seats)

    def release(self, num_seats: int) -> Show:
        # Never above capacity: a release is always of seats once reserved.
        freed = min(self.capacity, self.available_seats + num_seats)
        return attrs.evolve(self, available_seats=freed)

    def hold(self, num_seats: int) -> Show:
        """Reserve seats for a hold."""
        return attrs.evolve(self.reserve(num_seats), held_seats=self.held_seats + num_seats)

    def settle_hold(self, num_seats: int, *, confirmed: bool) -> Show:
        """A hold ends: its seats become booked (confirmed) or free again."""
        settled = attrs.evolve(self, held_seats=self.held_seats - num_seats)
        return settled if confirmed else settled.release(num_seats)


@attrs.frozen
class Booking:
    id: int
    user_id: int
    show_id: int
    num_seats: int
    status: BookingStatus
    created_at: datetime
    cancelled_at: datetime | None = None
    # The seats booked, in map order; empty for general admission.
    seats: tuple[str, ...] = ()
    # Why a cancelled booking was cancelled; None while active.
    cancel_reason: CancelReason | None = None
    # One ticket per seat (per admission, for general admission), in seat order.
    tickets: tuple[Ticket, ...] = ()
    currency: str | None = None
    # Minor units given back when cancelled; 0 while active.
    refund: int = 0

    @property
    def total(self) -> int:
        return sum(ticket.amount for ticket in self.tickets)

    def priced(self, tickets: tuple[Ticket, ...], currency: str | None) -> Booking:
        """The new booking with its tickets: built directly, as attrs.evolve's generic copy
        costs a booking's hot path more than everything else its pricing does."""
        return Booking(
            self.id,
            self.user_id,
            self.show_id,
            self.num_seats,
            self.status,
            self.created_at,
            self.cancelled_at,
            self.seats,
            self.cancel_reason,
            tickets,
            currency,
            self.refund,
        )

    @property
    def is_active(self) -> bool:
        return self.status is BookingStatus.ACTIVE

    def cancel(
        self, now: datetime, reason: CancelReason = CancelReason.BY_USER, *, fee: int = 0
    ) -> Booking:
        """Cancelled, refunding the total less `fee` a ticket, never below nothing."""
        if not self.is_active:
            raise AlreadyCancelled()
        return attrs.evolve(
            self,
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason,
            tickets=tuple(ticket.cancel() for ticket in self.tickets),
            refund=max(0, self.total - fee * len(self.tickets)),
        )


@attrs.frozen
class Ticket:
    """One seat (or admission) of a booking, let in once at the door by its unguessable code."""

    code: str
    booking_id: int
    show_id: int
    # None for general admission.
    seat: str | None
    zone: str
    # None where the show's cinema has no ticket types (or the show is in no cinema).
    ticket_type: str | None
    amount: int
    status: TicketStatus = TicketStatus.VALID
    checked_in_at: datetime | None = None

    def cancel(self) -> Ticket:
        # A cancelled ticket lets nobody in: a check-in before (the show cancelled while it
        # ran) no longer counts.
        return attrs.evolve(self, status=TicketStatus.CANCELLED, checked_in_at=None)

    def check_in(self, now: datetime) -> Ticket:
        return attrs.evolve(self, status=TicketStatus.CHECKED_IN, checked_in_at=now)

    def undo_check_in(self) -> Ticket:
        return attrs.evolve(self, status=TicketStatus.VALID, checked_in_at=None)


@attrs.frozen
class Hold:
    """Seats kept for a user until expires_at, while they pay; then confirmed or released."""

    id: int
    user_id: int
    show_id: int
    num_seats: int
    status: HoldStatus
    created_at: datetime
    expires_at: datetime
    # The seats held, in map order; empty for general admission.
    seats: tuple[str, ...] = ()
    # The booking a confirmed hold became.
    booking_id: int | None = None
    # The ticket type of each seat (in the order asked for), priced when confirmed.
    ticket_types: tuple[str, ...] = ()

    def is_live(self, now: datetime) -> bool:
        """Still keeping its seats: neither settled nor expired."""
        return self.status is HoldStatus.ACTIVE and now < self.expires_at

    def settle(self, status: HoldStatus, now: datetime) -> Hold:
        """Confirm, release or expire a live hold; a hold past its time can only expire."""
        if self.status is not HoldStatus.ACTIVE:
            raise HoldNotActive(self.status.value)
        if status is not HoldStatus.EXPIRED and not self.is_live(now):
            raise HoldNotActive(HoldStatus.EXPIRED.value)
        return attrs.evolve(self, status=status)


@attrs.frozen
class WaitlistEntry:
    """A user waiting for seats of a show that could not give them; in join order (created_at,
    then id) the first whose party fits freed seats is offered them, as a hold in their name."""

    id: int
    show_id: int
    user_id: int
    num_seats: int
    status: WaitlistStatus
    created_at: datetime
    # 1 = next, among the show's waiting entries; None unless waiting. Filled by readers.
    position: int | None = None
    # The offer: the hold keeping its seats, and when that hold lapses.
    hold_id: int | None = None
    expires_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        """Waiting, or holding an offer: it still counts in the show's list."""
        return self.status is WaitlistStatus.WAITING or self.status is WaitlistStatus.OFFERED

    def offered(self, hold: Hold) -> WaitlistEntry:
        return attrs.evolve(
            self,
            status=WaitlistStatus.OFFERED,
            hold_id=hold.id,
            expires_at=hold.expires_at,
            updated_at=hold.created_at,
            position=None,
        )

    def ended(self, status: WaitlistStatus, now: datetime) -> WaitlistEntry:
        """Booked, expired or left: it no longer counts in the list."""
        return attrs.evolve(self, status=status, updated_at=now, position=None)


@attrs.frozen
class IdempotencyRecord:
    """A request made with an Idempotency-Key, and the booking it produced."""

    user_id: int
    key: str
    # What the request asked for; the same key asking for something else is refused.
    fingerprint: str
    booking_id: int
    created_at: datetime


@attrs.frozen
class AuditEvent:
    """Who did what to what, when and from where. Never a password or a token.

    target names what was acted on: "user:<id>", "booking:<id>", "show:<id>", or for a log-in
    that failed or was throttled "email:<address tried>". actor_id is the account acting (for a
    failed log-in, the account the attempt claimed to be), None when no account has the email
    tried.
    """

    id: int
    occurred_at: datetime
    action: AuditAction
    actor_id: int | None
    target: str
    client: str | None = None
    # What a booking or cancellation was about; None for account events.
    show_id: int | None = None
    num_seats: int | None = None

    @property
    def detail(self) -> dict[str, int]:
        details = {"show_id": self.show_id, "num_seats": self.num_seats}
        return {name: value for name, value in details.items() if value is not None}


@attrs.frozen
class Webhook:
    """An endpoint of a cinema's other systems, told of the events it subscribes to.

    The secret signs every delivery (Standard Webhooks: "whsec_" and base64 of its key); it is
    shown once, when the webhook is added, and never logged or audited.
    """

    id: int
    cinema_id: int
    url: str
    # WebhookEvent values, or (ALL_EVENTS,).
    events: tuple[str, ...]
    secret: str = attrs.field(repr=False)
    created_at: datetime

    def subscribes(self, event_type: str) -> bool:
        return ALL_EVENTS in self.events or event_type in self.events


@attrs.frozen
class OutboxEvent:
    """A change as webhooks hear of it, written in the transaction of the change with its
    body, the JSON text delivered ({id, type, occurred_at, data}, rendered by a Presenter)."""

    id: str
    type: WebhookEvent
    cinema_id: int
    show_id: int | None
    occurred_at: datetime


@attrs.frozen
class Delivery:
    """One event on its way to one webhook: each attempt's outcome, and when the next is due.

    Pending until an attempt succeeds (delivered) or the event is a day old (failed)."""

    id: int
    webhook_id: int
    event_id: str
    event_type: str
    show_id: int | None
    attempts: int
    status: DeliveryStatus
    # The HTTP status of the last attempt, or why it had none ("timeout", ...).
    last_status: int | None
    last_error: str | None
    # None once delivered or failed.
    next_attempt_at: datetime | None
    created_at: datetime


@attrs.frozen
class Outgoing:
    """A delivery due now, with what its attempt needs: where to, the signing secret and the
    body, exactly as written with the event."""

    delivery: Delivery
    url: str
    secret: str = attrs.field(repr=False)
    body: str = attrs.field(repr=False)
