"""What crosses the HTTP edge, declared once as msgspec Structs: request bodies, query
parameters and responses. Decoding, encoding and the OpenAPI document all read these.

msgspec decodes and checks a body in C in one pass, naming the field it refuses, and writes the
JSON Schema of the same types for the document.

The edge judges what a JSON type or bound says: integers, lists, enums, ranges. Rules about
the text inside a string (trimmed length, an email's shape, NUL) are the domain's, stated here
as patterns for the document from the domain's own constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

from boxoffice.domain import model, rules, seating
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import BookingStatus, HoldStatus, Role
from boxoffice.domain.seating import SeatState

MAX_ID = 2**63 - 1
# Python's whitespace (what str.strip() removes), spelled out: regex dialects disagree on \s.
_SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# No string in a body may hold NUL: PostgreSQL cannot store it, so the service refuses it.
_ANY_TEXT = r"^[^\x00]*$"
_EMAIL = f"^[{_SPACE}]*[^@{_SPACE}\\x00]+@[^@{_SPACE}\\x00]+\\.[^@{_SPACE}\\x00]+[{_SPACE}]*$"


def _text(max_chars: int) -> Meta:
    # The domain trims surrounding whitespace, then counts: 1 to max_chars characters that start
    # and end with non-space. A regex says exactly that; maxLength would count the raw string.
    edge = f"[^{_SPACE}\\x00]"
    pattern = f"^[{_SPACE}]*{edge}(?:[^\\x00]{{0,{max_chars - 2}}}{edge})?[{_SPACE}]*$"
    return Meta(extra_json_schema={"pattern": pattern}, description=f"1 to {max_chars} characters")


Id = Annotated[int, Meta(ge=1, le=MAX_ID)]
Cursor = Annotated[int, Meta(ge=0, le=MAX_ID)]
# An instant in a response: orjson writes it as RFC 3339 text.
Instant = Annotated[datetime, Meta(extra_json_schema={"format": "date-time"})]
SeatName = Annotated[
    str,
    Meta(
        extra_json_schema={
            "pattern": f"^[A-Za-z]{{1,{seating.MAX_ROW_LABEL_CHARS}}}[1-9][0-9]{{0,3}}$"
        },
        description='a row label and a seat number, like "C5"',
    ),
]


class Request(msgspec.Struct, kw_only=True, frozen=True):
    """A body. Fields not declared are ignored, whatever they hold: a client cannot set its id.

    schema_extra: what the document says of the whole body beyond its fields.
    """

    schema_extra: ClassVar[Mapping[str, Any]] = {}


class SignupRequest(Request, frozen=True):
    name: Annotated[str, _text(rules.MAX_NAME_CHARS)]
    email: Annotated[
        str,
        Meta(
            extra_json_schema={"pattern": _EMAIL},
            # Counted after trimming, which no JSON Schema keyword can say.
            description="one @, no spaces, a dot in the domain; at most "
            f"{rules.MAX_EMAIL_CHARS} characters",
        ),
    ]
    password: Annotated[
        str,
        Meta(
            extra_json_schema={
                "pattern": _ANY_TEXT,
                "minLength": rules.MIN_PASSWORD_CHARS,
                "maxLength": rules.MAX_PASSWORD_BYTES,
            },
            description=f"at most {rules.MAX_PASSWORD_BYTES} bytes in UTF-8",
        ),
    ]
    role: Role


class LoginRequest(Request, frozen=True):
    email: Annotated[str, Meta(extra_json_schema={"pattern": _ANY_TEXT})]
    password: Annotated[str, Meta(extra_json_schema={"pattern": _ANY_TEXT})]


class MovieRequest(Request, frozen=True):
    title: Annotated[str, _text(rules.MAX_TITLE_CHARS)]
    genre: Annotated[str, _text(rules.MAX_GENRE_CHARS)]
    duration: Annotated[int, Meta(ge=1, le=rules.MAX_DURATION_MINUTES, description="minutes")]


class SeatRowRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    label: Annotated[
        str,
        Meta(extra_json_schema={"pattern": f"^[A-Z]{{1,{seating.MAX_ROW_LABEL_CHARS}}}$"}),
    ]
    seats: Annotated[int, Meta(ge=1, le=seating.MAX_SEATS_PER_ROW)]


class SeatMapRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rows: Annotated[
        list[SeatRowRequest],
        Meta(min_length=1, max_length=seating.MAX_ROWS, description="front to back; unique labels"),
    ]
    blocked: Annotated[
        list[SeatName],
        Meta(extra_json_schema={"uniqueItems": True}, description="seats never sold"),
    ] = []

    def plan(self) -> seating.SeatMap:
        return seating.SeatMap.build([(row.label, row.seats) for row in self.rows], self.blocked)


class ShowRequest(Request, frozen=True):
    movie_id: Id
    # Read by datetime.fromisoformat, as ISO 8601 allows; a naive one is refused by name.
    timing: Annotated[
        str,
        Meta(
            extra_json_schema={"format": "date-time"},
            description="ISO 8601 with a timezone, in the future",
        ),
    ]
    # Bounded by Limits: see bounded().
    available_seats: int | None = None
    seat_map: Annotated[SeatMapRequest | None, Meta(description="reserved seating")] = None

    def aware_timing(self) -> datetime:
        try:
            timing = datetime.fromisoformat(self.timing)
        except ValueError:
            raise ValidationError(
                "timing", "must be an ISO 8601 date-time with a timezone"
            ) from None
        if timing.tzinfo is None or timing.utcoffset() is None:
            raise ValidationError("timing", "must include a timezone")
        return timing


class SeatsRequest(Request, frozen=True):
    """Named seats, or a number of seats (the best free ones on a seated show)."""

    schema_extra = {"anyOf": [{"required": ["num_seats"]}, {"required": ["seats"]}]}
    show_id: Id
    # Both bounded by Limits: see bounded().
    num_seats: int | None = None
    seats: list[str] | None = None


class BookingRequest(SeatsRequest, frozen=True):
    pass


class HoldRequest(SeatsRequest, frozen=True):
    pass


class PageQuery(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Query parameters, all integers; any other parameter is refused: a misspelt ?movieid=
    must not list every show."""

    after: Annotated[
        Cursor | None, Meta(description="keyset cursor: the last id of the previous page")
    ] = None
    # Bounded by Limits: see bounded().
    limit: int | None = None


