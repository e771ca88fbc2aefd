"""Every operation of the REST service, declared once: its route, inputs, response and errors.

app.py routes and decodes by these declarations, endpoints.py answers by them, and openapi.py
writes the document from them, so the three cannot disagree. Types come from shapes.py.
"""

from __future__ import annotations

import re
from typing import Any, Literal

import attrs

from boxoffice.entrypoints.http import shapes

# Storage may be down for any operation that touches it.
_STORED = (503,)


@attrs.frozen
class Operation:
    method: Literal["GET", "POST", "PATCH", "DELETE"]
    route: str
    # May name the configured limits: "{limits.hold_ttl_seconds}".
    summary: str
    # The success status and its body: a shapes type, list[...] of one, or None.
    ok: int
    response: Any
    # Besides 400 (any input), 401 (secured), and 413 and 415 (any body), which are implied.
    errors: tuple[int, ...] = ()
    body: type[shapes.Request] | None = None
    # A paged listing when set: its items are `response`'s, its next page a Link header.
    query: type[shapes.PageQuery] | None = None
    # Query parameters of an operation that is no listing.
    params: type[shapes.ReportQuery] | None = None
    # Path parameters that are text (a ticket's code); every other one is an id.
    text_params: tuple[str, ...] = ()
    # The success body's media type; `alternatives` are others an Accept header may choose.
    media_type: str = "application/json"
    alternatives: tuple[str, ...] = ()
    # A bearer token names the caller.
    secured: bool = False
    # The Location of what a 201 made, from its id: "/bookings/{id}".
    located: str | None = None
    # An Idempotency-Key header makes a retry return the first response.
    idempotent: bool = False
    # Waits on bcrypt: the bulkhead keeps such requests from taking every thread.
    hashes_password: bool = False
    # RFC 6749 5.1: a response carrying a token must not be cached.
    no_store: bool = False
    # An error status whose body adds fields to shapes.Error, with the shape that says so.
    error_shapes: tuple[tuple[int, type[shapes.Error]], ...] = ()

    @property
    def path_params(self) -> tuple[str, ...]:
        return tuple(re.findall(r"{(\w+)}", self.route))

    @property
    def statuses(self) -> list[int]:
        """Every error status the operation may answer with."""
        implied = [400] if self.body or self.query or self.params or self.path_params else []
        if self.body is not None:
            implied += [413, 415]
        if self.secured:
            implied.append(401)
        return sorted({*self.errors, *implied})


