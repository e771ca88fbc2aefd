"""What crosses the HTTP edge, declared once as msgspec Structs: request bodies, query
parameters and responses. Decoding, encoding and the OpenAPI document all read these.

msgspec decodes and checks a body in C in one pass, naming the field it refuses, and writes the
JSON Schema of the same types for the document.

The edge judges what a JSON type or bound says: integers, lists, enums, ranges. Rules about
the text inside a string (trimmed length, an email's shape, NUL) are the domain's, stated here
as patterns for the document from the domain's own constants.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

from boxoffice.domain import delivery, model, pricing, reports, rules, schedule, seating, venues
from boxoffice.domain.errors import ValidationError
from boxoffice.domain.model import (
    BookingStatus,
    CancelReason,
    DeliveryStatus,
    HoldStatus,
    Role,
    ShowStatus,
    TicketStatus,
    WaitlistStatus,
)
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


_ROW = f"[A-Za-z]{{1,{seating.MAX_ROW_LABEL_CHARS}}}"
ZoneEntry = Annotated[
    str,
    Meta(
        extra_json_schema={"pattern": f"^{_ROW}[1-9][0-9]{{0,3}}(-({_ROW})?[1-9][0-9]{{0,3}})?$"},
        description='a seat ("F3") or a range of seats in one row ("E1-E12")',
    ),
]


class LayoutRequest(SeatMapRequest, frozen=True):
    """A screen's seats: a seat map, and zones of its seats by name."""

    # The domain judges the zones (names, seats, overlaps) and names the one it refuses; the
    # bounds here are for the document.
    zones: Annotated[
        dict[str, Annotated[list[ZoneEntry], Meta(extra_json_schema={"minItems": 1})]],
        Meta(
            extra_json_schema={
                "maxProperties": seating.MAX_ZONES,
                "propertyNames": {"pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"},
            },
            description='each zone\'s seats, like {"premium": ["E1-E12", "F3"]}; a seat in no '
            'zone is in "standard"; no seat in two zones',
        ),
    ] = {}

    def plan(self) -> seating.SeatMap:
        rows = [(row.label, row.seats) for row in self.rows]
        try:
            return seating.SeatMap.build(rows, self.blocked, self.zones)
        except ValidationError as error:
            # The domain names a map's parts as a show's seat_map; here the map is a layout.
            field = re.sub(r"^seat_map", "layout", error.field)
            raise ValidationError(field, str(error).partition(": ")[2]) from None


_TYPE_CODE = r"^[a-z0-9][a-z0-9_-]{0,31}$"
TypeCode = Annotated[
    str,
    Meta(
        extra_json_schema={"pattern": _TYPE_CODE}, description='a ticket type\'s code, like "adult"'
    ),
]
Amount = Annotated[
    int, Meta(ge=0, le=pricing.MAX_AMOUNT, description="minor units of the cinema's currency")
]
# Ticket codes are URL-safe base64 and a dot (ticket_codes.py): they travel in paths and QR codes
# as they are.
TICKET_CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
TicketCode = Annotated[
    str, Meta(extra_json_schema={"pattern": TICKET_CODE_PATTERN}, description="a ticket's code")
]


class PriceEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    ticket_type: TypeCode
    zone: Annotated[str, Meta(description='a zone of the show\'s seats; "standard" by default')]
    amount: Amount

    def price(self) -> model.Price:
        return model.Price(self.ticket_type, self.zone, self.amount)


PriceList = Annotated[
    list[PriceEntry],
    Meta(
        max_length=pricing.MAX_PRICES,
        description="what a ticket of each type costs in each zone; a show on a screen "
        "without prices sells at 0",
    ),
]


def price_list(prices: Sequence[PriceEntry] | None) -> list[model.Price] | None:
    return None if prices is None else [price.price() for price in prices]


