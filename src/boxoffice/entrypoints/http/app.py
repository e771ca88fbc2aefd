"""The Falcon application: routes, error handling and logging around a Boxoffice.

Routes come from the declared operations (contract.py); each is answered by its handler.
GET /docs (reference.py), the API's reference page for a browser, is the one route beside them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import falcon

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import contract, encoding, errors, openapi, reference, shapes
from boxoffice.entrypoints.http.access_log import AccessLineWriter, AccessLog, to_logger
from boxoffice.entrypoints.http.contract import OPERATIONS, Operation
from boxoffice.entrypoints.http.cors import Cors
from boxoffice.entrypoints.http.endpoints import Endpoint, Handler
from boxoffice.entrypoints.http.metrics import METRICS_ROUTE, CountRequests, Exposition, Metrics
from boxoffice.entrypoints.http.overload import RefuseOverload
from boxoffice.entrypoints.http.resources import meta
from boxoffice.entrypoints.http.resources.accounts import Accounts
from boxoffice.entrypoints.http.resources.bookings import Bookings
from boxoffice.entrypoints.http.resources.cinemas import Cinemas, Screens
from boxoffice.entrypoints.http.resources.holds import Holds
from boxoffice.entrypoints.http.resources.movies import Movies
from boxoffice.entrypoints.http.resources.reports import Reports
from boxoffice.entrypoints.http.resources.shows import Shows
from boxoffice.entrypoints.http.resources.tickets import Tickets
from boxoffice.entrypoints.http.resources.waitlist import Waitlist
from boxoffice.entrypoints.http.resources.webhooks import Webhooks
from boxoffice.entrypoints.http.security_headers import SecurityHeaders

ACCESS_LOGGER = "boxoffice.access"

# The routes whose requests wait on bcrypt, for the bulkhead to keep apart.
PASSWORD_HASHING_ROUTES = frozenset(op.route for op in OPERATIONS if op.hashes_password)


def create_app(
    boxoffice: Boxoffice,
    *,
    token_ttl_seconds: int,
    access_log: bool = True,
    access_logger: logging.Logger | None = None,
    access_log_writer: AccessLineWriter | None = None,
    metrics: Metrics | None = None,
    metrics_route: bool = True,
    cors_origins: Sequence[str] = (),
) -> falcon.App[falcon.Request, falcon.Response]:
    """The WSGI app over a wired Boxoffice. Reads no environment: the caller decides everything.

    token_ttl_seconds is what login reports as expires_in; it must match the token service.
    access_log=False: no line per request (errors are still logged, by errors.py).
    access_log_writer: where the lines go; by default they are logged at INFO on
    access_logger, or on ACCESS_LOGGER.
    metrics: counts every request (none when None); metrics_route=False leaves GET /metrics
    to another port.
    cors_origins: the web sites (https://host[:port], or "*") whose pages may call the API.
    """
    middleware: list[CountRequests | AccessLog | SecurityHeaders | RefuseOverload | Cors] = [
        SecurityHeaders(),
        RefuseOverload(),
    ]
    if cors_origins:
        # First, so even a refused request's answer carries the headers a page needs to read it.
        middleware.insert(0, Cors(cors_origins))
    if access_log:
        logger = access_logger or logging.getLogger(ACCESS_LOGGER)
        write = access_log_writer or to_logger(logger)
        middleware.insert(0, AccessLog(write))
    if metrics is not None:
        # First: its response hook runs last, on the status the client gets.
        middleware.insert(0, CountRequests(metrics))
    app = falcon.App(middleware=middleware)
    # /movies/ is /movies, not /movies/{movie_id} with an empty id.
    app.req_options.strip_url_path_trailing_slash = True
    encoding.install(app)
    errors.install(app)
    refined = shapes.bounded(boxoffice.limits)
    handlers = _handlers(boxoffice, token_ttl_seconds)
    routes: dict[str, _Route] = {}
    for op in OPERATIONS:
        endpoint = Endpoint(op, handlers[op], boxoffice, refined)
        routes.setdefault(op.route, _Route()).answer(op.method, endpoint)
    for route, resource in routes.items():
        app.add_route(route, resource)
    # Beside the declared operations: a page for people reading the API, not part of it.
    reference.install(app)
    if metrics is not None and metrics_route:
        # Not a declared operation: it is for the operator's monitoring, not the API's clients.
        app.add_route(METRICS_ROUTE, Exposition(metrics))
    return app


class _Route:
    """The resource at one route: an on_<method> responder per declared operation."""

    def answer(self, method: str, endpoint: Endpoint) -> None:
        setattr(self, f"on_{method.lower()}", endpoint)


def _handlers(boxoffice: Boxoffice, token_ttl_seconds: int) -> Mapping[Operation, Handler]:
    accounts = Accounts(boxoffice, token_ttl_seconds)
    movies, shows = Movies(boxoffice), Shows(boxoffice)
    bookings, holds = Bookings(boxoffice), Holds(boxoffice)
    cinemas, screens = Cinemas(boxoffice), Screens(boxoffice)
    tickets, reports = Tickets(boxoffice), Reports(boxoffice)
    waitlist, webhooks = Waitlist(boxoffice), Webhooks(boxoffice)
    document = meta.Document(openapi.document(boxoffice.limits))
    # One per declared operation: create_app looks each one up.
    return {
        contract.HEALTH: meta.health,
        contract.OPENAPI: document.get,
        contract.SIGN_UP: accounts.sign_up,
        contract.LOG_IN: accounts.log_in,
        contract.LIST_MOVIES: movies.list,
        contract.ADD_MOVIE: movies.add,
        contract.GET_MOVIE: movies.get,
        contract.UPDATE_MOVIE: movies.update,
        contract.LIST_CINEMAS: cinemas.list,
        contract.ADD_CINEMA: cinemas.add,
        contract.GET_CINEMA: cinemas.get,
        contract.UPDATE_CINEMA: cinemas.update,
        contract.LIST_TICKET_TYPES: cinemas.ticket_types,
        contract.ADD_TICKET_TYPE: cinemas.add_ticket_type,
        contract.CINEMA_REPORT: reports.cinema,
        contract.LIST_SCREENS: screens.list,
        contract.ADD_SCREEN: screens.add,
        contract.GET_SCREEN: screens.get,
        contract.UPDATE_SCREEN: screens.update,
        contract.LIST_SHOWS: shows.list,
        contract.ADD_SHOW: shows.add,
        contract.SCHEDULE_SERIES: shows.schedule_series,
        contract.GET_SHOW: shows.get,
        contract.UPDATE_SHOW: shows.update,
        contract.CANCEL_SHOW: shows.cancel,
        contract.GET_SEATS: shows.seats,
        contract.SHOW_REPORT: reports.show,
        contract.LIST_SHOW_BOOKINGS: shows.bookings,
        contract.LIST_BOOKINGS: bookings.list,
        contract.BOOK_SEATS: bookings.book,
        contract.GET_BOOKING: bookings.get,
        contract.CANCEL_BOOKING: bookings.cancel,
        contract.HOLD_SEATS: holds.hold,
        contract.GET_HOLD: holds.get,
        contract.RELEASE_HOLD: holds.release,
        contract.CONFIRM_HOLD: holds.confirm,
        contract.JOIN_WAITLIST: waitlist.join,
        contract.LIST_SHOW_WAITLIST: waitlist.of_show,
        contract.LIST_WAITLIST: waitlist.list,
        contract.GET_WAITLIST_ENTRY: waitlist.get,
        contract.LEAVE_WAITLIST: waitlist.leave,
        contract.GET_TICKET: tickets.get,
        contract.TICKET_QR: tickets.qr,
        contract.CHECK_IN: tickets.check_in,
        contract.UNDO_CHECK_IN: tickets.undo_check_in,
        contract.ADD_WEBHOOK: webhooks.add,
        contract.LIST_WEBHOOKS: webhooks.list,
        contract.GET_WEBHOOK: webhooks.get,
        contract.DELETE_WEBHOOK: webhooks.delete,
        contract.LIST_DELIVERIES: webhooks.deliveries,
    }