HEALTH = Operation("GET", "/health", "liveness", 200, shapes.Health)
OPENAPI = Operation("GET", "/openapi.json", "this document", 200, dict[str, Any])
SIGN_UP = Operation(
    "POST",
    "/signup",
    "create an account",
    201,
    shapes.User,
    errors=(409, *_STORED),
    body=shapes.SignupRequest,
    hashes_password=True,
)
LOG_IN = Operation(
    "POST",
    "/login",
    "exchange email and password for a bearer token",
    200,
    shapes.Token,
    errors=(401, 429, *_STORED),
    body=shapes.LoginRequest,
    hashes_password=True,
    no_store=True,
)
LIST_MOVIES = Operation(
    "GET", "/movies", "list movies", 200, shapes.Movie, errors=_STORED, query=shapes.PageQuery
)
ADD_MOVIE = Operation(
    "POST",
    "/movies",
    "add a movie (owner)",
    201,
    shapes.Movie,
    errors=(403, *_STORED),
    body=shapes.MovieRequest,
    secured=True,
    located="/movies/{id}",
)
GET_MOVIE = Operation(
    "GET", "/movies/{movie_id}", "one movie", 200, shapes.Movie, errors=(404, *_STORED)
)
# 409 when shows would overlap on a screen: the body names them in `conflicts`.
_CONFLICTS = ((409, shapes.ScheduleConflict),)
UPDATE_MOVIE = Operation(
    "PATCH",
    "/movies/{movie_id}",
    "change a movie the caller added (owner); a new duration applies to its shows that have "
    "not begun",
    200,
    shapes.Movie,
    errors=(403, 404, 409, *_STORED),
    body=shapes.MoviePatch,
    secured=True,
    error_shapes=_CONFLICTS,
)
LIST_CINEMAS = Operation(
    "GET", "/cinemas", "list cinemas", 200, shapes.Cinema, errors=_STORED, query=shapes.PageQuery
)
ADD_CINEMA = Operation(
    "POST",
    "/cinemas",
    "add a cinema (owner)",
    201,
    shapes.Cinema,
    errors=(403, *_STORED),
    body=shapes.CinemaRequest,
    secured=True,
    located="/cinemas/{id}",
)
GET_CINEMA = Operation(
    "GET", "/cinemas/{cinema_id}", "one cinema", 200, shapes.Cinema, errors=(404, *_STORED)
)
UPDATE_CINEMA = Operation(
    "PATCH",
    "/cinemas/{cinema_id}",
    "rename one of the caller's cinemas or change its cancellation policy (owner)",
    200,
    shapes.Cinema,
    errors=(403, 404, *_STORED),
    body=shapes.CinemaPatch,
    secured=True,
)
LIST_TICKET_TYPES = Operation(
    "GET",
    "/cinemas/{cinema_id}/ticket-types",
    "a cinema's ticket types, the default first",
    200,
    list[shapes.TicketType],
    errors=(404, *_STORED),
)
ADD_TICKET_TYPE = Operation(
    "POST",
    "/cinemas/{cinema_id}/ticket-types",
    "add a ticket type to one of the caller's cinemas (owner); the first is the default",
    201,
    shapes.TicketType,
    errors=(403, 404, 409, *_STORED),
    body=shapes.TicketTypeRequest,
    secured=True,
)
CINEMA_REPORT = Operation(
    "GET",
    "/cinemas/{cinema_id}/report",
    "what the shows of one of the caller's cinemas starting in [from, to) sold (owner); "
    "Accept: text/csv for a line per show and a totals line",
    200,
    shapes.CinemaReport,
    errors=(403, 404, *_STORED),
    params=shapes.ReportQuery,
    secured=True,
    alternatives=("text/csv",),
)
LIST_SCREENS = Operation(
    "GET",
    "/cinemas/{cinema_id}/screens",
    "list a cinema's screens",
    200,
    shapes.Screen,
    errors=(404, *_STORED),
    query=shapes.PageQuery,
)
ADD_SCREEN = Operation(
    "POST",
    "/cinemas/{cinema_id}/screens",
    "add a screen to one of the caller's cinemas (owner)",
    201,
    shapes.Screen,
    errors=(403, 404, *_STORED),
    body=shapes.ScreenRequest,
    secured=True,
    located="/screens/{id}",
)
GET_SCREEN = Operation(
    "GET", "/screens/{screen_id}", "one screen", 200, shapes.Screen, errors=(404, *_STORED)
)
UPDATE_SCREEN = Operation(
    "PATCH",
    "/screens/{screen_id}",
    "rename one of the caller's screens or change its layout (owner); shows scheduled "
    "afterwards take the new layout",
    200,
    shapes.Screen,
    errors=(403, 404, *_STORED),
    body=shapes.ScreenPatch,
    secured=True,
)
LIST_SHOWS = Operation(
    "GET",
    "/shows",
    "list shows: by id, or by timing then id when from, to or date is given (404 for the "
    "date of an unknown cinema)",
    200,
    shapes.Show,
    errors=(404, *_STORED),
    query=shapes.ShowsQuery,
)
ADD_SHOW = Operation(
    "POST",
    "/shows",
    "schedule a show (owner), on one of the caller's screens or on none",
    201,
    shapes.Show,
    errors=(403, 404, 409, *_STORED),
    body=shapes.ShowRequest,
    secured=True,
    located="/shows/{id}",
    error_shapes=_CONFLICTS,
)
SCHEDULE_SERIES = Operation(
    "POST",
    "/shows/series",
    "schedule a movie on one of the caller's screens at local times on a run of days (owner), "
    "all or none; returns every show",
    201,
    list[shapes.Show],
    errors=(403, 404, 409, *_STORED),
    body=shapes.SeriesRequest,
    secured=True,
    error_shapes=_CONFLICTS,
)
GET_SHOW = Operation(
    "GET", "/shows/{show_id}", "one show", 200, shapes.Show, errors=(404, *_STORED)
)
UPDATE_SHOW = Operation(
    "PATCH",
    "/shows/{show_id}",
    "move one of the caller's shows, keeping its bookings, or change a general-admission "
    "show's capacity (owner); not once begun or cancelled",
    200,
    shapes.Show,
    errors=(403, 404, 409, *_STORED),
    body=shapes.ShowPatch,
    secured=True,
    error_shapes=_CONFLICTS,
)
CANCEL_SHOW = Operation(
    "DELETE",
    "/shows/{show_id}",
    "cancel one of the caller's shows (owner) and every booking of it; returns it cancelled, "
    "again if it already was",
    200,
    shapes.Show,
    errors=(403, 404, 409, *_STORED),
    secured=True,
)
GET_SEATS = Operation(
    "GET",
    "/shows/{show_id}/seats",
    "every seat of a seated show and its state (404 for general admission)",
    200,
    shapes.ShowSeats,
    errors=(404, *_STORED),
)
SHOW_REPORT = Operation(
    "GET",
    "/shows/{show_id}/report",
    "what one of the caller's shows sold: seats, money, admissions (owner)",
    200,
    shapes.ShowReport,
    errors=(403, 404, *_STORED),
    secured=True,
)
LIST_SHOW_BOOKINGS = Operation(
    "GET",
    "/shows/{show_id}/bookings",
    "the bookings of one of the caller's shows (owner), cancelled ones included",
    200,
    shapes.Booking,
    errors=(403, 404, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)
LIST_BOOKINGS = Operation(
    "GET",
    "/bookings",
    "the caller's bookings (user)",
    200,
    shapes.Booking,
    errors=(403, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)
BOOK_SEATS = Operation(
    "POST",
    "/bookings",
    "book seats (user)",
    201,
    shapes.Booking,
    errors=(403, 404, 409, 422, *_STORED),
    body=shapes.BookingRequest,
    secured=True,
    located="/bookings/{id}",
    idempotent=True,
)
GET_BOOKING = Operation(
    "GET",
    "/bookings/{booking_id}",
    "one of the caller's bookings (user)",
    200,
    shapes.Booking,
    errors=(403, 404, *_STORED),
    secured=True,
)
CANCEL_BOOKING = Operation(
    "DELETE",
    "/bookings/{booking_id}",
    "cancel one of the caller's bookings (user); returns it cancelled",
    200,
    shapes.Booking,
    errors=(403, 404, 409, 422, *_STORED),
    secured=True,
    idempotent=True,
)
HOLD_SEATS = Operation(
    "POST",
    "/holds",
    "hold seats (user) for {limits.hold_ttl_seconds} seconds: named seats, or the best "
    "num_seats; one hold per user and show",
    201,
    shapes.Hold,
    errors=(403, 404, 409, *_STORED),
    body=shapes.HoldRequest,
    secured=True,
    located="/holds/{id}",
)
GET_HOLD = Operation(
    "GET",
    "/holds/{hold_id}",
    "one of the caller's holds (user)",
    200,
    shapes.Hold,
    errors=(403, 404, *_STORED),
    secured=True,
)
RELEASE_HOLD = Operation(
    "DELETE",
    "/holds/{hold_id}",
    "release one of the caller's live holds (user); returns it released",
    200,
    shapes.Hold,
    errors=(403, 404, 409, *_STORED),
    secured=True,
)
CONFIRM_HOLD = Operation(
    "POST",
    "/holds/{hold_id}/confirm",
    "book the seats of one of the caller's live holds (user)",
    201,
    shapes.Booking,
    errors=(403, 404, 409, 422, *_STORED),
    secured=True,
    located="/bookings/{id}",
    idempotent=True,
)
JOIN_WAITLIST = Operation(
    "POST",
    "/shows/{show_id}/waitlist",
    "wait for num_seats of a show that cannot give them now (user); freed seats are offered "
    "in order of joining, each offer a hold for {limits.waitlist_offer_seconds} seconds; "
    "409 while the seats are available, for a second live entry, or a show started or "
    "cancelled",
    201,
    shapes.WaitlistEntry,
    errors=(403, 404, 409, *_STORED),
    body=shapes.WaitlistRequest,
    secured=True,
    located="/waitlist/{id}",
)
LIST_SHOW_WAITLIST = Operation(
    "GET",
    "/shows/{show_id}/waitlist",
    "the waiting list of one of the caller's shows (owner), in order of joining, every "
    "status included",
    200,
    shapes.WaitlistEntry,
    errors=(403, 404, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)
LIST_WAITLIST = Operation(
    "GET",
    "/waitlist",
    "the caller's waiting-list entries (user)",
    200,
    shapes.WaitlistEntry,
    errors=(403, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)
GET_WAITLIST_ENTRY = Operation(
    "GET",
    "/waitlist/{entry_id}",
    "one of the caller's waiting-list entries (user), with its current position",
    200,
    shapes.WaitlistEntry,
    errors=(403, 404, *_STORED),
    secured=True,
)
LEAVE_WAITLIST = Operation(
    "DELETE",
    "/waitlist/{entry_id}",
    "leave the waiting list (user); an offer's hold is released and passed on; returns the "
    "entry, left, or as it is once no longer waiting or offered",
    200,
    shapes.WaitlistEntry,
    errors=(403, 404, *_STORED),
    secured=True,
)
# A refusal at the door names its reason in `result`.
_REFUSED = ((409, shapes.CheckInRefusal),)
GET_TICKET = Operation(
    "GET",
    "/tickets/{code}",
    "one ticket of the caller's bookings (user)",
    200,
    shapes.Ticket,
    errors=(403, 404, *_STORED),
    secured=True,
    text_params=("code",),
)
TICKET_QR = Operation(
    "GET",
    "/tickets/{code}/qr.svg",
    "one ticket of the caller's bookings as a QR code of its code, for the door (user)",
    200,
    str,
    errors=(403, 404, *_STORED),
    secured=True,
    text_params=("code",),
    media_type="image/svg+xml",
)
CHECK_IN = Operation(
    "POST",
    "/checkins",
    "let a ticket in at the door of one of the caller's shows, once (owner); 404 for an "
    "unknown code or another owner's ticket",
    201,
    shapes.Admission,
    errors=(403, 404, 409, *_STORED),
    body=shapes.CheckInRequest,
    secured=True,
    error_shapes=_REFUSED,
)
UNDO_CHECK_IN = Operation(
    "DELETE",
    "/checkins/{code}",
    "undo a mistaken check-in at one of the caller's shows (owner); returns the ticket, "
    "valid again",
    200,
    shapes.Ticket,
    errors=(403, 404, 409, *_STORED),
    secured=True,
    text_params=("code",),
    error_shapes=_REFUSED,
)
ADD_WEBHOOK = Operation(
    "POST",
    "/cinemas/{cinema_id}/webhooks",
    "register an endpoint for events of one of the caller's cinemas (owner); the answer is "
    "the only one that shows its secret",
    201,
    shapes.NewWebhook,
    errors=(403, 404, *_STORED),
    body=shapes.WebhookRequest,
    secured=True,
    located="/webhooks/{id}",
)
LIST_WEBHOOKS = Operation(
    "GET",
    "/cinemas/{cinema_id}/webhooks",
    "the endpoints of one of the caller's cinemas (owner), without secrets",
    200,
    shapes.Webhook,
    errors=(403, 404, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)
GET_WEBHOOK = Operation(
    "GET",
    "/webhooks/{webhook_id}",
    "one endpoint of the caller's cinemas (owner), without its secret",
    200,
    shapes.Webhook,
    errors=(403, 404, *_STORED),
    secured=True,
)
DELETE_WEBHOOK = Operation(
    "DELETE",
    "/webhooks/{webhook_id}",
    "delete one endpoint of the caller's cinemas (owner); its pending deliveries are never "
    "attempted again; returns it",
    200,
    shapes.Webhook,
    errors=(403, 404, *_STORED),
    secured=True,
)
LIST_DELIVERIES = Operation(
    "GET",
    "/webhooks/{webhook_id}/deliveries",
    "the deliveries of events to one endpoint of the caller's cinemas (owner), oldest first: "
    "attempts, last status or error, next attempt",
    200,
    shapes.Delivery,
    errors=(403, 404, *_STORED),
    query=shapes.PageQuery,
    secured=True,
)

OPERATIONS = (
    HEALTH,
    OPENAPI,
    SIGN_UP,
    LOG_IN,
    LIST_MOVIES,
    ADD_MOVIE,
    GET_MOVIE,
    UPDATE_MOVIE,
    LIST_CINEMAS,
    ADD_CINEMA,
    GET_CINEMA,
    UPDATE_CINEMA,
    LIST_TICKET_TYPES,
    ADD_TICKET_TYPE,
    CINEMA_REPORT,
    LIST_SCREENS,
    ADD_SCREEN,
    GET_SCREEN,
    UPDATE_SCREEN,
    LIST_SHOWS,
    ADD_SHOW,
    SCHEDULE_SERIES,
    GET_SHOW,
    UPDATE_SHOW,
    CANCEL_SHOW,
    GET_SEATS,
    SHOW_REPORT,
    LIST_SHOW_BOOKINGS,
    LIST_BOOKINGS,
    BOOK_SEATS,
    GET_BOOKING,
    CANCEL_BOOKING,
    HOLD_SEATS,
    GET_HOLD,
    RELEASE_HOLD,
    CONFIRM_HOLD,
    JOIN_WAITLIST,
    LIST_SHOW_WAITLIST,
    LIST_WAITLIST,
    GET_WAITLIST_ENTRY,
    LEAVE_WAITLIST,
    GET_TICKET,
    TICKET_QR,
    CHECK_IN,
    UNDO_CHECK_IN,
    ADD_WEBHOOK,
    LIST_WEBHOOKS,
    GET_WEBHOOK,
    DELETE_WEBHOOK,
    LIST_DELIVERIES,
)