# Read by datetime.fromisoformat, as ISO 8601 allows; a naive one is refused by name.
AwareText = Annotated[
    str,
    Meta(extra_json_schema={"format": "date-time"}, description="ISO 8601 with a timezone"),
]
DayText = Annotated[
    str,
    Meta(extra_json_schema={"format": "date"}, description="an ISO 8601 day: YYYY-MM-DD"),
]
_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$")
_SPACED_OFFSET = re.compile(r"(?<=[0-9]) ([0-9]{2}:?[0-9]{2})$")


def aware_instant(field: str, text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(field, "must be an ISO 8601 date-time with a timezone") from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError(field, "must include a timezone")
    return instant


def iso_day(field: str, text: str) -> date:
    # The pattern first: fromisoformat also takes forms like 20300101.
    try:
        day = date.fromisoformat(text) if _DAY.match(text) else None
    except ValueError:
        day = None
    if day is None:
        raise ValidationError(field, "must be a day as YYYY-MM-DD")
    return day


def local_times(field: str, texts: Sequence[str]) -> list[time]:
    for text in texts:
        if not _TIME.match(text):
            raise ValidationError(field, f'each must be a time as HH:MM, like "20:30": {text!r}')
    return [time.fromisoformat(text) for text in texts]


class ShowRequest(Request, frozen=True):
    movie_id: Id
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
    screen_id: Annotated[
        Id | None,
        Meta(description="one of the caller's screens: the show takes its layout"),
    ] = None
    prices: PriceList | None = None

    def aware_timing(self) -> datetime:
        return aware_instant("timing", self.timing)


class SeriesRequest(Request, frozen=True):
    movie_id: Id
    screen_id: Id
    first_day: DayText
    last_day: Annotated[DayText, Meta(description="inclusive")]
    times: Annotated[
        list[Annotated[str, Meta(extra_json_schema={"pattern": _TIME.pattern})]],
        Meta(
            min_length=1,
            extra_json_schema={"uniqueItems": True},
            description='local times in the cinema\'s time zone, as HH:MM: ["14:00", "20:30"]',
        ),
    ]
    weekdays: (
        Annotated[
            list[Annotated[int, Meta(ge=1, le=7)]],
            Meta(
                min_length=1,
                extra_json_schema={"uniqueItems": True},
                description="ISO weekdays, 1 (Monday) to 7; every day when left out",
            ),
        ]
        | None
    ) = None
    prices: PriceList | None = None


Currency = Annotated[
    str,
    Meta(
        extra_json_schema={"pattern": "^[A-Z]{3}$"},
        description='ISO 4217, like "EUR": every amount counts its minor units',
    ),
]
CutOff = Annotated[
    int,
    Meta(
        ge=0,
        le=venues.MAX_CANCEL_CUT_OFF,
        description="users may cancel until this many minutes before a show; default 0",
    ),
]
Fee = Annotated[
    int,
    Meta(
        ge=0,
        le=pricing.MAX_AMOUNT,
        description="minor units a ticket kept when a user cancels; default 0",
    ),
]


class CinemaRequest(Request, frozen=True, kw_only=True):
    name: Annotated[str, _text(rules.MAX_NAME_CHARS)]
    time_zone: Annotated[str, Meta(description='an IANA time zone name, like "Europe/Berlin"')]
    gap_minutes: (
        Annotated[
            int,
            Meta(
                ge=0,
                le=schedule.MAX_GAP_MINUTES,
                description="the cleaning gap after each show, default "
                f"{venues.DEFAULT_GAP_MINUTES}",
            ),
        ]
        | None
    ) = None
    currency: Currency
    cancel_until_minutes: CutOff | None = None
    cancel_fee: Fee | None = None


class CinemaPatch(Request, frozen=True):
    """Any of the fields; those left out stay as they are."""

    schema_extra = {
        "anyOf": [{"required": [name]} for name in ("name", "cancel_until_minutes", "cancel_fee")]
    }

    name: Annotated[str, _text(rules.MAX_NAME_CHARS)] | None = None
    cancel_until_minutes: CutOff | None = None
    cancel_fee: Fee | None = None


class TicketTypeRequest(Request, frozen=True):
    code: TypeCode
    name: Annotated[str, _text(rules.MAX_NAME_CHARS)]


class CheckInRequest(Request, frozen=True):
    code: TicketCode
    show_id: Annotated[Id, Meta(description="the show at whose door the ticket is presented")]


class ScreenRequest(Request, frozen=True):
    """A seated screen's layout, or a general-admission hall's capacity."""

    schema_extra = {"anyOf": [{"required": ["layout"]}, {"required": ["capacity"]}]}

    name: Annotated[str, _text(rules.MAX_NAME_CHARS)]
    layout: LayoutRequest | None = None
    # Bounded by Limits: see bounded().
    capacity: int | None = None

    def plan(self) -> seating.SeatMap | None:
        return None if self.layout is None else self.layout.plan()


class ScreenPatch(Request, frozen=True):
    """Any of the fields; those left out stay as they are. A layout, or a capacity (a
    general-admission hall), replaces the screen's seats for shows scheduled afterwards."""

    schema_extra = {
        "anyOf": [{"required": ["name"]}, {"required": ["layout"]}, {"required": ["capacity"]}]
    }

    name: Annotated[str, _text(rules.MAX_NAME_CHARS)] | None = None
    layout: (
        Annotated[LayoutRequest, Meta(description="shows scheduled afterwards take it")] | None
    ) = None
    # Bounded by Limits: see bounded().
    capacity: int | None = None

    def plan(self) -> seating.SeatMap | None:
        return None if self.layout is None else self.layout.plan()


class MoviePatch(Request, frozen=True):
    """Any of the fields; those left out stay as they are."""

    schema_extra = {"anyOf": [{"required": [name]} for name in ("title", "genre", "duration")]}

    title: Annotated[str, _text(rules.MAX_TITLE_CHARS)] | None = None
    genre: Annotated[str, _text(rules.MAX_GENRE_CHARS)] | None = None
    duration: (
        Annotated[
            int,
            Meta(
                ge=1,
                le=rules.MAX_DURATION_MINUTES,
                description="minutes; applies to the movie's shows that have not begun",
            ),
        ]
        | None
    ) = None


class ShowPatch(Request, frozen=True):
    """A move, a new capacity (general admission), or both."""

    schema_extra = {
        "anyOf": [{"required": ["timing"]}, {"required": ["capacity"]}, {"required": ["prices"]}]
    }

    timing: Annotated[
        str | None,
        Meta(
            extra_json_schema={"format": "date-time"},
            description="ISO 8601 with a timezone, in the future; the show keeps its bookings",
        ),
    ] = None
    # Bounded by Limits: see bounded().
    capacity: int | None = None
    prices: (
        Annotated[PriceList, Meta(description="replaces the price list; bookings keep theirs")]
        | None
    ) = None

    def aware_timing(self) -> datetime | None:
        return None if self.timing is None else aware_instant("timing", self.timing)


class SeatsRequest(Request, frozen=True):
    """Named seats, or a number of seats (the best free ones on a seated show)."""

    schema_extra = {"anyOf": [{"required": ["num_seats"]}, {"required": ["seats"]}]}
    show_id: Id
    # All three bounded by Limits: see bounded().
    num_seats: int | None = None
    seats: list[str] | None = None
    ticket_types: list[str] | None = None


class BookingRequest(SeatsRequest, frozen=True):
    pass


class HoldRequest(SeatsRequest, frozen=True):
    pass


class WaitlistRequest(Request, frozen=True):
    # Required; bounded by Limits: see bounded().
    num_seats: int


EventName = Annotated[
    str,
    Meta(
        extra_json_schema={"enum": [*model.WebhookEvent, model.ALL_EVENTS]},
        description='an event type, or "*" for every one',
    ),
]


class WebhookRequest(Request, frozen=True):
    url: Annotated[
        str,
        Meta(
            max_length=delivery.MAX_URL_CHARS,
            extra_json_schema={"pattern": delivery.URL_PATTERN},
            description="http or https; a loopback, private, link-local or metadata address "
            "only where the service allows them",
        ),
    ]
    events: Annotated[list[EventName], Meta(min_length=1, extra_json_schema={"uniqueItems": True})]


class PageQuery(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Query parameters, all integers; any other parameter is refused: a misspelt ?movieid=
    must not list every show."""

    after: Annotated[
        Cursor | None, Meta(description="keyset cursor: the last id of the previous page")
    ] = None
    # Bounded by Limits: see bounded().
    limit: int | None = None


class ReportQuery(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A report's time: the shows starting in [from, to)."""

    starts_from: Annotated[
        AwareText, Meta(description="shows starting at or after this instant")
    ] = msgspec.field(name="from")
    to: Annotated[AwareText, Meta(description="shows starting before this instant")]

    def instant(self, name: Literal["from", "to"]) -> datetime:
        text = self.starts_from if name == "from" else self.to
        # A "+" left unescaped in a query string arrives as a space: " 01:00" is "+01:00".
        return aware_instant(name, _SPACED_OFFSET.sub(r"+\1", text))


class ShowsQuery(PageQuery, frozen=True):
    movie_id: Id | None = None
    cinema_id: Id | None = None
    screen_id: Id | None = None
    # "from" is a Python keyword: the parameter's name is set apart from the attribute's.
    starts_from: Annotated[
        AwareText | None, Meta(description="shows starting at or after this instant")
    ] = msgspec.field(default=None, name="from")
    to: Annotated[AwareText | None, Meta(description="shows starting before this instant")] = None
    on_day: Annotated[
        DayText | None, Meta(description="shows starting on this day, local to cinema_id")
    ] = msgspec.field(default=None, name="date")
    status: Annotated[
        Literal["scheduled", "cancelled", "all"] | None,
        Meta(description="default scheduled"),
    ] = None
    after_timing: Annotated[
        AwareText | None,
        Meta(
            description="keyset cursor of a listing by time: the last timing of the previous page"
        ),
    ] = None

    @property
    def show_status(self) -> ShowStatus | None:
        return None if self.status == "all" else ShowStatus(self.status or "scheduled")

    def instant(self, name: Literal["from", "to", "after_timing"]) -> datetime | None:
        text = {"from": self.starts_from, "to": self.to, "after_timing": self.after_timing}[name]
        if text is None:
            return None
        # A "+" left unescaped in a query string arrives as a space: " 01:00" is "+01:00".
        return aware_instant(name, _SPACED_OFFSET.sub(r"+\1", text))

    @property
    def day(self) -> date | None:
        return None if self.on_day is None else iso_day("date", self.on_day)


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
    capacity = _at_most(
        limits.max_show_capacity,
        "general admission: the number of seats; with a seat_map, optional and equal to its "
        "sellable seats",
    )
    page_size = _at_most(limits.max_page_size, f"page size, default {limits.default_page_size}")
    hall = _at_most(
        limits.max_show_capacity,
        "a general-admission hall's places; with a layout, optional and equal to its sellable "
        "seats",
    )
    seat_fields = {"num_seats": count, "seats": seats, "ticket_types": _ticket_types(most)}
    return {
        ScreenRequest: _refined(ScreenRequest, {"capacity": hall}),
        ScreenPatch: _refined(ScreenPatch, {"capacity": hall}),
        ShowPatch: _refined(ShowPatch, {"capacity": capacity}),
        BookingRequest: _refined(BookingRequest, seat_fields),
        HoldRequest: _refined(HoldRequest, seat_fields),
        WaitlistRequest: _required(
            WaitlistRequest,
            {
                "num_seats": Annotated[
                    int, Meta(ge=1, le=most, description="seats the party needs, all together")
                ]
            },
        ),
        ShowRequest: _refined(ShowRequest, {"available_seats": capacity}),
        PageQuery: _refined(PageQuery, {"limit": page_size}),
        ShowsQuery: _refined(ShowsQuery, {"limit": page_size}),
    }


def _required(base: type[msgspec.Struct], fields: Mapping[str, Any]) -> type[msgspec.Struct]:
    # Required fields, refined: no default.
    return msgspec.defstruct(
        base.__name__,
        list(fields.items()),
        bases=(base,),
        module=__name__,
        kw_only=True,
        frozen=True,
    )


def _at_most(high: int, description: str) -> Any:
    return Annotated[int, Meta(ge=1, le=high, description=description)] | None


def _ticket_types(most: int) -> Any:
    return (
        Annotated[
            list[TypeCode],
            Meta(
                min_length=1,
                max_length=most,
                description="a ticket type a seat, in the order of seats (or num_seats of "
                "them); the cinema's default type on every seat when left out",
            ),
        ]
        | None
    )


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


class SeriesClash(Response, frozen=True):
    """A show of a series that could not be scheduled, and the show in its way."""

    day: Annotated[str, Meta(extra_json_schema={"format": "date"})]
    time: Annotated[str, Meta(description="HH:MM, local to the cinema")]
    show_id: Annotated[Id, Meta(description="the scheduled show in the way")]


class MovieClash(Response, frozen=True):
    """A show of the movie that its new running time would make overlap the next one."""

    show_id: Id
    in_the_way: Id


_CLASH_SCHEMA = {
    "anyOf": [
        {"type": "integer", "description": "a show in the way (one show scheduled or moved)"},
        {"$ref": "#/components/schemas/SeriesClash"},
        {"$ref": "#/components/schemas/MovieClash"},
    ]
}


class ScheduleConflict(Error, frozen=True):
    """A 409 for shows that would overlap on a screen: what is in the way, by request kind."""

    conflicts: Annotated[
        list[Any],
        Meta(
            extra_json_schema={"items": _CLASH_SCHEMA},
            description="a show's: ids of the shows in the way; a series': SeriesClash each; "
            "a movie's new running time: MovieClash each",
        ),
    ]


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
    owner_id: Annotated[Id | None, Meta(description="who added it; only they may change it")]

    @classmethod
    def of(cls, movie: model.Movie) -> Movie:
        return cls(movie.id, movie.title, movie.genre, movie.duration, movie.owner_id)


class Cinema(Response, frozen=True):
    id: Id
    owner_id: Id
    name: str
    time_zone: str
    gap_minutes: int
    currency: Annotated[str, Meta(description="ISO 4217: every amount counts its minor units")]
    cancel_until_minutes: Annotated[
        int, Meta(description="users may cancel until this many minutes before a show")
    ]
    cancel_fee: Annotated[int, Meta(description="minor units a ticket kept when a user cancels")]

    @classmethod
    def of(cls, cinema: model.Cinema) -> Cinema:
        return cls(
            cinema.id,
            cinema.owner_id,
            cinema.name,
            cinema.time_zone,
            cinema.gap_minutes,
            cinema.currency,
            cinema.cancel_until_minutes,
            cinema.cancel_fee,
        )


class TicketType(Response, frozen=True):
    id: Id
    cinema_id: Id
    code: str
    name: str
    default: Annotated[bool, Meta(description="the type of a seat booked without one")]

    @classmethod
    def listed(cls, kinds: Sequence[model.TicketType]) -> list[TicketType]:
        """A cinema's types in order: the first is the default."""
        return [
            cls(kind.id, kind.cinema_id, kind.code, kind.name, index == 0)
            for index, kind in enumerate(kinds)
        ]


class Price(Response, frozen=True):
    ticket_type: str
    zone: str
    amount: Annotated[int, Meta(description="minor units of the show's currency")]


@functools.lru_cache(maxsize=1024)
def _prices(prices: tuple[model.Price, ...]) -> tuple[Price, ...]:
    # Kept per price list: a listing's shows share a few lists, and its cache keys are values.
    return tuple(Price(price.ticket_type, price.zone, price.amount) for price in prices)


class SeatRow(Response, frozen=True):
    label: str
    seats: int


_ZONES_OUT = Meta(
    description='each zone\'s seats in map order, runs in a row as ranges: {"premium": '
    '["E1-E12", "F3"]}; posted back, they make the same zones'
)


class SeatMap(Response, frozen=True, omit_defaults=True):
    rows: list[SeatRow]
    blocked: Annotated[list[str], Meta(description="seats never sold, in map order")]
    # Left out when the map has none, as maps were before zones.
    zones: Annotated[dict[str, list[str]], _ZONES_OUT] = {}

    @classmethod
    def of(cls, plan: seating.SeatMap) -> SeatMap:
        return cls(
            [SeatRow(row.label, row.seats) for row in plan.rows],
            sorted(plan.blocked, key=plan.positions.__getitem__),
            zone_ranges(plan),
        )


class Layout(Response, frozen=True):
    """A screen's seats: its seat map and zones, in the shape a request gives them."""

    rows: list[SeatRow]
    blocked: Annotated[list[str], Meta(description="seats never sold, in map order")]
    zones: Annotated[dict[str, list[str]], _ZONES_OUT]

    @classmethod
    def of(cls, plan: seating.SeatMap) -> Layout:
        base = SeatMap.of(plan)
        return cls(base.rows, base.blocked, base.zones)


@functools.lru_cache(maxsize=256)
def zone_ranges(plan: seating.SeatMap) -> dict[str, list[str]]:
    """Each zone's seats in map order, a run of neighbours in a row as one range ("E1-E12").
    Kept per map: a listing writes the same few maps again and again."""
    zones = {}
    for name, seats in plan.zones:
        runs: list[tuple[str, int, int]] = []
        for label in sorted(seats, key=plan.positions.__getitem__):
            row = label.rstrip("0123456789")
            number = int(label[len(row) :])
            if runs and runs[-1][0] == row and runs[-1][2] == number - 1:
                runs[-1] = (row, runs[-1][1], number)
            else:
                runs.append((row, number, number))
        zones[name] = [
            f"{row}{first}" if first == last else f"{row}{first}-{row}{last}"
            for row, first, last in runs
        ]
    return zones


class Screen(Response, frozen=True):
    id: Id
    cinema_id: Id
    name: str
    layout: Annotated[Layout | None, Meta(description="null for a general-admission hall")]
    capacity: Annotated[
        int, Meta(description="sellable seats: all but the blocked ones, or the hall's places")
    ]

    @classmethod
    def of(cls, screen: model.Screen) -> Screen:
        plan = screen.layout
        return cls(
            screen.id,
            screen.cinema_id,
            screen.name,
            None if plan is None else Layout.of(plan),
            screen.capacity,
        )


class Show(Response, frozen=True):
    id: Id
    movie_id: Id
    owner_id: Id
    timing: Instant
    capacity: int
    available_seats: Annotated[int, Meta(ge=0, description="neither booked nor held")]
    seat_map: SeatMap | None
    status: ShowStatus
    ends_at: Annotated[Instant, Meta(description="timing plus the movie's running time")]
    screen_id: Annotated[Id | None, Meta(description="null for a show on no screen")]
    cinema_id: Annotated[Id | None, Meta(description="null for a show on no screen")]
    currency: Annotated[str | None, Meta(description="its cinema's; null for a show in none")]
    # A tuple: a Show is hashed to find its JSON (encoding.show).
    prices: Annotated[tuple[Price, ...], Meta(description="empty: it sells at 0")]

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
            show.status,
            show.ends_at,
            show.screen_id,
            show.cinema_id,
            show.currency,
            _prices(show.prices),
        )


class Seat(Response, frozen=True):
    seat: str
    state: SeatState
    zone: Annotated[str, Meta(description='"standard" unless the screen\'s layout names one')]


class RowOfSeats(Response, frozen=True):
    label: str
    seats: list[Seat]


class ShowSeats(Response, frozen=True):
    show_id: Id
    capacity: int
    available_seats: Annotated[int, Meta(ge=0)]
    rows: list[RowOfSeats]


class Line(Response, frozen=True):
    """One ticket of a booking, at the price it was sold for."""

    ticket_code: Annotated[str, Meta(description="shown at the door; GET /tickets/{code}")]
    seat: Annotated[str | None, Meta(description="null for general admission")]
    zone: str
    ticket_type: Annotated[str | None, Meta(description="null where the cinema has no types")]
    amount: Annotated[int, Meta(description="minor units")]


class Booking(Response, frozen=True):
    id: Id
    show_id: Id
    user_id: Id
    num_seats: int
    status: BookingStatus
    created_at: Instant
    cancelled_at: Instant | None
    seats: Annotated[tuple[str, ...], Meta(description="empty for general admission")]
    cancel_reason: Annotated[
        CancelReason | None, Meta(description="why a cancelled booking was; null while active")
    ]
    lines: Annotated[list[Line], Meta(description="a ticket a seat (an admission), in order")]
    total: Annotated[int, Meta(description="the lines' amounts together, in minor units")]
    currency: Annotated[str | None, Meta(description="null for a show in no cinema")]
    refund: Annotated[
        int, Meta(description="minor units given back when cancelled; 0 while active")
    ]

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
            booking.cancel_reason,
            [Line(t.code, t.seat, t.zone, t.ticket_type, t.amount) for t in booking.tickets],
            booking.total,
            booking.currency,
            booking.refund,
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
    ticket_types: Annotated[
        tuple[str, ...],
        Meta(description="the ticket type of each seat, in the order of seats; empty: the default"),
    ]

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
            hold.ticket_types,
        )


