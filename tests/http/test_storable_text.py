"""Any text in any field, over real SQL storage: refused or stored, never a 5xx.

The OpenAPI fuzzer rarely spells NUL or an unpaired surrogate; this test spells little else.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import falcon.testing
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from boxoffice.bootstrap import build
from boxoffice.config import Settings
from boxoffice.entrypoints.http import create_app
from tests.http.conftest import PASSWORD, Api

SIGNUP = {"name": "A", "email": "a@b.io", "password": PASSWORD, "role": "user"}
MOVIE = {"title": "Alien", "genre": "sci-fi", "duration": 117}
# Every code point, surrogates and controls included; short strings full of the odd ones.
ODD_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(["\x00", "\ud800", "\udfff", "\u2028", "\ufeff", "\x85"]),
        st.characters(exclude_categories=()),
    ),
    max_size=12,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_api(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Api, str]]:
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / 'text.db'}"
        else:
            from tests.databases import postgres_database, require_postgres_url

            url = stack.enter_context(postgres_database(require_postgres_url()))
        boxoffice = build(Settings(database_url=url, jwt_secret="t" * 48, bcrypt_rounds=4))
        api = Api(falcon.testing.TestClient(create_app(boxoffice, token_ttl_seconds=60)))
        yield api, api.account("owner@example.com", "owner")


def _post(api: Api, path: str, body: dict[str, object], token: str | None = None) -> int:
    # json.dumps escapes surrogates as \\udxxx: valid JSON spelling text UTF-8 cannot hold.
    result = api.call(
        "POST",
        path,
        body=json.dumps(body),
        token=token,
        headers={"Content-Type": "application/json"},
    )
    return result.status_code


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(["name", "email", "password"]), text=ODD_TEXT)
def test_signup_and_login_never_fail_on_text(
    sql_api: tuple[Api, str], field: str, text: str
) -> None:
    api, _ = sql_api
    body = {**SIGNUP, field: text}

    assert _post(api, "/signup", body) < 500
    assert _post(api, "/login", {"email": body["email"], "password": body["password"]}) < 500


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(field=st.sampled_from(["title", "genre"]), text=ODD_TEXT)
def test_movies_never_fail_on_text(sql_api: tuple[Api, str], field: str, text: str) -> None:
    api, owner = sql_api

    assert _post(api, "/movies", {**MOVIE, field: text}, owner) < 500
