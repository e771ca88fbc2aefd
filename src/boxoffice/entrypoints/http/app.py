"""The Falcon application: routes, error handling and logging around a Boxoffice."""

from __future__ import annotations

import logging

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import errors, json_media, openapi
from boxoffice.entrypoints.http.access_log import AccessLineWriter, AccessLog, to_logger
from boxoffice.entrypoints.http.overload import RefuseOverload
from boxoffice.entrypoints.http.resources.accounts import LoginResource, SignupResource
from boxoffice.entrypoints.http.resources.bookings import BookingResource, BookingsResource
from boxoffice.entrypoints.http.resources.holds import (
    HoldConfirmationResource,
    HoldResource,
    HoldsResource,
)
from boxoffice.entrypoints.http.resources.meta import HealthResource, OpenApiResource
from boxoffice.entrypoints.http.resources.movies import MovieResource, MoviesResource
from boxoffice.entrypoints.http.resources.shows import (
    ShowBookingsResource,
    ShowResource,
    ShowSeatsResource,
    ShowsResource,
)
from boxoffice.entrypoints.http.security_headers import SecurityHeaders

ACCESS_LOGGER = "boxoffice.access"

SIGNUP_ROUTE = "/signup"
LOGIN_ROUTE = "/login"
# The routes whose requests wait on password hashing: the server admits them apart from the
# others (entrypoints/bulkhead.py).
PASSWORD_HASHING_ROUTES = frozenset({SIGNUP_ROUTE, LOGIN_ROUTE})


def create_app(
    boxoffice: Boxoffice,
    *,
    token_ttl_seconds: int,
    access_log: bool = True,
    access_logger: logging.Logger | None = None,
    access_log_writer: AccessLineWriter | None = None,
) -> falcon.App[falcon.Request, falcon.Response]:
    """The WSGI app over a wired Boxoffice. Reads no environment: the caller decides everything.

    token_ttl_seconds is what login reports as expires_in; it must match the token service.
    access_log=False: no line per request (errors are still logged, by errors.py).
    access_log_writer: where the lines go; by default they are logged at INFO on
    access_logger, or on ACCESS_LOGGER.
    """
    middleware: list[AccessLog | SecurityHeaders | RefuseOverload] = [
        SecurityHeaders(),
        RefuseOverload(),
    ]
    if access_log:
        logger = access_logger or logging.getLogger(ACCESS_LOGGER)
        write = access_log_writer or to_logger(logger)
        middleware.insert(0, AccessLog(write))
    app = falcon.App(middleware=middleware)
    json_media.install(app)
    errors.install(app)
    app.add_route("/health", HealthResource())
    app.add_route("/openapi.json", OpenApiResource(openapi.document(boxoffice.limits)))
    app.add_route(SIGNUP_ROUTE, SignupResource(boxoffice))
    app.add_route(LOGIN_ROUTE, LoginResource(boxoffice, token_ttl_seconds))
    app.add_route("/movies", MoviesResource(boxoffice))
    app.add_route("/movies/{movie_id}", MovieResource(boxoffice))
    app.add_route("/shows", ShowsResource(boxoffice))
    app.add_route("/shows/{show_id}", ShowResource(boxoffice))
    app.add_route("/shows/{show_id}/bookings", ShowBookingsResource(boxoffice))
    app.add_route("/shows/{show_id}/seats", ShowSeatsResource(boxoffice))
    app.add_route("/bookings", BookingsResource(boxoffice))
    app.add_route("/bookings/{booking_id}", BookingResource(boxoffice))
    app.add_route("/holds", HoldsResource(boxoffice))
    app.add_route("/holds/{hold_id}", HoldResource(boxoffice))
    app.add_route("/holds/{hold_id}/confirm", HoldConfirmationResource(boxoffice))
    return app