class WaitlistEntry(Response, frozen=True):
    id: Id
    show_id: Id
    user_id: Id
    num_seats: int
    status: WaitlistStatus
    position: Annotated[
        Annotated[int, Meta(ge=1)] | None,
        Meta(description="1 = next for an offer; null unless waiting"),
    ]
    hold_id: Annotated[
        Id | None, Meta(description="the offer, a hold in the user's name; null until offered")
    ]
    expires_at: Annotated[
        Instant | None, Meta(description="when the offer lapses; null unless offered")
    ]
    created_at: Instant

    @classmethod
    def of(cls, entry: model.WaitlistEntry) -> WaitlistEntry:
        offered = entry.status is WaitlistStatus.OFFERED
        return cls(
            entry.id,
            entry.show_id,
            entry.user_id,
            entry.num_seats,
            entry.status,
            entry.position if entry.status is WaitlistStatus.WAITING else None,
            entry.hold_id,
            entry.expires_at if offered else None,
            entry.created_at,
        )


class Ticket(Response, frozen=True):
    code: str
    booking_id: Id
    show_id: Id
    seat: Annotated[str | None, Meta(description="null for general admission")]
    zone: str
    ticket_type: str | None
    amount: Annotated[int, Meta(description="minor units")]
    status: TicketStatus
    checked_in_at: Annotated[Instant | None, Meta(description="null unless checked in")]

    @classmethod
    def of(cls, ticket: model.Ticket) -> Ticket:
        return cls(
            ticket.code,
            ticket.booking_id,
            ticket.show_id,
            ticket.seat,
            ticket.zone,
            ticket.ticket_type,
            ticket.amount,
            ticket.status,
            ticket.checked_in_at,
        )


