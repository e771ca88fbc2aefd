"""Hand-written fakes for the domain's ports: fast, deterministic, and ours to reason about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from boxoffice.domain.errors import InvalidToken
from boxoffice.domain.model import Actor, Role

START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


@attrs.define
class FakeClock:
    current: datetime = START

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@attrs.define
class FakePasswordHasher:
    """Reversible on purpose, and it counts calls so tests can see work was (not) done."""

    hashes: int = 0
    verifies: int = 0

    def hash(self, password: str) -> str:
        self.hashes += 1
        return "hashed:" + password[::-1]

    def verify(self, password: str, password_hash: str) -> bool:
        self.verifies += 1
        return password_hash == "hashed:" + password[::-1]


@attrs.define
class FakeTokenService:
    revoked: set[str] = attrs.field(factory=set)

    def issue(self, actor: Actor) -> str:
        return f"token-for-{actor.id}-{actor.role}"

    def actor(self, token: str) -> Actor:
        prefix = "token-for-"
        if token in self.revoked or not token.startswith(prefix):
            raise InvalidToken()
        user_id, _, role = token.removeprefix(prefix).partition("-")
        # Like the real service: a malformed token is InvalidToken, never a crash.
        if not (user_id.isascii() and user_id.isdigit()) or role not in Role._value2member_map_:
            raise InvalidToken()
        return Actor(int(user_id), Role(role))


@attrs.define
class FakeResolver:
    """Host names and the addresses they stand for; any other name resolves to nothing."""

    hosts: dict[str, list[str]] = attrs.field(factory=dict)
    lookups: list[str] = attrs.field(factory=list)

    def addresses(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        return list(self.hosts.get(host, []))
