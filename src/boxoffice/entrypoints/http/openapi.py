"""The OpenAPI 3.1 document: every route, body and error, with the bounds the domain enforces."""

from __future__ import annotations

from typing import Any

from boxoffice.domain import rules, seating
from boxoffice.entrypoints.http.body import MAX_BODY_BYTES

Json = dict[str, Any]

MAX_ID = 2**63 - 1
# Python's whitespace (what str.strip() removes), spelled out: regex dialects disagree on \s.
_SPACE = r"\t-\r\x1c- \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# No string in a body may hold NUL: PostgreSQL cannot store it, so the service refuses it.
_ANY_TEXT = r"^[^\x00]*$"
_EMAIL = f"^[{_SPACE}]*[^@{_SPACE}\\x00]+@[^@{_SPACE}\\x00]+\\.[^@{_SPACE}\\x00]+[{_SPACE}]*$"
_ERRORS = {
    400: "Invalid input: malformed JSON, a missing or invalid field, or a bad parameter.",
    401: "Missing, invalid, expired or forged token, or a token whose user no longer exists.",
    403: "The caller's role may not do this.",
    404: "No such resource (someone else's booking is reported the same way).",
    409: "Conflict with the current state (for seats that are not free, the body's `seats` "
    "names them).",
    413: f"The body is larger than {MAX_BODY_BYTES} bytes.",
    415: "The body is not application/json.",
    422: "This Idempotency-Key was already used, within 24 hours, for a different request.",
    429: "Too many failed log-ins for this account or from this client; retry after the "
    "Retry-After seconds.",
    503: "Storage is temporarily unavailable, or (log-in, sign-up) too many are in progress; "
    "retry after the Retry-After seconds.",
}


def _ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _integer(low: int, high: int, description: str | None = None) -> Json:
    schema: Json = {"type": "integer", "minimum": low, "maximum": high}
    if description:
        schema["description"] = description
    return schema


def _text(max_chars: int) -> Json:
    # The domain trims surrounding whitespace, then counts: 1 to max_chars characters that start
    # and end with non-space. A regex says exactly that; maxLength would count the raw string.
    edge = f"[^{_SPACE}\\x00]"
    pattern = f"^[{_SPACE}]*{edge}(?:[^\\x00]{{0,{max_chars - 2}}}{edge})?[{_SPACE}]*$"
    return {"type": "string", "pattern": pattern, "description": f"1 to {max_chars} characters"}


def _object(properties: Json, required: list[str] | None = None) -> Json:
    return {"type": "object", "properties": properties, "required": required or list(properties)}


_SEAT_NAME: Json = {
    "type": "string",
    "pattern": f"^[A-Za-z]{{1,{seating.MAX_ROW_LABEL_CHARS}}}[1-9][0-9]{{0,3}}$",
    "description": 'a row label and a seat number, like "C5"',
}


def _seat_choice(limits: rules.Limits) -> Json:
    """Named seats, or a number of seats (the best free ones on a seated show)."""
    return {
        "num_seats": _integer(1, limits.max_seats_per_booking),
        "seats": {
            "type": "array",
            "items": _SEAT_NAME,
            "minItems": 1,
            "maxItems": limits.max_seats_per_booking,
            "uniqueItems": True,
            "description": "seats of a seated show, all or none; num_seats, if given too, "
            "must equal their number",
        },
    }


def _seat_request(show_id: Json, limits: rules.Limits) -> Json:
    schema = _object({"show_id": show_id, **_seat_choice(limits)}, required=["show_id"])
    schema["anyOf"] = [{"required": ["num_seats"]}, {"required": ["seats"]}]
    return schema


