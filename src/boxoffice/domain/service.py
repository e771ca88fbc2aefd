"""The booking service: every use case behind one object, the library's public surface.

Arguments are typed: mypy checks a caller's code, and at run time every value is checked
again (a ValidationError names the argument), since a Python caller may pass anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

import attrs

from boxoffice.domain.acting import Ports, Unobserved
from boxoffice.domain.audit import ListAuditEvents
from boxoffice.domain.auth import Authenticate, LogIn, SignUp
from boxoffice.domain.booking import (
    BookSeats,
    CancelBooking,
    GetBooking,
    ListBookings,
    ListShowBookings,
)
from boxoffice.domain.catalog import (
    AddMovie,
    AddShow,
    GetMovie,
    GetShow,
    GetShowSeats,
    ListMovies,
    ListShows,
    ShowSeats,
)
from boxoffice.domain.delivery import Attempt
from boxoffice.domain.door import CheckIn, GetTicket, UndoCheckIn
from boxoffice.domain.holds import ConfirmHold, GetHold, HoldSeats, ReleaseHold
from boxoffice.domain.model import (
    Actor,
    AuditEvent,
    Booking,
    Cinema,
    Delivery,
    Hold,
    Movie,
    Outgoing,
    Price,
    Role,
    Screen,
    Show,
    ShowStatus,
    Ticket,
    TicketType,
    User,
    WaitlistEntry,
    Webhook,
)
from boxoffice.domain.outbox import PlainPresenter
from boxoffice.domain.paging import Page
from boxoffice.domain.ports import (
    Clock,
    Events,
    PasswordHasher,
    Presenter,
    Resolver,
    TokenService,
    UnitOfWorkFactory,
)
from boxoffice.domain.reports import CinemaReport, GetCinemaReport, GetShowReport, ShowReport
from boxoffice.domain.rules import Limits
from boxoffice.domain.schedule import ISO_WEEKDAYS
from boxoffice.domain.scheduling import CancelShow, ScheduleSeries, UpdateMovie, UpdateShow
from boxoffice.domain.seating import SeatMap
from boxoffice.domain.venues import (
    DEFAULT_GAP_MINUTES,
    AddCinema,
    AddScreen,
    AddTicketType,
    GetCinema,
    GetScreen,
    ListCinemas,
    ListScreens,
    ListTicketTypes,
    UpdateCinema,
    UpdateScreen,
)
from boxoffice.domain.waitlisting import (
    GetWaitlistEntry,
    JoinWaitlist,
    LeaveWaitlist,
    ListShowWaitlist,
    ListWaitlist,
    SettleDue,
    TakeLease,
)
from boxoffice.domain.webhooks import (
    AddWebhook,
    DeleteWebhook,
    DueDeliveries,
    GetWebhook,
    ListDeliveries,
    ListWebhooks,
    RecordAttempts,
)


@attrs.frozen
class Boxoffice:
    _sign_up: SignUp
    _log_in: LogIn
    _authenticate: Authenticate
    _tokens: TokenService
    _add_movie: AddMovie
    _get_movie: GetMovie
    _list_movies: ListMovies
    _add_show: AddShow
    _get_show: GetShow
    _list_shows: ListShows
    _get_show_seats: GetShowSeats
    _book_seats: BookSeats
    _cancel_booking: CancelBooking
    _get_booking: GetBooking
    _list_bookings: ListBookings
    _list_show_bookings: ListShowBookings
    _hold_seats: HoldSeats
    _confirm_hold: ConfirmHold
    _release_hold: ReleaseHold
    _get_hold: GetHold
    _list_audit_events: ListAuditEvents
    _add_cinema: AddCinema
    _get_cinema: GetCinema
    _list_cinemas: ListCinemas
    _add_screen: AddScreen
    _get_screen: GetScreen
    _list_screens: ListScreens
    _update_screen: UpdateScreen
    _schedule_series: ScheduleSeries
    _update_movie: UpdateMovie
    _update_show: UpdateShow
    _cancel_show: CancelShow
    _update_cinema: UpdateCinema
    _add_ticket_type: AddTicketType
    _list_ticket_types: ListTicketTypes
    _get_ticket: GetTicket
    _check_in: CheckIn
    _undo_check_in: UndoCheckIn
    _show_report: GetShowReport
    _cinema_report: GetCinemaReport
    _join_waitlist: JoinWaitlist
    _leave_waitlist: LeaveWaitlist
    _get_waitlist_entry: GetWaitlistEntry
    _list_waitlist: ListWaitlist
    _list_show_waitlist: ListShowWaitlist
    _settle_due: SettleDue
    _take_lease: TakeLease
    _add_webhook: AddWebhook
    _list_webhooks: ListWebhooks
    _get_webhook: GetWebhook
    _delete_webhook: DeleteWebhook
    _list_deliveries: ListDeliveries
    _due_deliveries: DueDeliveries
    _record_attempts: RecordAttempts
    limits: Limits

    @classmethod
    def from_ports(
        cls,
        *,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        tokens: TokenService,
        clock: Clock,
        limits: Limits | None = None,
        events: Events | None = None,
        presenter: Presenter | None = None,
        resolver: Resolver | None = None,
    ) -> Boxoffice:
        """events: told of committed bookings, cancellations and holds (none by default).
        presenter: renders webhook bodies (default: the entities' fields as JSON).
        resolver: the addresses of a webhook URL's host, checked when it is added (default:
        none; the dispatcher checks them when it connects)."""
        limits = limits or Limits()
        ports = Ports(
            uow,
            clock,
            limits,
            events or Unobserved(),
            presenter=presenter or PlainPresenter(),
            resolver=resolver,
        )
        return cls(
            sign_up=SignUp(uow, hasher, clock),
            log_in=LogIn(uow, hasher, clock, limits),
            authenticate=Authenticate(tokens),
            tokens=tokens,
            add_movie=AddMovie(ports),
            get_movie=GetMovie(ports),
            list_movies=ListMovies(ports),
            add_show=AddShow(ports),
            get_show=GetShow(ports),
            list_shows=ListShows(ports),
            get_show_seats=GetShowSeats(ports),
            book_seats=BookSeats(ports),
            cancel_booking=CancelBooking(ports),
            get_booking=GetBooking(ports),
            list_bookings=ListBookings(ports),
            list_show_bookings=ListShowBookings(ports),
            hold_seats=HoldSeats(ports),
            confirm_hold=ConfirmHold(ports),
            release_hold=ReleaseHold(ports),
            get_hold=GetHold(ports),
            list_audit_events=ListAuditEvents(uow, limits),
            add_cinema=AddCinema(ports),
            get_cinema=GetCinema(ports),
            list_cinemas=ListCinemas(ports),
            add_screen=AddScreen(ports),
            get_screen=GetScreen(ports),
            list_screens=ListScreens(ports),
            update_screen=UpdateScreen(ports),
            schedule_series=ScheduleSeries(ports),
            update_movie=UpdateMovie(ports),
            update_show=UpdateShow(ports),
            cancel_show=CancelShow(ports),
            update_cinema=UpdateCinema(ports),
            add_ticket_type=AddTicketType(ports),
            list_ticket_types=ListTicketTypes(ports),
            get_ticket=GetTicket(ports),
            check_in=CheckIn(ports),
            undo_check_in=UndoCheckIn(ports),
            show_report=GetShowReport(ports),
            cinema_report=GetCinemaReport(ports),
            join_waitlist=JoinWaitlist(ports),
            leave_waitlist=LeaveWaitlist(ports),
            get_waitlist_entry=GetWaitlistEntry(ports),
            list_waitlist=ListWaitlist(ports),
            list_show_waitlist=ListShowWaitlist(ports),
            settle_due=SettleDue(ports),
            take_lease=TakeLease(ports),
            add_webhook=AddWebhook(ports),
            list_webhooks=ListWebhooks(ports),
            get_webhook=GetWebhook(ports),
            delete_webhook=DeleteWebhook(ports),
            list_deliveries=ListDeliveries(ports),
            due_deliveries=DueDeliveries(ports),
            record_attempts=RecordAttempts(ports),
            limits=limits,
        )

    def sign_up(
        self,
        *,
        name: str,
        email: str,
        password: str,
        role: Role | str = Role.USER,
        client: str | None = None,
    ) -> User:
        """client: who is on the other end (an address), when known; the audit trail keeps it."""
        return self._sign_up(name=name, email=email, password=password, role=role, client=client)

    def log_in(self, *, email: str, password: str, client: str | None = None) -> str:
        """A bearer token for the account. Raises InvalidCredentials, or TooManyAttempts after
        repeated failures for the account or from the client (an address, when known).
        """
        return self._tokens.issue(self._log_in(email=email, password=password, client=client))

    def actor_for(self, *, email: str, password: str, client: str | None = None) -> Actor:
        """The account's Actor, for a library caller that has credentials and needs no token:
        the same checks, throttling and audit events as log_in."""
        return self._log_in(email=email, password=password, client=client)

    def authenticate(self, token: str) -> Actor:
        """The Actor a token names; InvalidToken if it is forged, expired or malformed. Each use
        case then checks, in its own transaction, that the account still exists."""
        return self._authenticate(token)

    def add_movie(self, actor: Actor, *, title: str, genre: str, duration: int) -> Movie:
        """duration in minutes."""
        return self._add_movie(actor, title=title, genre=genre, duration=duration)

    def get_movie(self, movie_id: int) -> Movie:
        return self._get_movie(movie_id)

    def list_movies(self, *, after: int | None = None, limit: int | None = None) -> Page[Movie]:
        return self._list_movies(after=after, limit=limit)

    def add_show(
        self,
        actor: Actor,
        *,
        movie_id: int,
        timing: datetime,
        available_seats: int | None = None,
        seat_map: SeatMap | None = None,
        screen_id: int | None = None,
        prices: Sequence[Price] | None = None,
    ) -> Show:
        """A show on one of the actor's screens (`screen_id`), which takes the screen's layout
        and must fit a free window on it (ScheduleConflict otherwise); or a general-admission
        show of `available_seats`; or a seated one with `seat_map`
        (`SeatMap.build([("A", 12), ("B", 14)], blocked=["A1"])`), whose sellable seats are its
        capacity. `timing` is an aware datetime in the future. A show on a screen sells at
        `prices` (`Price(ticket_type, zone, amount)`, amounts in minor units of its cinema's
        currency); without them, and off a screen, at 0.
        """
        return self._add_show(
            actor,
            movie_id=movie_id,
            timing=timing,
            available_seats=available_seats,
            seat_map=seat_map,
            screen_id=screen_id,
            prices=prices,
        )

    def get_show(self, show_id: int) -> Show:
        return self._get_show(show_id)

    def list_shows(
        self,
        movie_id: int | None = None,
        *,
        cinema_id: int | None = None,
        screen_id: int | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        day: date | None = None,
        status: ShowStatus | None = ShowStatus.SCHEDULED,
        after: int | None = None,
        after_timing: datetime | None = None,
        limit: int | None = None,
    ) -> Page[Show]:
        """Shows matching every filter given: timing in [starts_from, starts_before), or a
        `day` local to the cinema `cinema_id` names. Cancelled shows only with
        status=ShowStatus.CANCELLED, or status=None for every show.

        Without a time filter, by id, paged with `after` (the page's next_after). With one, by
        timing then id, paged with `after` and `after_timing` (next_after and next_timing).
        """
        return self._list_shows(
            movie_id,
            cinema_id=cinema_id,
            screen_id=screen_id,
            starts_from=starts_from,
            starts_before=starts_before,
            day=day,
            status=status,
            after=after,
            after_timing=after_timing,
            limit=limit,
        )

    def update_show(
        self,
        actor: Actor,
        show_id: int,
        *,
        timing: datetime | None = None,
        capacity: int | None = None,
        prices: Sequence[Price] | None = None,
    ) -> Show:
        """Move one of the actor's shows (it keeps its bookings; on a screen only into a free
        window), change a general-admission show's capacity, down to its seats booked and
        held (CapacityBelowSold below that), or its prices (bookings keep what they paid).
        Not once it has begun or was cancelled."""
        return self._update_show(actor, show_id, timing=timing, capacity=capacity, prices=prices)

    def cancel_show(self, actor: Actor, show_id: int, *, client: str | None = None) -> Show:
        """Cancel one of the actor's shows, until it ends: its bookings are cancelled
        (cancel_reason "show_cancelled") and its holds released, all at once. Cancelling a
        cancelled show returns it unchanged."""
        return self._cancel_show(actor, show_id, client=client)

    def update_movie(
        self,
        actor: Actor,
        movie_id: int,
        *,
        title: str | None = None,
        genre: str | None = None,
        duration: int | None = None,
    ) -> Movie:
        """Change a movie the actor added. A new duration applies to its shows that have not
        begun; ScheduleConflict if one would then overlap the next show on its screen."""
        return self._update_movie(actor, movie_id, title=title, genre=genre, duration=duration)

    def add_cinema(
        self,
        actor: Actor,
        *,
        name: str,
        time_zone: str,
        currency: str,
        gap_minutes: int = DEFAULT_GAP_MINUTES,
        cancel_until_minutes: int = 0,
        cancel_fee: int = 0,
    ) -> Cinema:
        """A cinema of the actor (an owner). time_zone: an IANA name ("Europe/Berlin");
        currency: ISO 4217 ("EUR"), whose minor units every amount counts; gap_minutes: the
        cleaning gap after each show on its screens, 0 to 240. Users may cancel until
        cancel_until_minutes before a show, and keep the total less cancel_fee a ticket."""
        return self._add_cinema(
            actor,
            name=name,
            time_zone=time_zone,
            currency=currency,
            gap_minutes=gap_minutes,
            cancel_until_minutes=cancel_until_minutes,
            cancel_fee=cancel_fee,
        )

    def update_cinema(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        name: str | None = None,
        cancel_until_minutes: int | None = None,
        cancel_fee: int | None = None,
    ) -> Cinema:
        """Rename one of the actor's cinemas or change its cancellation policy."""
        return self._update_cinema(
            actor,
            cinema_id,
            name=name,
            cancel_until_minutes=cancel_until_minutes,
            cancel_fee=cancel_fee,
        )

    def add_ticket_type(self, actor: Actor, cinema_id: int, *, code: str, name: str) -> TicketType:
        """A kind of ticket ("adult") of one of the actor's cinemas; the first is the default.
        TicketTypeTaken if the cinema has the code already."""
        return self._add_ticket_type(actor, cinema_id, code=code, name=name)

    def list_ticket_types(self, cinema_id: int) -> list[TicketType]:
        return self._list_ticket_types(cinema_id)

    def get_ticket(self, actor: Actor, code: str) -> Ticket:
        """One of the actor's tickets by its code; anyone else's is NotFound."""
        return self._get_ticket(actor, code)

    def check_in(
        self, actor: Actor, *, code: str, show_id: int, client: str | None = None
    ) -> Ticket:
        """Let a ticket in at the door of the actor's show, exactly once. CheckInRefused says
        why not (its result: already_checked_in, wrong_show, cancelled, too_early,
        show_ended); NotFound for an unknown code or another owner's ticket."""
        return self._check_in(actor, code=code, show_id=show_id, client=client)

    def undo_check_in(self, actor: Actor, code: str, *, client: str | None = None) -> Ticket:
        """Undo a mistaken check-in: the ticket is valid again."""
        return self._undo_check_in(actor, code, client=client)

    def show_report(self, actor: Actor, show_id: int) -> ShowReport:
        """What one of the actor's shows sold: seats, money, admissions."""
        return self._show_report(actor, show_id)

    def cinema_report(
        self, actor: Actor, cinema_id: int, *, starts_from: datetime, starts_before: datetime
    ) -> CinemaReport:
        """A ShowReport per show of the actor's cinema in [starts_from, starts_before)."""
        return self._cinema_report(
            actor, cinema_id, starts_from=starts_from, starts_before=starts_before
        )

    def get_cinema(self, cinema_id: int) -> Cinema:
        return self._get_cinema(cinema_id)

    def list_cinemas(self, *, after: int | None = None, limit: int | None = None) -> Page[Cinema]:
        return self._list_cinemas(after=after, limit=limit)

    def add_screen(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        name: str,
        layout: SeatMap | None = None,
        capacity: int | None = None,
    ) -> Screen:
        """A screen of one of the actor's cinemas. layout: its seats, and zones of them
        (`SeatMap.build(rows, blocked, zones={"premium": ["E1-E12"]})`); or, for a
        general-admission hall, its capacity."""
        return self._add_screen(actor, cinema_id, name=name, layout=layout, capacity=capacity)

    def get_screen(self, screen_id: int) -> Screen:
        return self._get_screen(screen_id)

    def list_screens(
        self, cinema_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Screen]:
        return self._list_screens(cinema_id, after=after, limit=limit)

    def update_screen(
        self,
        actor: Actor,
        screen_id: int,
        *,
        name: str | None = None,
        layout: SeatMap | None = None,
        capacity: int | None = None,
    ) -> Screen:
        """Rename a screen, give it a new layout, or make it a general-admission hall of a
        capacity: shows scheduled afterwards take the new seats."""
        return self._update_screen(actor, screen_id, name=name, layout=layout, capacity=capacity)

    def schedule_series(
        self,
        actor: Actor,
        *,
        movie_id: int,
        screen_id: int,
        first_day: date,
        last_day: date,
        times: Sequence[time],
        weekdays: Iterable[int] = ISO_WEEKDAYS,
        prices: Sequence[Price] | None = None,
    ) -> list[Show]:
        """Shows of the movie on the actor's screen at each local wall-clock time (naive
        `time`s, in the cinema's time zone) of every day from first_day to last_day inclusive
        whose ISO weekday (1 Monday .. 7 Sunday) is listed; at most 1,000. All or none:
        ScheduleConflict lists each day and time whose window is taken."""
        return self._schedule_series(
            actor,
            movie_id=movie_id,
            screen_id=screen_id,
            first_day=first_day,
            last_day=last_day,
            times=times,
            weekdays=weekdays,
            prices=prices,
        )

    def get_seats(self, show_id: int) -> ShowSeats:
        """A seated show's seats, each free, held, booked or blocked (ShowSeats.seats)."""
        return self._get_show_seats(show_id)

    def book_seats(
        self,
        actor: Actor,
        *,
        show_id: int,
        num_seats: int | None = None,
        seats: Sequence[str] | None = None,
        ticket_types: Sequence[str] | None = None,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        """Book `seats` by name (["C5", "C6"], all or none) on a seated show, or `num_seats`:
        on a seated show the best free ones are chosen. `ticket_types`: one code a seat, in
        the order of `seats` (default: the cinema's default type); each ticket is priced by
        its type and zone.

        With an idempotency_key, a retry within 24 hours returns the first call's booking
        instead of booking again; the same key for a different request is refused.
        """
        return self._book_seats(
            actor,
            show_id=show_id,
            num_seats=num_seats,
            seats=seats,
            ticket_types=ticket_types,
            idempotency_key=idempotency_key,
            client=client,
        )

    def cancel_booking(
        self,
        actor: Actor,
        booking_id: int,
        *,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        return self._cancel_booking(
            actor, booking_id, idempotency_key=idempotency_key, client=client
        )

    def get_booking(self, actor: Actor, booking_id: int) -> Booking:
        return self._get_booking(actor, booking_id)

    def list_bookings(
        self, actor: Actor, *, after: int | None = None, limit: int | None = None
    ) -> Page[Booking]:
        return self._list_bookings(actor, after=after, limit=limit)

    def list_show_bookings(
        self, actor: Actor, show_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Booking]:
        """Every booking of one of the owner's shows, cancelled ones included."""
        return self._list_show_bookings(actor, show_id, after=after, limit=limit)

    def hold_seats(
        self,
        actor: Actor,
        *,
        show_id: int,
        num_seats: int | None = None,
        seats: Sequence[str] | None = None,
        ticket_types: Sequence[str] | None = None,
    ) -> Hold:
        """Keep seats (named, or the best `num_seats`) for the actor until the hold expires;
        their ticket types are priced when it is confirmed."""
        return self._hold_seats(
            actor, show_id=show_id, num_seats=num_seats, seats=seats, ticket_types=ticket_types
        )

    def confirm_hold(
        self,
        actor: Actor,
        hold_id: int,
        *,
        idempotency_key: str | None = None,
        client: str | None = None,
    ) -> Booking:
        """Turn a live hold into a booking of its seats (audited as a booking)."""
        return self._confirm_hold(actor, hold_id, idempotency_key=idempotency_key, client=client)

    def release_hold(self, actor: Actor, hold_id: int) -> Hold:
        return self._release_hold(actor, hold_id)

    def get_hold(self, actor: Actor, hold_id: int) -> Hold:
        return self._get_hold(actor, hold_id)

    def join_waitlist(
        self, actor: Actor, show_id: int, *, num_seats: int, client: str | None = None
    ) -> WaitlistEntry:
        """Wait for `num_seats` of a show that cannot give them now (SeatsAvailable when it
        can: book them). One live entry per user and show (AlreadyWaiting); at most the
        per-booking maximum; not for a show begun or cancelled. When seats free up, the first
        entry in join order whose party fits them is offered them: a hold in the user's name
        for `waitlist_offer_seconds` (entry "offered", with hold_id and expires_at), booked by
        confirm_hold. An entry whose user already holds seats of the show is passed over until
        that hold ends, and keeps its place."""
        return self._join_waitlist(actor, show_id, num_seats=num_seats, client=client)

    def leave_waitlist(
        self, actor: Actor, entry_id: int, *, client: str | None = None
    ) -> WaitlistEntry:
        """Leave a waiting list; an offered entry's hold is released and passed on. An entry no
        longer live (booked, expired, left) is returned unchanged."""
        return self._leave_waitlist(actor, entry_id, client=client)

    def get_waitlist_entry(self, actor: Actor, entry_id: int) -> WaitlistEntry:
        """One of the actor's entries, with its place in line (`position`, 1 = next) while
        waiting; anyone else's is NotFound."""
        return self._get_waitlist_entry(actor, entry_id)

    def list_waitlist(
        self, actor: Actor, *, after: int | None = None, limit: int | None = None
    ) -> Page[WaitlistEntry]:
        """The actor's entries on every show, by id."""
        return self._list_waitlist(actor, after=after, limit=limit)

    def list_show_waitlist(
        self, actor: Actor, show_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[WaitlistEntry]:
        """Every entry of one of the owner's shows, by id."""
        return self._list_show_waitlist(actor, show_id, after=after, limit=limit)

    def settle_due(self, now: datetime | None = None) -> int:
        """Settle the shows whose offers (or holds) lapsed by `now` (default: the clock), so the
        next entries get their offers with nobody touching the shows; how many changed. Not
        needed for correctness: the next change of a show settles it. Call it every few
        seconds from one process, or hold a lease for it (take_lease)."""
        return self._settle_due(now)

    def take_lease(self, name: str, holder: str, *, seconds: float) -> bool:
        """Take or renew the named lease for `seconds`, unless another holder has it unlapsed:
        one holder at a time across every process sharing the database."""
        return self._take_lease(name, holder, seconds=seconds)

    def add_webhook(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        url: str,
        events: Sequence[str],
        client: str | None = None,
    ) -> Webhook:
        """An endpoint of one of the actor's cinemas, told of its shows' events of the types
        listed (WebhookEvent values, or ["*"] for all). The URL is http(s); unless private
        addresses are allowed (Limits.webhooks_allow_private), not one that is or resolves to
        a loopback, private, link-local or reserved address. The returned webhook carries its
        secret, which signs every delivery: it is never shown again."""
        return self._add_webhook(actor, cinema_id, url=url, events=events, client=client)

    def list_webhooks(
        self, actor: Actor, cinema_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Webhook]:
        """The webhooks of one of the actor's cinemas, by id, without their secrets."""
        return self._list_webhooks(actor, cinema_id, after=after, limit=limit)

    def get_webhook(self, actor: Actor, webhook_id: int) -> Webhook:
        """One of the actor's webhooks, without its secret; anyone else's is NotFound."""
        return self._get_webhook(actor, webhook_id)

    def delete_webhook(
        self, actor: Actor, webhook_id: int, *, client: str | None = None
    ) -> Webhook:
        """Delete one of the actor's webhooks, with its deliveries: those pending are never
        attempted again. Returns it, without its secret."""
        return self._delete_webhook(actor, webhook_id, client=client)

    def list_deliveries(
        self, actor: Actor, webhook_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Delivery]:
        """One of the actor's webhooks' deliveries, oldest first (by id): each event's type,
        attempts, last HTTP status or error, and next attempt."""
        return self._list_deliveries(actor, webhook_id, after=after, limit=limit)

    def due_deliveries(self, *, limit: int = 100) -> list[Outgoing]:
        """For a dispatcher: deliveries to attempt now, each with its URL, secret and body, by
        id: of each webhook and show, from its first pending on (delivery.deliverable). Attempt
        those of a webhook and show in order, each once the one before succeeded, and stop at
        the first that fails (delivery.chains). Hold a lease ("webhook-dispatcher") so that one
        dispatcher at a time calls this."""
        return self._due_deliveries(limit=limit)

    def record_attempt(
        self, delivery_id: int, *, status: int | None = None, error: str | None = None
    ) -> Delivery | None:
        """For a dispatcher: an attempt's HTTP status, or why it had none ("timeout"). A 2xx
        delivers it; otherwise it is retried with backoff, or failed once its event is a day
        old. None when the delivery is gone (its webhook deleted)."""
        return self._record_attempts([(delivery_id, Attempt(status, error))])[0]

    def record_attempts(self, attempts: Sequence[tuple[int, Attempt]]) -> list[Delivery | None]:
        """record_attempt for each (delivery id, Attempt), in one transaction: a dispatcher
        records a round's attempts with one commit."""
        return self._record_attempts(attempts)

    def list_audit_events(
        self, *, after: int | None = None, limit: int | None = None
    ) -> Page[AuditEvent]:
        """The audit trail, oldest first: sign-ups, log-ins (failed and throttled ones too),
        bookings and cancellations. For operators; it answers to no actor.
        """
        return self._list_audit_events(after=after, limit=limit)
