"""`boxoffice serve`: the REST service under granian, with N worker processes.

The master migrates the schema once and settles the JWT secret before it starts the workers;
each worker then builds its own Boxoffice (engine, connection pool), so no connection crosses
a fork. SIGTERM is a graceful shutdown: workers stop accepting, finish their requests, then exit.

Why granian rather than gunicorn: its HTTP handling is in Rust, off the GIL, so the CPU that
gunicorn's threaded workers spend on HTTP in Python, holding the GIL, goes to the application
instead (docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing.util
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from wsgiref.types import WSGIApplication

from granian.constants import HTTPModes, Interfaces
from granian.log import LogLevels
from granian.server import Server
from prometheus_client import start_http_server

from boxoffice.config import Settings
from boxoffice.domain.errors import BoxofficeError
from boxoffice.entrypoints import jwt_secret
from boxoffice.entrypoints.dispatcher import dispatcher_for, run_until_signalled
from boxoffice.entrypoints.http.metrics import every_worker
from boxoffice.entrypoints.logs import configure_service_logging, granian_log_config
from boxoffice.entrypoints.sweeper import Sweepable, Sweeper
from boxoffice.entrypoints.wsgi import service_settings, worker_service

_log = logging.getLogger("boxoffice.server")

# A worker that has not finished its requests this long after SIGTERM is killed.
SHUTDOWN_GRACE_SECONDS = 30


def serve(settings: Settings) -> int:
    # Imported here so the library and the memory-only app never load SQLAlchemy.
    from boxoffice.adapters.sqlalchemy.migrations import upgrade

    configure_service_logging()
    _log.info("data: %s", data_location(settings))
    settings = service_settings(settings)
    try:
        change = upgrade(settings.service_database_url())
    except BoxofficeError as error:
        # Unreachable or refusing: say why and stop, before any worker starts.
        _log.error("cannot bring the database schema up to date: %s", error.message)
        return 1
    _log.info("%s", change)
    try:
        address, port = listen_address(settings.host, settings.port)
    except OSError as error:
        _log.error("cannot listen on %s port %d: %s", settings.host, settings.port, error)
        return 1
    with metrics_directory() as metrics_dir:
        stop_metrics = _serve_metrics(settings, address, port, metrics_dir)
        if stop_metrics is None:
            return 1
        try:
            return _run(settings, address, port, metrics_dir)
        finally:
            stop_metrics()


def _run(settings: Settings, address: str, port: int, metrics_dir: str) -> int:
    server = Server(
        # Named for granian's logs only: each worker builds its app with _worker(settings).
        "boxoffice.entrypoints.wsgi:get_app",
        address=address,
        port=port,
        interface=Interfaces.WSGI,
        http=HTTPModes.http1,
        # WSGI has none: said, granian would log that it ignores them.
        websockets=False,
        workers=settings.workers,
        # Python threads per worker: a request waiting on bcrypt or the database leaves the
        # others free.
        blocking_threads=settings.threads,
        # The app logs each request itself, without query strings.
        log_access=False,
        log_level=LogLevels.info,
        log_dictconfig=granian_log_config(),
        respawn_failed_workers=True,
        workers_kill_timeout=SHUTDOWN_GRACE_SECONDS,
    )
    os.register_at_fork(after_in_child=_stop_signals_end_a_starting_worker)
    with dispatcher_process(settings):
        try:
            server.serve(
                target_loader=functools.partial(_worker, settings, metrics_dir),
                wrap_loader=False,
            )
        except SystemExit as stop:
            # Granian's master leaves through sys.exit() when a worker failed.
            if stop.code is None:
                return 0
            return stop.code if isinstance(stop.code, int) else 1
    return 0


def data_location(settings: Settings) -> str:
    """Where the service keeps its data, for its first log line: the database (never its
    password) and the JWT secret's source (never the secret)."""
    from boxoffice.adapters.sqlalchemy.engine import checked_url

    # A URL boxoffice cannot use is a ConfigurationError here, before anything starts.
    url = checked_url(settings.service_database_url())
    if url.get_backend_name() == "sqlite":
        place = f"SQLite file {url.database}"
    else:
        place = url.render_as_string(hide_password=True)
    if settings.jwt_secret:
        return f"{place}; JWT secret from BOXOFFICE_JWT_SECRET"
    secret = settings.resolved_data_dir() / jwt_secret.FILE_NAME
    return f"{place}; JWT secret in {secret}"


