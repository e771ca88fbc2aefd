from __future__ import annotations

import base64
import json
import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from boxoffice.adapters import security
from boxoffice.adapters.security import BcryptPasswordHasher, JwtTokenService
from boxoffice.domain.errors import InvalidToken
from boxoffice.domain.model import Actor, Role
from boxoffice.errors import ConfigurationError
from tests.fakes import FakeClock

SECRET = "s" * 32


@pytest.fixture
def clock() -> FakeClock:
    # PyJWT checks iat and exp against the wall clock, so tokens are issued at real time.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def token_service(clock: FakeClock) -> JwtTokenService:
    return JwtTokenService(SECRET, timedelta(hours=1), clock)


def test_bcrypt_verifies_only_the_right_password() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    stored = hasher.hash("correct horse")
    assert stored.startswith("$2b$04$")
    assert hasher.verify("correct horse", stored)
    assert not hasher.verify("correct horsE", stored)
    assert hasher.hash("correct horse") != stored  # salted


def test_bcrypt_treats_a_malformed_hash_or_password_as_a_failed_check() -> None:
    hasher = BcryptPasswordHasher(rounds=4)
    assert not hasher.verify("correct horse", "not a bcrypt hash")
    stored = hasher.hash("correct horse")
    assert not hasher.verify("correct horse\udfff", stored)
    assert not hasher.verify("correct horse\x00", stored)
    assert not hasher.verify("x" * 100, stored)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_bcrypt_runs_at_the_lowest_cpu_priority() -> None:
    # So a storm of logins leaves the CPU to bookings (bench/login.py measures it).
    hasher = BcryptPasswordHasher(rounds=4)
    hasher.hash("correct horse")
    priority = hasher._pool.submit(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    ).result()
    assert priority == 19
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < 19


@pytest.mark.parametrize("rounds", [3, 32])
def test_bcrypt_rounds_are_bounded(rounds: int) -> None:
    with pytest.raises(ConfigurationError):
        BcryptPasswordHasher(rounds=rounds)


def test_a_token_names_its_user_and_role(token_service: JwtTokenService) -> None:
    assert token_service.actor(token_service.issue(Actor(42, Role.USER))) == Actor(42, Role.USER)
    assert token_service.actor(token_service.issue(Actor(7, Role.OWNER))) == Actor(7, Role.OWNER)


def test_tokens_carry_sub_role_iat_exp(token_service: JwtTokenService, clock: FakeClock) -> None:
    claims = jwt.decode(
        token_service.issue(Actor(7, Role.OWNER)),
        SECRET,
        algorithms=["HS256"],
        options={"verify_exp": False},
    )
    assert claims == {
        "sub": "7",
        "role": "owner",
        "iat": int(clock.now().timestamp()),
        "exp": int((clock.now() + timedelta(hours=1)).timestamp()),
    }


def test_an_expired_token_is_refused(clock: FakeClock) -> None:
    clock.current = clock.current.replace(year=2000)  # issued long ago; PyJWT checks the wall
    service = JwtTokenService(SECRET, timedelta(hours=1), clock)
    with pytest.raises(InvalidToken, match="expired"):
        service.actor(service.issue(Actor(1, Role.USER)))


def test_a_token_verified_before_is_still_refused_once_expired() -> None:
    # Issued now, for one second: the first use verifies it and remembers it.
    service = JwtTokenService(SECRET, timedelta(seconds=1), FakeClock(datetime.now(UTC)))
    token = service.issue(Actor(5, Role.USER))
    assert service.actor(token) == Actor(5, Role.USER)

    time.sleep(1.1)

    with pytest.raises(InvalidToken, match="expired"):
        service.actor(token)


def test_a_remembered_token_vouches_for_no_other(token_service: JwtTokenService) -> None:
    token = token_service.issue(Actor(5, Role.USER))
    assert token_service.actor(token) == Actor(5, Role.USER)
    header, claims, signature = token.split(".")
    other_claims = claims[:-2] + ("AA" if claims[-2:] != "AA" else "BB")

    for altered in (f"{header}.{other_claims}.{signature}", f"{header}.{claims}.{signature[:-2]}"):
        with pytest.raises(InvalidToken):
            token_service.actor(altered)


def test_the_remembered_tokens_are_bounded(
    token_service: JwtTokenService, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "MAX_VERIFIED_TOKENS", 3)
    actors = [Actor(user_id, Role.USER) for user_id in range(1, 8)]
    tokens = [token_service.issue(actor) for actor in actors]

    assert [token_service.actor(token) for token in tokens] == actors
    assert len(token_service._verified) <= 3
    # Forgotten ones are verified again, not refused.
    assert [token_service.actor(token) for token in tokens] == actors


def test_a_token_signed_with_another_key_is_refused(
    token_service: JwtTokenService, clock: FakeClock
) -> None:
    forged = JwtTokenService("another secret of at least 32 bytes!", timedelta(hours=1), clock)
    with pytest.raises(InvalidToken):
        token_service.actor(forged.issue(Actor(1, Role.USER)))


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_an_unsigned_alg_none_token_is_refused(
    token_service: JwtTokenService, clock: FakeClock
) -> None:
    now = int(clock.now().timestamp())
    claims = {"sub": "1", "role": "user", "iat": now, "exp": now + 3600}
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    with pytest.raises(InvalidToken):
        token_service.actor(unsigned)


def _signed(clock: FakeClock, **changes: object) -> str:
    """A token signed with the service's key: its claims, changed or (None) left out."""
    now = clock.now()
    claims: dict[str, object] = {
        "sub": "1",
        "role": "user",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    claims.update(changes)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, SECRET, algorithm="HS256")


def test_a_well_formed_token_signed_with_the_key_is_accepted(
    token_service: JwtTokenService, clock: FakeClock
) -> None:
    # The baseline of the refusals below: they differ from it by one claim each.
    assert token_service.actor(_signed(clock)) == Actor(1, Role.USER)


@pytest.mark.parametrize("missing", ["sub", "role", "iat", "exp"])
def test_tokens_missing_a_required_claim_are_refused(
    token_service: JwtTokenService, clock: FakeClock, missing: str
) -> None:
    with pytest.raises(InvalidToken):
        token_service.actor(_signed(clock, **{missing: None}))


@pytest.mark.parametrize("subject", ["abc", "-1", "١٢", ""])
def test_a_subject_that_is_not_a_user_id_is_refused(
    token_service: JwtTokenService, clock: FakeClock, subject: str
) -> None:
    with pytest.raises(InvalidToken):
        token_service.actor(_signed(clock, sub=subject))


@pytest.mark.parametrize("role", ["admin", "USER", "", 1, ["user"]])
def test_a_role_that_is_not_user_or_owner_is_refused(
    token_service: JwtTokenService, clock: FakeClock, role: object
) -> None:
    with pytest.raises(InvalidToken):
        token_service.actor(_signed(clock, role=role))


def test_a_short_secret_is_a_clear_configuration_error(clock: FakeClock) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        JwtTokenService("short", timedelta(hours=1), clock)
    assert "s" * 32 not in repr(JwtTokenService(SECRET, timedelta(hours=1), clock))
