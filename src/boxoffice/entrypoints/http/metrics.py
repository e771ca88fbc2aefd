"""The service's metrics in the Prometheus text format (prometheus_client).

Under `boxoffice serve` every worker writes its counts to files in a directory the master
made for them (prometheus_client's multi-process mode), and a scrape, from whichever process
answers it, sums them all. Without a directory the counts are the process's own.

Labels take values from fixed sets only, so no client can make series without end: the route
is the template that matched ("/bookings/{booking_id}", never the path asked for), and every
path that matched none is UNMATCHED; a method outside METHODS is "other".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import falcon
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from boxoffice.domain.model import Booking, Hold
from boxoffice.entrypoints.http.contract import LOG_IN, OPERATIONS
from boxoffice.entrypoints.http.overload import OVERLOADED

# The route label of a request no route matched (a 404, whatever the path).
UNMATCHED = "unmatched"
METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
# Where the route at /metrics answers, when the main port serves it.
METRICS_ROUTE = "/metrics"
# The WSGI environ key of the time the worker received the request (Timed, below).
STARTED = "boxoffice.started"


class Metrics:
    """Every series the service reports; also the domain's Events port (ports.Events)."""

    def __init__(self, multiprocess_dir: str | None = None) -> None:
        """multiprocess_dir: where every worker's counts are written (the process's
        environment names it as PROMETHEUS_MULTIPROC_DIR too, for prometheus_client)."""
        if multiprocess_dir is not None:
            _write_counts_to_files()
        # A registry of its own: two apps in one process (tests) never clash on names.
        own = CollectorRegistry(auto_describe=True)
        self._requests = Counter(
            "boxoffice_http_requests",
            "HTTP requests answered, by method, route template and status",
            ("method", "route", "status"),
            registry=own,
        )
        self._latency = Histogram(
            "boxoffice_http_request_duration_seconds",
            "Time from the worker receiving a request to its response, by method and route",
            ("method", "route"),
            registry=own,
        )

        def counter(name: str, text: str) -> Any:
            return Counter(f"boxoffice_{name}", text, registry=own)

        self._bookings = counter("bookings", "Bookings made, confirmed holds included")
        self._cancellations = counter("cancellations", "Bookings cancelled")
        self._seats_sold = counter("seats_sold", "Seats of the bookings made")
        self._holds = counter("holds", "Holds made")
        self._login_failures = counter("login_failures", "Log-ins refused (401)")
        self._login_throttled = counter("login_throttled", "Log-ins refused as too many (429)")
        self._database_errors = counter(
            "database_errors", "Requests answered 503 because the database was unavailable"
        )
        # With a directory, `own` is only where this process's series write to their files.
        self._scraped = own if multiprocess_dir is None else every_worker(multiprocess_dir)
        # Resolved once per route and method: a request looks its series up, it makes none.
        self._routes: dict[tuple[str, str], _RouteSeries] = {}
        for op in OPERATIONS:
            self._series(op.method, op.route)
        self._series("GET", METRICS_ROUTE)

    def exposition(self) -> bytes:
        """Every series, in the Prometheus text format."""
        return generate_latest(self._scraped)

    # The domain's Events port: counted once committed, never for a replayed retry.
    def booked(self, booking: Booking) -> None:
        self._bookings.inc()
        self._seats_sold.inc(booking.num_seats)

    def cancelled(self, booking: Booking) -> None:
        self._cancellations.inc()

    def held(self, hold: Hold) -> None:
        self._holds.inc()

    def answered(self, req: falcon.Request, status: int, seconds: float) -> None:
        route = req.uri_template or UNMATCHED
        series = self._routes.get((req.method, route))
        if series is None:
            series = self._series(req.method, route)
        series.latency.observe(seconds)
        series.status(status).inc()
        if status == 503 and not req.env.get(OVERLOADED):
            # The bulkhead's 503 is load, not the database.
            self._database_errors.inc()
        elif series.logs_in:
            if status == 401:
                self._login_failures.inc()
            elif status == 429:
                self._login_throttled.inc()

    def _series(self, method: str, route: str) -> _RouteSeries:
        label = method if method in METHODS else "other"
        series = _RouteSeries(
            self._requests,
            self._latency.labels(label, route),
            label,
            route,
            logs_in=(method, route) == (LOG_IN.method, LOG_IN.route),
        )
        if label == method:
            self._routes[method, route] = series
        return series


def every_worker(multiprocess_dir: str) -> CollectorRegistry:
    """What a scrape reads: the counts in every process's files, summed."""
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)  # type: ignore[no-untyped-call]
    return registry


def _write_counts_to_files() -> None:
    """prometheus_client picks where values live when it is first imported, by the
    environment of that moment; the service's master imports it before it makes the
    directory, so the choice is made again here, in the worker, before any series exists."""
    if not getattr(values.ValueClass, "_multiprocess", False):
        values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]


class _RouteSeries:
    """One method and route's latency and, by status, request count."""

    def __init__(
        self, requests: Counter, latency: Any, method: str, route: str, *, logs_in: bool
    ) -> None:
        self._requests = requests
        self._method = method
        self._route = route
        self._by_status: dict[int, Any] = {}
        self.latency = latency
        self.logs_in = logs_in

    def status(self, status: int) -> Any:
        child = self._by_status.get(status)
        if child is None:
            child = self._requests.labels(self._method, self._route, str(status))
            self._by_status[status] = child
        return child


class CountRequests:
    """Falcon middleware: each response counted and timed by its route."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        # Timed from here when no Timed wrapper noted the request's arrival.
        if STARTED not in req.env:
            req.env[STARTED] = time.perf_counter()

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource: Any, req_succeeded: bool
    ) -> None:
        started = req.env.get(STARTED)
        seconds = 0.0 if started is None else time.perf_counter() - started
        self._metrics.answered(req, resp.status_code, seconds)


class Timed:
    """Notes when the worker received each request, before it waits for admission, so the
    latency is the one the client sees."""

    def __init__(self, app: WSGIApplication) -> None:
        self._app = app

    @property
    def inner(self) -> WSGIApplication:
        return self._app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[STARTED] = time.perf_counter()
        return self._app(environ, start_response)


class Exposition:
    """GET /metrics."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.content_type = CONTENT_TYPE_LATEST
        resp.data = self._metrics.exposition()