def _schemas(limits: rules.Limits) -> Json:
    identifier = _integer(1, MAX_ID)
    instant = {"type": "string", "format": "date-time"}
    seat_names = {"type": "array", "items": {"type": "string"}}
    seat_map = _object(
        {
            "rows": {
                "type": "array",
                "minItems": 1,
                "maxItems": seating.MAX_ROWS,
                "items": _object(
                    {
                        "label": {
                            "type": "string",
                            "pattern": f"^[A-Z]{{1,{seating.MAX_ROW_LABEL_CHARS}}}$",
                        },
                        "seats": _integer(1, seating.MAX_SEATS_PER_ROW),
                    }
                ),
                "description": "front to back; unique labels",
            },
            "blocked": {
                "type": "array",
                "items": _SEAT_NAME,
                "uniqueItems": True,
                "description": "seats never sold (gaps, broken seats)",
            },
        },
        required=["rows"],
    )
    return {
        "Error": _object({"title": {"type": "string"}, "description": {"type": "string"}}),
        "SignupRequest": _object(
            {
                "name": _text(rules.MAX_NAME_CHARS),
                "email": {
                    "type": "string",
                    "pattern": _EMAIL,
                    # Counted after trimming, which no JSON Schema keyword can say.
                    "description": "one @, no spaces, a dot in the domain; at most "
                    f"{rules.MAX_EMAIL_CHARS} characters",
                },
                "password": {
                    "type": "string",
                    "pattern": _ANY_TEXT,
                    "minLength": rules.MIN_PASSWORD_CHARS,
                    "maxLength": rules.MAX_PASSWORD_BYTES,
                    "description": f"at most {rules.MAX_PASSWORD_BYTES} bytes in UTF-8",
                },
                "role": {"type": "string", "enum": ["user", "owner"]},
            }
        ),
        "User": _object(
            {
                "id": identifier,
                "name": {"type": "string"},
                "email": {"type": "string"},
                "role": {"type": "string", "enum": ["user", "owner"]},
            }
        ),
        "LoginRequest": _object(
            {
                "email": {"type": "string", "pattern": _ANY_TEXT},
                "password": {"type": "string", "pattern": _ANY_TEXT},
            }
        ),
        "Token": _object(
            {
                "access_token": {"type": "string"},
                "token_type": {"type": "string", "const": "Bearer"},
                "expires_in": {"type": "integer", "minimum": 1},
            }
        ),
        "MovieRequest": _object(
            {
                "title": _text(rules.MAX_TITLE_CHARS),
                "genre": _text(rules.MAX_GENRE_CHARS),
                "duration": _integer(1, rules.MAX_DURATION_MINUTES, "minutes"),
            }
        ),
        "Movie": _object(
            {
                "id": identifier,
                "title": {"type": "string"},
                "genre": {"type": "string"},
                "duration": {"type": "integer"},
            }
        ),
        "ShowRequest": _object(
            {
                "movie_id": identifier,
                "timing": {
                    **instant,
                    "description": "ISO 8601 with a timezone, in the future",
                },
                "available_seats": _integer(
                    1,
                    limits.max_show_capacity,
                    "general admission: the number of seats; with a seat_map, optional and "
                    "equal to its sellable seats",
                ),
                "seat_map": {**seat_map, "description": "reserved seating"},
            },
            required=["movie_id", "timing"],
        ),
        "SeatMap": seat_map,
        "Show": _object(
            {
                "id": identifier,
                "movie_id": identifier,
                "owner_id": identifier,
                "timing": instant,
                "capacity": {"type": "integer"},
                "available_seats": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "neither booked nor held",
                },
                "seat_map": {"anyOf": [_ref("SeatMap"), {"type": "null"}]},
            }
        ),
        "ShowSeats": _object(
            {
                "show_id": identifier,
                "capacity": {"type": "integer"},
                "available_seats": {"type": "integer", "minimum": 0},
                "rows": {
                    "type": "array",
                    "items": _object(
                        {
                            "label": {"type": "string"},
                            "seats": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "seat": {"type": "string"},
                                        "state": {
                                            "type": "string",
                                            "enum": [str(state) for state in seating.SeatState],
                                        },
                                    }
                                ),
                            },
                        }
                    ),
                },
            }
        ),
        "BookingRequest": _seat_request(identifier, limits),
        "HoldRequest": _seat_request(identifier, limits),
        "Hold": _object(
            {
                "id": identifier,
                "show_id": identifier,
                "user_id": identifier,
                "num_seats": {"type": "integer"},
                "seats": seat_names,
                "status": {
                    "type": "string",
                    "enum": ["active", "confirmed", "released", "expired"],
                },
                "created_at": instant,
                "expires_at": instant,
                "booking_id": {"anyOf": [identifier, {"type": "null"}]},
            }
        ),
        "Booking": _object(
            {
                "id": identifier,
                "show_id": identifier,
                "user_id": identifier,
                "num_seats": {"type": "integer"},
                "status": {"type": "string", "enum": ["active", "cancelled"]},
                "created_at": instant,
                "cancelled_at": {"type": ["string", "null"], "format": "date-time"},
                "seats": {**seat_names, "description": "empty for general admission"},
            }
        ),
    }


