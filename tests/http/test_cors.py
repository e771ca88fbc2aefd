"""CORS: the web sites named in BOXOFFICE_CORS_ORIGINS may call the API from a browser,
preflights included; any other origin, and every origin by default, gets no CORS headers."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from pathlib import Path

import falcon.testing
import pytest

from boxoffice.config import Settings
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints import wsgi
from boxoffice.entrypoints.http import create_app
from boxoffice.entrypoints.logs import SERVICE_LOGGER
from boxoffice.errors import ConfigurationError
from tests.http.conftest import Api

SITE = "https://cinema.example"
OTHER = "https://elsewhere.example"
PREFLIGHT_HEADERS = "Authorization, Idempotency-Key, Content-Type"


def _client(app: Boxoffice, origins: tuple[str, ...]) -> falcon.testing.TestClient:
    return falcon.testing.TestClient(create_app(app, token_ttl_seconds=60, cors_origins=origins))


def _preflight(
    client: falcon.testing.TestClient, path: str, origin: str, method: str = "POST"
) -> falcon.testing.Result:
    return client.simulate_options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": PREFLIGHT_HEADERS,
        },
    )


def _cors_headers(result: falcon.testing.Result) -> dict[str, str]:
    return {k: v for k, v in result.headers.items() if k.lower().startswith("access-control-")}


@pytest.mark.parametrize("path", ["/bookings", "/login", "/holds/1/confirm"])
def test_a_named_site_may_send_the_api_its_token_keys_and_json(app: Boxoffice, path: str) -> None:
    client = _client(app, (SITE,))

    result = _preflight(client, path, SITE)

    assert result.status_code == 200
    assert result.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in result.headers["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in result.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "idempotency-key", "content-type"} <= allowed
    assert "Origin" in result.headers["Vary"]


def test_a_named_site_reads_the_answer_and_its_location_link_and_retry_after(
    app: Boxoffice,
) -> None:
    client = _client(app, (SITE, "http://localhost:3000"))
    api = Api(client)
    owner = api.account("owner@example.com", "owner")

    result = client.simulate_post(
        "/movies",
        json={"title": "Alien", "genre": "Sci-fi", "duration": 117},
        headers={"Origin": SITE, "Authorization": f"Bearer {owner}"},
    )

    assert result.status_code == 201
    assert result.headers["Access-Control-Allow-Origin"] == SITE
    exposed = {h.strip() for h in result.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Location", "Link", "Retry-After"} <= exposed
    assert "Access-Control-Allow-Credentials" not in result.headers
    refused = client.simulate_get("/nowhere", headers={"Origin": "http://localhost:3000"})
    assert refused.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"


def test_another_site_gets_no_cors_headers(app: Boxoffice) -> None:
    client = _client(app, (SITE,))

    assert _cors_headers(_preflight(client, "/bookings", OTHER)) == {}
    assert _cors_headers(client.simulate_get("/movies", headers={"Origin": OTHER})) == {}


def test_by_default_no_site_gets_cors_headers(app: Boxoffice) -> None:
    client = falcon.testing.TestClient(create_app(app, token_ttl_seconds=60))

    assert _cors_headers(_preflight(client, "/bookings", SITE)) == {}
    assert _cors_headers(client.simulate_get("/movies", headers={"Origin": SITE})) == {}


@pytest.fixture
def worker_process_state() -> Iterator[None]:
    """worker_app() sets up the service's logging and freezes the heap, as a worker should;
    the rest of the suite gets the process as it was."""
    logger = logging.getLogger(SERVICE_LOGGER)
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)
    gc.unfreeze()


@pytest.mark.usefixtures("worker_process_state")
def test_the_setting_reaches_the_workers_app(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "BOXOFFICE_CORS_ORIGINS": f" {SITE} , http://localhost:3000 ,",
            "BOXOFFICE_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}",
            "BOXOFFICE_JWT_SECRET": "k" * 40,
        }
    )
    client = falcon.testing.TestClient(wsgi.worker_app(settings))

    assert settings.cors_origin_list() == (SITE, "http://localhost:3000")
    assert _preflight(client, "/login", SITE).headers["Access-Control-Allow-Origin"] == SITE
    assert _cors_headers(_preflight(client, "/login", OTHER)) == {}
    assert Settings().cors_origin_list() == ()


@pytest.mark.parametrize("origins", ["cinema.example", "https://cinema.example/path", "ftp://x"])
def test_an_origin_that_is_not_one_is_refused(origins: str) -> None:
    with pytest.raises(ConfigurationError, match="BOXOFFICE_CORS_ORIGINS"):
        Settings.from_env({"BOXOFFICE_CORS_ORIGINS": origins})


@pytest.mark.parametrize("path", ["/shows/1", "/movies/1", "/screens/1"])
def test_a_named_site_may_patch(app: Boxoffice, path: str) -> None:
    client = _client(app, (SITE,))

    result = _preflight(client, path, SITE, method="PATCH")

    assert result.status_code == 200
    assert "PATCH" in result.headers["Access-Control-Allow-Methods"]