class Admission(Response, frozen=True):
    result: Literal["admitted"]
    ticket: Ticket


class CheckInRefusal(Error, frozen=True, omit_defaults=True):
    """A 409 at the door: why the ticket is not let in."""

    result: Annotated[
        Literal[
            "already_checked_in",
            "wrong_show",
            "cancelled",
            "too_early",
            "show_ended",
            "not_checked_in",
        ],
        Meta(description="not_checked_in: undoing the check-in of a ticket that is not"),
    ]
    checked_in_at: Annotated[
        Instant | None, Meta(description="when it was let in; already_checked_in only")
    ] = None


class TypeSales(Response, frozen=True):
    ticket_type: str | None
    sold: Annotated[int, Meta(description="tickets of bookings not cancelled")]
    gross: Annotated[int, Meta(description="every ticket ever sold, at its price")]


class ZoneSales(Response, frozen=True):
    zone: str
    sold: int
    gross: int


class ShowReport(Response, frozen=True):
    show_id: Id
    capacity: int
    sold: int
    held: int
    free: Annotated[int, Meta(description="sold + held + free = capacity")]
    checked_in: int
    gross: Annotated[int, Meta(description="every ticket ever sold, at its price")]
    refunds: Annotated[int, Meta(description="what cancelled bookings gave back")]
    net: Annotated[int, Meta(description="gross - refunds")]
    currency: str | None
    by_ticket_type: list[TypeSales]
    by_zone: list[ZoneSales]

    @classmethod
    def of(cls, report: reports.ShowReport) -> ShowReport:
        return cls(
            report.show_id,
            report.capacity,
            report.sold,
            report.held,
            report.free,
            report.checked_in,
            report.gross,
            report.refunds,
            report.net,
            report.currency,
            [TypeSales(row.key, row.sold, row.gross) for row in report.by_ticket_type],
            [ZoneSales(row.key or "", row.sold, row.gross) for row in report.by_zone],
        )