def _error_responses(statuses: list[int]) -> Json:
    responses: Json = {}
    for status in statuses:
        response: Json = {"description": _ERRORS[status], "content": _json(_ref("Error"))}
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"schema": {"type": "string"}, "required": True}
            }
        if status in (429, 503):
            response["headers"] = {"Retry-After": {"schema": {"type": "string"}, "required": True}}
        responses[str(status)] = response
    return responses


def _operation(
    summary: str,
    *,
    ok: int,
    schema: Json | None,
    errors: list[int],
    body: str | None = None,
    params: list[Json] | None = None,
    secured: bool = False,
    located: bool = False,
) -> Json:
    success: Json = {"description": summary}
    if schema is not None:
        success["content"] = _json(schema)
    if located:
        success["headers"] = {"Location": {"schema": {"type": "string"}, "required": True}}
    operation: Json = {"summary": summary, "responses": {str(ok): success}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(_ref(body))}
        errors = [*errors, 413, 415]
    if secured:
        operation["security"] = [{"bearer": []}]
        errors = [*errors, 401]
    operation["responses"].update(_error_responses(sorted(set(errors))))
    if params:
        operation["parameters"] = params
    return operation


# Safe retries: the same key from the same user within 24 hours returns the first response.
_IDEMPOTENCY_KEY: Json = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "a retry with the same key returns the first request's booking; "
    "409 while that request is still in progress, 422 if the key was used for another request",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}


def _path_id(name: str) -> Json:
    return {"name": name, "in": "path", "required": True, "schema": _integer(1, MAX_ID)}


def _page_params(limits: rules.Limits) -> list[Json]:
    return [
        {
            "name": "limit",
            "in": "query",
            "description": f"page size, default {limits.default_page_size}",
            "schema": _integer(1, limits.max_page_size),
        },
        {
            "name": "after",
            "in": "query",
            "description": "keyset cursor: the last id of the previous page",
            "schema": _integer(0, MAX_ID),
        },
    ]


def _list(summary: str, item: str, limits: rules.Limits, **options: Any) -> Json:
    operation = _operation(
        summary,
        ok=200,
        schema={"type": "array", "items": _ref(item)},
        params=[*options.pop("params", []), *_page_params(limits)],
        **options,
    )
    operation["responses"]["200"]["headers"] = {
        "Link": {"description": 'rel="next" while more remain', "schema": {"type": "string"}}
    }
    return operation


