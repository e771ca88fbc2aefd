"""The one table from domain errors to HTTP statuses, and the JSON shape of every error.

Every error response is {"title", "description"} in JSON, encoded as every other body is
(encoding.dumps): domain errors, Falcon's own (404, 405,
413, 415) and unexpected exceptions, whose details go to the server log, never to the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import falcon
import msgspec

from boxoffice.domain.errors import (
    AlreadyCancelled,
    AlreadyHolding,
    AlreadyWaiting,
    BookingCheckedIn,
    BoxofficeError,
    CancellationClosed,
    CapacityBelowSold,
    CheckInRefused,
    Clash,
    EmailTaken,
    Forbidden,
    HoldNotActive,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidCredentials,
    InvalidToken,
    NotEnoughSeats,
    NotFound,
    ScheduleConflict,
    SeatsAvailable,
    SeatsUnavailable,
    ShowCancelled,
    ShowEnded,
    ShowStarted,
    StorageUnavailable,
    TicketTypeTaken,
    TooManyAttempts,
    ValidationError,
)
from boxoffice.entrypoints.http import encoding, shapes

STATUS_BY_ERROR: Mapping[type[BoxofficeError], int] = {
    ValidationError: 400,
    InvalidCredentials: 401,
    InvalidToken: 401,
    Forbidden: 403,
    NotFound: 404,
    EmailTaken: 409,
    IdempotencyKeyInFlight: 409,
    IdempotencyKeyReused: 422,
    NotEnoughSeats: 409,
    ShowStarted: 409,
    AlreadyCancelled: 409,
    BookingCheckedIn: 409,
    SeatsUnavailable: 409,
    AlreadyHolding: 409,
    HoldNotActive: 409,
    ScheduleConflict: 409,
    ShowCancelled: 409,
    ShowEnded: 409,
    CapacityBelowSold: 409,
    TicketTypeTaken: 409,
    CancellationClosed: 409,
    CheckInRefused: 409,
    SeatsAvailable: 409,
    AlreadyWaiting: 409,
    TooManyAttempts: 429,
    StorageUnavailable: 503,
}

# RFC 7235: a 401 names the scheme that would work.
_CHALLENGE = {"WWW-Authenticate": "Bearer"}

_log = logging.getLogger("boxoffice.http")


def status_for(error: BoxofficeError) -> int:
    """The status of the most specific mapped class; 500 for a domain error nobody mapped."""
    for cls in type(error).__mro__:
        status = STATUS_BY_ERROR.get(cls)
        if status is not None:
            return status
    return 500


def install(app: falcon.App[falcon.Request, falcon.Response]) -> None:
    app.add_error_handler(BoxofficeError, _handle_domain_error)
    app.add_error_handler(Exception, _handle_unexpected)
    app.set_error_serializer(_serialize_http_error)


def error_body(title: str, description: str) -> dict[str, str]:
    """The declared error shape (shapes.Error), as a mapping that some errors add fields to."""
    body: dict[str, str] = msgspec.structs.asdict(shapes.Error(title, description))
    return body


# Falcon raises these without a description of their own.
_DEFAULT_DESCRIPTIONS = {
    404: "no resource at this path",
    405: "this method is not allowed here; the Allow header lists those that are",
}


def _title(status: int) -> str:
    # "404 Not Found" -> "Not Found": the status code is already in the status line.
    return str(falcon.code_to_http_status(status)).partition(" ")[2]


def _write(resp: falcon.Response, status: int, description: str, **details: Any) -> None:
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = encoding.dumps({**error_body(_title(status), description), **details})
    if status == 401:
        resp.set_headers(_CHALLENGE)


def _handle_domain_error(
    req: falcon.Request, resp: falcon.Response, error: BoxofficeError, params: dict[str, Any]
) -> None:
    status = status_for(error)
    if status == 500:
        _log.error("unmapped domain error on %s", req.method, exc_info=error)
        _write(resp, 500, "an unexpected error occurred")
        return
    if status == 503:
        # The cause may name a host: it is for the operator's log, not for the client.
        _log.warning("storage unavailable on %s: %s", req.method, error.message)
        resp.set_header("Retry-After", "1")
        _write(resp, 503, "the service is temporarily unavailable; try again shortly")
        return
    if isinstance(error, TooManyAttempts):
        resp.set_header("Retry-After", str(error.retry_after))
    if isinstance(error, SeatsUnavailable):
        # Clients re-draw their seat map from this without another request.
        _write(resp, status, error.message, seats=error.seats)
        return
    if isinstance(error, ScheduleConflict):
        # shapes.ScheduleConflict: what is in the way, for the client to show or move.
        _write(resp, status, error.message, conflicts=[_clash(c) for c in error.conflicts])
        return
    if isinstance(error, CheckInRefused):
        # shapes.CheckInRefusal: the door's scanner shows why, and since when if it was let in.
        details: dict[str, Any] = {"result": error.result}
        if error.checked_in_at is not None:
            details["checked_in_at"] = error.checked_in_at
        _write(resp, status, error.message, **details)
        return
    _write(resp, status, error.message)


def _clash(clash: Clash) -> int | shapes.SeriesClash | shapes.MovieClash:
    """A conflict as the request that met it names it: a series by day and local time, a
    movie's new running time by its show, a single show by the id in its way alone."""
    if clash.day is not None and clash.time is not None:
        return shapes.SeriesClash(
            clash.day.isoformat(), clash.time.strftime("%H:%M"), clash.in_the_way
        )
    if clash.show_id is not None:
        return shapes.MovieClash(clash.show_id, clash.in_the_way)
    return clash.in_the_way


def _handle_unexpected(
    req: falcon.Request, resp: falcon.Response, error: Exception, params: dict[str, Any]
) -> None:
    # The stack trace goes to the server log only.
    _log.error("unexpected error on %s", req.method, exc_info=error)
    _write(resp, 500, "an unexpected error occurred")


def _serialize_http_error(
    req: falcon.Request, resp: falcon.Response, error: falcon.HTTPError
) -> None:
    # Always JSON, whatever the Accept header asks for: one error shape for every client.
    status = error.status_code
    title = _title(status)
    description = error.description or _DEFAULT_DESCRIPTIONS.get(status, title)
    resp.content_type = falcon.MEDIA_JSON
    resp.data = encoding.dumps(error_body(title, description))