def listen_address(host: str, port: int) -> tuple[str, int]:
    """The IP address and port granian is to bind. It resolves no host names, and its workers
    bind with SO_REUSEPORT: a second server on a port already in use would start and silently
    share it. Binding once without that option refuses a taken port (OSError), and turns port 0
    into one free port for every worker.
    """
    family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    with socket.socket(family, kind, protocol) as probe:
        # A port left in TIME_WAIT by a server that just stopped is free to use again.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(address)
        return str(address[0]), int(probe.getsockname()[1])


# Granian copies the process environment into every request's WSGI environ: a variable named
# like a request header would stand in for one the client did not send (HTTP_AUTHORIZATION,
# HTTP_PROXY), and the settings' secrets would ride along with every request.
_SECRETS = ("BOXOFFICE_JWT_SECRET", "BOXOFFICE_DATABASE_URL")


def forget_request_like_environment(environment: MutableMapping[str, str]) -> None:
    for name in list(environment):
        if name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH", *_SECRETS):
            del environment[name]


def _stop_signals_end_a_starting_worker() -> None:
    """In a worker from its first instant: until granian sets the worker's own handlers, after
    the app is loaded, a SIGTERM would reach the handler inherited from the master, which stops
    nothing in a worker, and the master would wait SHUTDOWN_GRACE_SECONDS for it. A worker that
    serves nothing yet may just die.
    """
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _worker(settings: Settings, metrics_dir: str) -> WSGIApplication:
    """Runs in each worker, after the fork: the settings are resolved already."""
    forget_request_like_environment(os.environ)
    _stop_with_the_master(os.getppid())
    boxoffice, app = worker_service(settings, metrics_dir)
    start_sweeper(settings, boxoffice)
    return app


def start_sweeper(settings: Settings, boxoffice: Sweepable) -> Sweeper | None:
    """The worker's waitlist sweeper, running until the worker stops; None when turned off."""
    if not settings.waitlist_sweep_seconds:
        return None
    sweeper = Sweeper(boxoffice, interval=settings.waitlist_sweep_seconds)
    sweeper.start()
    # A granian worker is a multiprocessing child: it leaves through os._exit, which runs no
    # atexit handler, but multiprocessing's finalizers run once it stops serving.
    multiprocessing.util.Finalize(None, sweeper.stop, exitpriority=10)
    return sweeper


@contextlib.contextmanager
def dispatcher_process(settings: Settings) -> Iterator[DispatcherProcess | None]:
    """The service's webhook dispatcher, in a process of its own while the block runs; None
    when turned off."""
    if not settings.webhooks_poll_seconds:
        yield None
        return
    process = DispatcherProcess(settings)
    process.start()
    try:
        yield process
    finally:
        process.stop()


