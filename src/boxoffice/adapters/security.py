"""Password hashing with bcrypt and bearer tokens with PyJWT (HS256)."""

from __future__ import annotations

from datetime import timedelta

import attrs
import bcrypt
import jwt

from boxoffice.domain.errors import InvalidToken
from boxoffice.domain.ports import Clock
from boxoffice.errors import ConfigurationError

MIN_SECRET_BYTES = 32
_ALGORITHM = "HS256"


@attrs.frozen
class BcryptPasswordHasher:
    rounds: int = attrs.field(default=12)

    @rounds.validator
    def _check_rounds(self, _: attrs.Attribute[int], value: int) -> None:
        if not 4 <= value <= 31:
            raise ConfigurationError("bcrypt rounds must be between 4 and 31")

    def hash(self, password: str) -> str:
        # The domain refuses passwords over 72 bytes, so bcrypt never truncates one.
        return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(self.rounds)).decode("ascii")

    def verify(self, password: str, password_hash: str) -> bool:
        try:
            return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
        except ValueError:
            # A malformed hash, an over-long password or one that is not Unicode (a lone
            # surrogate: UnicodeEncodeError is a ValueError) is a failed check, not a crash.
            return False


@attrs.frozen
class JwtTokenService:
    secret: str = attrs.field(repr=False)
    ttl: timedelta
    clock: Clock

    @secret.validator
    def _check_secret(self, _: attrs.Attribute[str], value: str) -> None:
        if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
            raise ConfigurationError(
                f"the JWT secret must be at least {MIN_SECRET_BYTES} bytes (BOXOFFICE_JWT_SECRET)"
            )

    def issue(self, user_id: int) -> str:
        now = self.clock.now()
        claims = {"sub": str(user_id), "iat": now, "exp": now + self.ttl}
        return jwt.encode(claims, self.secret, algorithm=_ALGORITHM)

    def subject(self, token: str) -> int:
        try:
            # Pinning the algorithm refuses "none" and any key-confusion trick.
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[_ALGORITHM],
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidToken("the token has expired") from error
        except jwt.PyJWTError as error:
            raise InvalidToken() from error
        subject = claims["sub"]
        if not isinstance(subject, str) or not (subject.isascii() and subject.isdigit()):
            raise InvalidToken()
        return int(subject)