class Totals(Response, frozen=True):
    sold: int
    checked_in: int
    gross: int
    refunds: int
    net: int


class CinemaReport(Response, frozen=True):
    cinema_id: Id
    currency: str
    starts_from: Instant = msgspec.field(name="from")
    to: Instant
    shows: Annotated[list[ShowReport], Meta(description="by timing, cancelled ones included")]
    totals: Totals

    @classmethod
    def of(cls, report: reports.CinemaReport, start: datetime, end: datetime) -> CinemaReport:
        totals = Totals(report.sold, report.checked_in, report.gross, report.refunds, report.net)
        rows = [ShowReport.of(row) for row in report.shows]
        return cls(report.cinema_id, report.currency, start, end, rows, totals)


class Webhook(Response, frozen=True):
    """An endpoint as listed and read: without its secret."""

    id: Id
    cinema_id: Id
    url: str
    events: Annotated[tuple[str, ...], Meta(description='the event types it receives; ["*"]: all')]
    created_at: Instant

    @classmethod
    def of(cls, webhook: model.Webhook) -> Webhook:
        return cls(webhook.id, webhook.cinema_id, webhook.url, webhook.events, webhook.created_at)


class NewWebhook(Webhook, frozen=True):
    """An endpoint as registered: the one answer that carries its secret."""

    secret: Annotated[
        str,
        Meta(
            description="signs every delivery (Standard Webhooks: whsec_ and base64); shown "
            "only here"
        ),
    ]

    @classmethod
    def of(cls, webhook: model.Webhook) -> NewWebhook:
        return cls(
            webhook.id,
            webhook.cinema_id,
            webhook.url,
            webhook.events,
            webhook.created_at,
            webhook.secret,
        )


class Delivery(Response, frozen=True):
    id: Id
    event_id: Annotated[str, Meta(description="the webhook-id header of every attempt")]
    event_type: str
    show_id: Id | None
    attempts: int
    status: DeliveryStatus
    last_status: Annotated[
        int | None, Meta(description="the HTTP status of the last attempt; null if it had none")
    ]
    last_error: Annotated[
        str | None,
        Meta(description='why the last attempt had no 2xx answer: "timeout", "connection refused"'),
    ]
    next_attempt_at: Annotated[Instant | None, Meta(description="null once delivered or failed")]
    created_at: Instant

    @classmethod
    def of(cls, sent: model.Delivery) -> Delivery:
        return cls(
            sent.id,
            sent.event_id,
            sent.event_type,
            sent.show_id,
            sent.attempts,
            sent.status,
            sent.last_status,
            sent.last_error,
            sent.next_attempt_at,
            sent.created_at,
        )