class ShowsQuery(PageQuery, frozen=True):
    movie_id: Id | None = None


def bounded(limits: rules.Limits) -> dict[type[msgspec.Struct], type[msgspec.Struct]]:
    """Each type whose bounds are configured, refined by these limits: the one place the
    document and the decoders learn them. A refined type keeps its base's name and fields.
    """
    most = limits.max_seats_per_booking
    count = Annotated[int, Meta(ge=1, le=most)] | None
    seats = (
        Annotated[
            list[SeatName],
            Meta(
                min_length=1,
                max_length=most,
                extra_json_schema={"uniqueItems": True},
                description="seats of a seated show, all or none; num_seats, if given too, "
                "must equal their number",
            ),
        ]
        | None
    )
    capacity = (
        Annotated[
            int,
            Meta(
                ge=1,
                le=limits.max_show_capacity,
                description="general admission: the number of seats; with a seat_map, optional "
                "and equal to its sellable seats",
            ),
        ]
        | None
    )
    page_size = (
        Annotated[
            int,
            Meta(
                ge=1,
                le=limits.max_page_size,
                description=f"page size, default {limits.default_page_size}",
            ),
        ]
        | None
    )
    seat_fields = {"num_seats": count, "seats": seats}
    return {
        BookingRequest: _refined(BookingRequest, seat_fields),
        HoldRequest: _refined(HoldRequest, seat_fields),
        ShowRequest: _refined(ShowRequest, {"available_seats": capacity}),
        PageQuery: _refined(PageQuery, {"limit": page_size}),
        ShowsQuery: _refined(ShowsQuery, {"limit": page_size}),
    }


