"""The booking service: every use case behind one object, the library's public surface."""

from __future__ import annotations

from typing import Any

import attrs

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
from boxoffice.domain.holds import ConfirmHold, GetHold, HoldSeats, ReleaseHold
from boxoffice.domain.model import Actor, AuditEvent, Booking, Hold, Movie, Show, User
from boxoffice.domain.paging import Page
from boxoffice.domain.ports import Clock, PasswordHasher, TokenService, UnitOfWorkFactory
from boxoffice.domain.rules import Limits


@attrs.frozen
class Boxoffice:
    _sign_up: SignUp
    _log_in: LogIn
    _authenticate: Authenticate
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
    ) -> Boxoffice:
        limits = limits or Limits()
        return cls(
            sign_up=SignUp(uow, hasher, clock),
            log_in=LogIn(uow, hasher, tokens, clock, limits),
            authenticate=Authenticate(uow, tokens),
            add_movie=AddMovie(uow),
            get_movie=GetMovie(uow),
            list_movies=ListMovies(uow, limits),
            add_show=AddShow(uow, clock, limits),
            get_show=GetShow(uow, clock),
            list_shows=ListShows(uow, clock, limits),
            get_show_seats=GetShowSeats(uow, clock),
            book_seats=BookSeats(uow, clock, limits),
            cancel_booking=CancelBooking(uow, clock),
            get_booking=GetBooking(uow),
            list_bookings=ListBookings(uow, limits),
            list_show_bookings=ListShowBookings(uow, limits),
            hold_seats=HoldSeats(uow, clock, limits),
            confirm_hold=ConfirmHold(uow, clock),
            release_hold=ReleaseHold(uow, clock),
            get_hold=GetHold(uow, clock),
            list_audit_events=ListAuditEvents(uow, limits),
            limits=limits,
        )

    def sign_up(
        self, *, name: Any, email: Any, password: Any, role: Any = "user", client: Any = None
    ) -> User:
        """client: who is on the other end (an address), when known; the audit trail keeps it."""
        return self._sign_up(name=name, email=email, password=password, role=role, client=client)

    def log_in(self, *, email: Any, password: Any, client: Any = None) -> str:
        """A bearer token for the account. Raises InvalidCredentials, or TooManyAttempts after
        repeated failures for the account or from the client (an address, when known).
        """
        return self._log_in(email=email, password=password, client=client)

    def authenticate(self, token: Any) -> Actor:
        return self._authenticate(token)

    def add_movie(self, actor: Actor, *, title: Any, genre: Any, duration: Any) -> Movie:
        return self._add_movie(actor, title=title, genre=genre, duration=duration)

    def get_movie(self, movie_id: Any) -> Movie:
        return self._get_movie(movie_id)

    def list_movies(self, *, after: Any = None, limit: Any = None) -> Page[Movie]:
        return self._list_movies(after=after, limit=limit)

    def add_show(
        self,
        actor: Actor,
        *,
        movie_id: Any,
        timing: Any,
        available_seats: Any = None,
        seat_map: Any = None,
    ) -> Show:
        """A general-admission show of `available_seats`, or a seated one with `seat_map`:
        {"rows": [{"label": "A", "seats": 12}, ...], "blocked": ["A1", ...]}, whose sellable
        seats are its capacity.
        """
        return self._add_show(
            actor,
            movie_id=movie_id,
            timing=timing,
            available_seats=available_seats,
            seat_map=seat_map,
        )

    def get_show(self, show_id: Any) -> Show:
        return self._get_show(show_id)

    def list_shows(
        self, movie_id: Any = None, *, after: Any = None, limit: Any = None
    ) -> Page[Show]:
        return self._list_shows(movie_id, after=after, limit=limit)

    def get_seats(self, show_id: Any) -> ShowSeats:
        """A seated show's seats, each free, held, booked or blocked."""
        return self._get_show_seats(show_id)

    def book_seats(
        self,
        actor: Actor,
        *,
        show_id: Any,
        num_seats: Any = None,
        seats: Any = None,
        idempotency_key: Any = None,
        client: Any = None,
    ) -> Booking:
        """Book `seats` by name (["C5", "C6"], all or none) on a seated show, or `num_seats`:
        on a seated show the best free ones are chosen.

        With an idempotency_key, a retry within 24 hours returns the first call's booking
        instead of booking again; the same key for a different request is refused.
        """
        return self._book_seats(
            actor,
            show_id=show_id,
            num_seats=num_seats,
            seats=seats,
            idempotency_key=idempotency_key,
            client=client,
        )

    def cancel_booking(
        self, actor: Actor, booking_id: Any, *, idempotency_key: Any = None, client: Any = None
    ) -> Booking:
        return self._cancel_booking(
            actor, booking_id, idempotency_key=idempotency_key, client=client
        )

    def get_booking(self, actor: Actor, booking_id: Any) -> Booking:
        return self._get_booking(actor, booking_id)

    def list_bookings(self, actor: Actor, *, after: Any = None, limit: Any = None) -> Page[Booking]:
        return self._list_bookings(actor, after=after, limit=limit)

    def list_show_bookings(
        self, actor: Actor, show_id: Any, *, after: Any = None, limit: Any = None
    ) -> Page[Booking]:
        """Every booking of one of the owner's shows, cancelled ones included."""
        return self._list_show_bookings(actor, show_id, after=after, limit=limit)

    def hold_seats(
        self, actor: Actor, *, show_id: Any, num_seats: Any = None, seats: Any = None
    ) -> Hold:
        """Keep seats (named, or the best `num_seats`) for the actor until the hold expires."""
        return self._hold_seats(actor, show_id=show_id, num_seats=num_seats, seats=seats)

    def confirm_hold(
        self, actor: Actor, hold_id: Any, *, idempotency_key: Any = None, client: Any = None
    ) -> Booking:
        """Turn a live hold into a booking of its seats (audited as a booking)."""
        return self._confirm_hold(actor, hold_id, idempotency_key=idempotency_key, client=client)

    def release_hold(self, actor: Actor, hold_id: Any) -> Hold:
        return self._release_hold(actor, hold_id)

    def get_hold(self, actor: Actor, hold_id: Any) -> Hold:
        return self._get_hold(actor, hold_id)

    def list_audit_events(self, *, after: Any = None, limit: Any = None) -> Page[AuditEvent]:
        """The audit trail, oldest first: sign-ups, log-ins (failed and throttled ones too),
        bookings and cancellations. For operators; it answers to no actor.
        """
        return self._list_audit_events(after=after, limit=limit)