def document(limits: rules.Limits) -> Json:
    stored = [503]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "boxoffice",
            "version": "1.0.0",
            "description": "Cinema ticket booking. Errors are JSON {title, description}.",
        },
        "paths": {
            "/health": {
                "get": _operation(
                    "liveness",
                    ok=200,
                    schema=_object({"status": {"type": "string", "const": "ok"}}),
                    errors=[],
                )
            },
            "/openapi.json": {
                "get": _operation("this document", ok=200, schema={"type": "object"}, errors=[])
            },
            "/signup": {
                "post": _operation(
                    "create an account",
                    ok=201,
                    schema=_ref("User"),
                    body="SignupRequest",
                    errors=[400, 409, *stored],
                )
            },
            "/login": {
                "post": _operation(
                    "exchange email and password for a bearer token",
                    ok=200,
                    schema=_ref("Token"),
                    body="LoginRequest",
                    errors=[400, 401, 429, *stored],
                )
            },
            "/movies": {
                "get": _list("list movies", "Movie", limits, errors=[400, *stored]),
                "post": _operation(
                    "add a movie (owner)",
                    ok=201,
                    schema=_ref("Movie"),
                    body="MovieRequest",
                    located=True,
                    errors=[400, 403, *stored],
                    secured=True,
                ),
            },
            "/movies/{movie_id}": {
                "get": _operation(
                    "one movie",
                    ok=200,
                    schema=_ref("Movie"),
                    params=[_path_id("movie_id")],
                    errors=[400, 404, *stored],
                )
            },
            "/shows": {
                "get": _list(
                    "list shows, optionally of one movie",
                    "Show",
                    limits,
                    params=[{"name": "movie_id", "in": "query", "schema": _integer(1, MAX_ID)}],
                    errors=[400, *stored],
                ),
                "post": _operation(
                    "schedule a show (owner)",
                    ok=201,
                    schema=_ref("Show"),
                    body="ShowRequest",
                    located=True,
                    errors=[400, 403, 404, *stored],
                    secured=True,
                ),
            },
            "/shows/{show_id}": {
                "get": _operation(
                    "one show",
                    ok=200,
                    schema=_ref("Show"),
                    params=[_path_id("show_id")],
                    errors=[400, 404, *stored],
                )
            },
            "/shows/{show_id}/seats": {
                "get": _operation(
                    "every seat of a seated show and its state (404 for general admission)",
                    ok=200,
                    schema=_ref("ShowSeats"),
                    params=[_path_id("show_id")],
                    errors=[400, 404, *stored],
                )
            },
            "/shows/{show_id}/bookings": {
                "get": _list(
                    "the bookings of one of the caller's shows (owner), cancelled ones included",
                    "Booking",
                    limits,
                    params=[_path_id("show_id")],
                    errors=[400, 403, 404, *stored],
                    secured=True,
                )
            },
            "/bookings": {
                "get": _list(
                    "the caller's bookings (user)",
                    "Booking",
                    limits,
                    errors=[400, 403, *stored],
                    secured=True,
                ),
                "post": _operation(
                    "book seats (user)",
                    ok=201,
                    schema=_ref("Booking"),
                    body="BookingRequest",
                    params=[_IDEMPOTENCY_KEY],
                    located=True,
                    errors=[400, 403, 404, 409, 422, *stored],
                    secured=True,
                ),
            },
            "/bookings/{booking_id}": {
                "get": _operation(
                    "one of the caller's bookings (user)",
                    ok=200,
                    schema=_ref("Booking"),
                    params=[_path_id("booking_id")],
                    errors=[400, 403, 404, *stored],
                    secured=True,
                ),
                "delete": _operation(
                    "cancel one of the caller's bookings (user); returns it cancelled",
                    ok=200,
                    schema=_ref("Booking"),
                    params=[_path_id("booking_id"), _IDEMPOTENCY_KEY],
                    errors=[400, 403, 404, 409, 422, *stored],
                    secured=True,
                ),
            },
            "/holds": {
                "post": _operation(
                    f"hold seats (user) for {limits.hold_ttl_seconds} seconds: named seats, "
                    "or the best num_seats; one hold per user and show",
                    ok=201,
                    schema=_ref("Hold"),
                    body="HoldRequest",
                    located=True,
                    errors=[400, 403, 404, 409, *stored],
                    secured=True,
                )
            },
            "/holds/{hold_id}": {
                "get": _operation(
                    "one of the caller's holds (user)",
                    ok=200,
                    schema=_ref("Hold"),
                    params=[_path_id("hold_id")],
                    errors=[400, 403, 404, *stored],
                    secured=True,
                ),
                "delete": _operation(
                    "release one of the caller's live holds (user); returns it released",
                    ok=200,
                    schema=_ref("Hold"),
                    params=[_path_id("hold_id")],
                    errors=[400, 403, 404, 409, *stored],
                    secured=True,
                ),
            },
            "/holds/{hold_id}/confirm": {
                "post": _operation(
                    "book the seats of one of the caller's live holds (user)",
                    ok=201,
                    schema=_ref("Booking"),
                    params=[_path_id("hold_id"), _IDEMPOTENCY_KEY],
                    located=True,
                    errors=[400, 403, 404, 409, 422, *stored],
                    secured=True,
                )
            },
        },
        "components": {
            "schemas": _schemas(limits),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            },
        },
    }
