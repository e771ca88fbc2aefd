"""The service as a WSGI app for any server.

    boxoffice db upgrade
    granian --interface wsgi --factory --workers 2 --blocking-threads 32 \
        --workers-kill-timeout 30 boxoffice.entrypoints.wsgi:get_app

(granian loses a SIGTERM that comes while a worker is still loading the app; the kill timeout
keeps its master from waiting for that worker forever.)

Settings come from BOXOFFICE_* variables. Each worker calls get_app() after the fork, so no
database connection is shared between processes. The schema is not migrated here (several
workers would race to do it): run `boxoffice db upgrade` first, as `boxoffice serve` does.
GET /metrics here tells the counts of the worker that answers it; `boxoffice serve` sums
every worker's. No waitlist sweeper runs here: a lapsed offer passes on at its show's next
change, or when something calls Boxoffice.settle_due() (docs/waitlist.md).
"""

from __future__ import annotations

import gc
from wsgiref.types import WSGIApplication

import attrs

from boxoffice.bootstrap import build
from boxoffice.config import Settings
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints import jwt_secret
from boxoffice.entrypoints.bulkhead import Bulkhead
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.http.app import ACCESS_LOGGER, PASSWORD_HASHING_ROUTES
from boxoffice.entrypoints.http.metrics import Metrics, Timed
from boxoffice.entrypoints.logs import access_line_writer, configure_service_logging


def service_settings(settings: Settings) -> Settings:
    """Settings as the service runs them: a persistent database and a persistent JWT secret."""
    secret = settings.jwt_secret or jwt_secret.load_or_create(settings.resolved_data_dir())
    return attrs.evolve(settings, database_url=settings.service_database_url(), jwt_secret=secret)


def worker_app(settings: Settings, metrics_dir: str | None = None) -> WSGIApplication:
    """The app for one process; settings must already be service_settings(). metrics_dir:
    where every worker writes its metrics (`boxoffice serve` makes it); without it the
    metrics are the process's own."""
    return worker_service(settings, metrics_dir)[1]


def worker_service(
    settings: Settings, metrics_dir: str | None = None
) -> tuple[Boxoffice, WSGIApplication]:
    """worker_app's app, and the Boxoffice it serves, for what else the worker runs on it."""
    # Again in the worker: a worker started by spawning rather than forking has none yet.
    configure_service_logging()
    metrics = Metrics(metrics_dir)
    boxoffice = build(settings, migrate=False, events=metrics)
    app = create_app(
        boxoffice,
        token_ttl_seconds=settings.jwt_ttl_seconds,
        access_log=settings.access_log == "on",
        access_log_writer=access_line_writer(ACCESS_LOGGER),
        metrics=metrics,
        metrics_route=settings.metrics_port is None,
        cors_origins=settings.cors_origin_list(),
    )
    # What is loaded by now lives as long as the process. Frozen, it is out of the collector's
    # sight: a full collection, which stops every request of the worker while it runs, walks
    # only what came after (docs/benchmarks.md). Collected first, so no garbage is kept.
    gc.collect()
    gc.freeze()
    bulkhead = Bulkhead(
        app,
        threads=settings.threads,
        slots=settings.slots,
        hashing_paths=PASSWORD_HASHING_ROUTES,
    )
    return boxoffice, Timed(bulkhead)


def get_app() -> WSGIApplication:
    configure_service_logging()
    return worker_app(service_settings(Settings.from_env()))
