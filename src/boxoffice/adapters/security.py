"""Password hashing with bcrypt and bearer tokens with PyJWT (HS256)."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import attrs
import bcrypt
import jwt

from boxoffice.config import MIN_JWT_SECRET_BYTES
from boxoffice.domain.errors import InvalidToken
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.ports import Clock
from boxoffice.errors import ConfigurationError

MIN_SECRET_BYTES = MIN_JWT_SECRET_BYTES
_ALGORITHM = "HS256"


def _lowest_cpu_priority() -> None:
    # On Linux a thread id names one thread to setpriority(); elsewhere this may fail, and
    # hashing then simply runs at normal priority.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


@attrs.frozen
class BcryptPasswordHasher:
    """bcrypt, computed on threads of the lowest CPU priority.

    A hash costs a third of a second of CPU on purpose. Run at normal priority, twenty clients
    logging in would take every core, and bookings, which need a millisecond, would queue behind
    them; at the lowest priority hashing gets the CPU that requests leave idle. bcrypt releases
    the GIL, so the calling thread merely waits.
    """

    rounds: int = attrs.field(default=12)
    _pool: ThreadPoolExecutor = attrs.field(
        init=False,
        repr=False,
        factory=lambda: ThreadPoolExecutor(
            max_workers=os.cpu_count() or 2,
            thread_name_prefix="bcrypt",
            initializer=_lowest_cpu_priority,
        ),
    )

    @rounds.validator
    def _check_rounds(self, _: attrs.Attribute[int], value: int) -> None:
        if not 4 <= value <= 31:
            raise ConfigurationError("bcrypt rounds must be between 4 and 31")

    def hash(self, password: str) -> str:
        # The domain refuses passwords over 72 bytes, so bcrypt never truncates one.
        salt = bcrypt.gensalt(self.rounds)
        hashed = self._pool.submit(bcrypt.hashpw, password.encode("utf-8"), salt).result()
        return hashed.decode("ascii")

    def verify(self, password: str, password_hash: str) -> bool:
        try:
            encoded = (password.encode("utf-8"), password_hash.encode("ascii"))
            return self._pool.submit(bcrypt.checkpw, *encoded).result()
        except ValueError:
            # A malformed hash, an over-long password or one that is not Unicode (a lone
            # surrogate: UnicodeEncodeError is a ValueError) is a failed check, not a crash.
            return False


# Tokens verified lately, per process. Ten thousand are a few megabytes.
MAX_VERIFIED_TOKENS = 10_000


@attrs.frozen
class JwtTokenService:
    """HS256 tokens naming the user's id (`sub`) and role (`role`).

    A token seen before and not yet expired is not verified again: PyJWT's checks cost as much
    as a tenth of a booking. Only the very same string hits, and HS256 is deterministic, so
    what was verified once stays verified until its `exp`, which is still checked on every use.
    """

    secret: str = attrs.field(repr=False)
    ttl: timedelta
    clock: Clock
    # token -> (its actor, exp as a POSIX time)
    _verified: dict[str, tuple[Actor, float]] = attrs.field(
        init=False, factory=dict, repr=False, eq=False
    )

    @secret.validator
    def _check_secret(self, _: attrs.Attribute[str], value: str) -> None:
        if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes (BOXOFFICE_JWT_SECRET)"
            )

    def issue(self, actor: Actor) -> str:
        now = self.clock.now()
        claims = {"sub": str(actor.id), "role": actor.role.value, "iat": now, "exp": now + self.ttl}
        return jwt.encode(claims, self.secret, algorithm=_ALGORITHM)

    def actor(self, token: str) -> Actor:
        known = self._verified.get(token)
        # Against the system clock, as PyJWT's own check of exp is.
        if known is not None and time.time() < known[1]:
            return known[0]
        actor, expires_at = self._verify(token)
        if len(self._verified) >= MAX_VERIFIED_TOKENS:
            self._verified.clear()
        self._verified[token] = (actor, expires_at)
        return actor

    def _verify(self, token: str) -> tuple[Actor, float]:
        try:
            # Pinning the algorithm refuses "none" and any key-confusion trick.
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken() from error
        subject, role, expires_at = claims["sub"], claims["role"], claims["exp"]
        if not isinstance(subject, str) or not (subject.isascii() and subject.isdigit()):
            raise InvalidToken()
        if not isinstance(role, str) or role not in Role._value2member_map_:
            raise InvalidToken()
        return Actor(int(subject), Role(role)), float(expires_at)