def _refined(base: type[msgspec.Struct], fields: Mapping[str, Any]) -> type[msgspec.Struct]:
    # Every refined field is optional: None stays its default.
    return msgspec.defstruct(
        base.__name__,
        [(name, kind, None) for name, kind in fields.items()],
        bases=(base,),
        module=__name__,
    )


# Responses. What is not declared here is never sent (a password hash above all).


class Response(msgspec.Struct, frozen=True, gc=False):
    """A response body; encoding.py writes it. Frozen, so equal values can share their JSON."""


class Error(Response, frozen=True):
    """Every error body; some add fields (a 409 for seats not free names them in `seats`)."""

    title: str
    description: str


class Health(Response, frozen=True):
    status: Literal["ok"]


class User(Response, frozen=True):
    id: Id
    name: str
    email: str
    role: Role

    @classmethod
    def of(cls, user: model.User) -> User:
        return cls(user.id, user.name, user.email, user.role)


class Token(Response, frozen=True):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: Annotated[int, Meta(ge=1)]


class Movie(Response, frozen=True):
    id: Id
    title: str
    genre: str
    duration: int

    @classmethod
    def of(cls, movie: model.Movie) -> Movie:
        return cls(movie.id, movie.title, movie.genre, movie.duration)


class SeatRow(Response, frozen=True):
    label: str
    seats: int


class SeatMap(Response, frozen=True):
    rows: list[SeatRow]
    blocked: Annotated[list[str], Meta(description="seats never sold, in map order")]

    @classmethod
    def of(cls, plan: seating.SeatMap) -> SeatMap:
        return cls(
            [SeatRow(row.label, row.seats) for row in plan.rows],
            sorted(plan.blocked, key=plan.positions.__getitem__),
        )


class Show(Response, frozen=True):
    id: Id
    movie_id: Id
    owner_id: Id
    timing: Instant
    capacity: int
    available_seats: Annotated[int, Meta(ge=0, description="neither booked nor held")]
    seat_map: SeatMap | None

    @classmethod
    def of(cls, show: model.Show) -> Show:
        plan = show.seat_map
        return cls(
            show.id,
            show.movie_id,
            show.owner_id,
            show.timing,
            show.capacity,
            show.available_seats,
            None if plan is None else SeatMap.of(plan),
        )


class Seat(Response, frozen=True):
    seat: str
    state: SeatState


class RowOfSeats(Response, frozen=True):
    label: str
    seats: list[Seat]


class ShowSeats(Response, frozen=True):
    show_id: Id
    capacity: int
    available_seats: Annotated[int, Meta(ge=0)]
    rows: list[RowOfSeats]


class Booking(Response, frozen=True):
    id: Id
    show_id: Id
    user_id: Id
    num_seats: int
    status: BookingStatus
    created_at: Instant
    cancelled_at: Instant | None
    seats: Annotated[tuple[str, ...], Meta(description="empty for general admission")]

    @classmethod
    def of(cls, booking: model.Booking) -> Booking:
        return cls(
            booking.id,
            booking.show_id,
            booking.user_id,
            booking.num_seats,
            booking.status,
            booking.created_at,
            booking.cancelled_at,
            booking.seats,
        )


class Hold(Response, frozen=True):
    id: Id
    show_id: Id
    user_id: Id
    num_seats: int
    seats: tuple[str, ...]
    status: HoldStatus
    created_at: Instant
    expires_at: Instant
    booking_id: Id | None

    @classmethod
    def of(cls, hold: model.Hold) -> Hold:
        return cls(
            hold.id,
            hold.show_id,
            hold.user_id,
            hold.num_seats,
            hold.seats,
            hold.status,
            hold.created_at,
            hold.expires_at,
            hold.booking_id,
        )