class DispatcherProcess:
    """`boxoffice serve`'s webhook dispatcher: a child of the master, not a thread of a worker,
    so that delivering never takes the interpreter lock from a request, and at a lower CPU
    priority than the workers (nice +10), so that while every core is busy the scheduler gives
    them the larger share. A dispatcher that crashes is started again; one stopped by a signal
    of its own (Ctrl-C reaches the whole process group) is not."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._context = multiprocessing.get_context("fork")
        self._process: multiprocessing.process.BaseProcess | None = None
        self._stopping = threading.Event()
        # Held to start a process or to stop: none is started once stopping.
        self._lock = threading.Lock()
        self._watch: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> None:
        self._spawn()
        self._watch = threading.Thread(target=self._restart_on_crash, name="dispatcher-watch")
        self._watch.daemon = True
        self._watch.start()

    def stop(self) -> None:
        """SIGTERM, and wait for the attempts in flight to be recorded (a grace period)."""
        with self._lock:
            self._stopping.set()
            process = self._process
        if process is not None and process.is_alive():
            process.terminate()
            process.join(SHUTDOWN_GRACE_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
        if self._watch is not None:
            self._watch.join(5)

    def _spawn(self) -> None:
        process = self._context.Process(
            target=_run_dispatcher,
            args=(self._settings, os.getpid()),
            name="webhook-dispatcher",
        )
        process.start()
        self._process = process
        _log.info("webhook dispatcher started (process %s)", process.pid)

    def _restart_on_crash(self) -> None:
        while not self._stopping.is_set():
            process = self._process
            if process is None:
                return
            process.join(MASTER_CHECK_SECONDS)
            if process.exitcode is None or self._stopping.is_set():
                continue
            if process.exitcode == 0:
                return
            _log.warning(
                "the webhook dispatcher stopped (exit code %s): starting it again",
                process.exitcode,
            )
            if self._stopping.wait(RESTART_DELAY_SECONDS):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self._spawn()


# How much lower the dispatcher's CPU priority is than the workers' (nice(2)).
DISPATCHER_NICENESS = 10
# How long a crashed dispatcher's replacement waits: a dispatcher that cannot start is not
# restarted in a tight loop.
RESTART_DELAY_SECONDS = 1.0


def _run_dispatcher(settings: Settings, master: int) -> None:
    """In the dispatcher's process, until SIGTERM or SIGINT."""
    from boxoffice.bootstrap import build

    os.nice(DISPATCHER_NICENESS)
    forget_request_like_environment(os.environ)
    configure_service_logging()
    _stop_with_the_master(master)
    run_until_signalled(dispatcher_for(settings, build(settings, migrate=False)))


# prometheus_client's multi-process mode finds its directory by this variable.
_METRICS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_directory() -> Iterator[str]:
    """A fresh directory of this server's own for its workers' metrics, named to them by the
    environment they inherit, and removed when the server stops. Never one an earlier server
    left: its counts would be added to this one's."""
    directory = tempfile.mkdtemp(prefix="boxoffice-metrics-")
    os.environ[_METRICS_DIR_VARIABLE] = directory
    try:
        yield directory
    finally:
        os.environ.pop(_METRICS_DIR_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)


def _serve_metrics(
    settings: Settings, address: str, port: int, metrics_dir: str
) -> Callable[[], None] | None:
    """With a metrics port: the master serves GET /metrics there, summing every worker's
    counts. Returns how to stop it, or None (logged) when the port cannot be had."""
    if settings.metrics_port is None:
        return lambda: None
    registry = every_worker(metrics_dir)
    try:
        if settings.metrics_port == port:
            raise OSError("it is the service's own port")
        metrics_server, _ = start_http_server(settings.metrics_port, address, registry)
    except OSError as error:
        _log.error("cannot serve metrics on port %d: %s", settings.metrics_port, error)
        return None
    # Workers are forked from the master: they need not hold its listening socket open.
    os.register_at_fork(after_in_child=metrics_server.socket.close)
    _log.info("metrics at http://%s:%d/metrics", address, settings.metrics_port)

    def stop() -> None:
        metrics_server.shutdown()
        metrics_server.server_close()

    return stop


# How often a worker looks whether its master is still there.
MASTER_CHECK_SECONDS = 1.0


def _stop_with_the_master(master: int) -> None:
    """A master killed outright (SIGKILL, OOM) cannot stop its workers, and granian's keep
    serving, holding the port a new master needs. A worker whose master is gone stops itself,
    gracefully, as if the master had told it to.
    """

    def watch() -> None:
        while os.getppid() == master:
            time.sleep(MASTER_CHECK_SECONDS)
        _log.warning("the master process is gone: stopping")
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="master-watch", daemon=True).start()
