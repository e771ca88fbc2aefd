"""Accounts: sign up, log in, and turn a token back into an actor."""

from __future__ import annotations

import threading
from typing import NoReturn

import attrs

from boxoffice.domain import audit, rules, throttle
from boxoffice.domain.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from boxoffice.domain.model import UNSAVED, Actor, AuditAction, Role, User
from boxoffice.domain.ports import Clock, PasswordHasher, TokenService, UnitOfWorkFactory


@attrs.frozen
class SignUp:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    clock: Clock

    def __call__(
        self,
        *,
        name: str,
        email: str,
        password: str,
        role: Role | str = Role.USER,
        client: str | None = None,
    ) -> User:
        client = rules.require_client(client)
        name = rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS)
        email = rules.require_email(email)
        role = rules.require_role(role)
        password = rules.require_password(password)
        # Hash outside the transaction: bcrypt is slow and must not hold a database lock.
        user = User(UNSAVED, name, email, self.hasher.hash(password), role, self.clock.now())
        with self.uow() as uow:
            # The repository raises EmailTaken; the unique index decides races.
            stored = uow.users.add(user)
            uow.audit.add(audit.signed_up(stored, client))
            uow.commit()
        return stored


@attrs.define
class LogIn:
    uow: UnitOfWorkFactory
    hasher: PasswordHasher
    clock: Clock
    limits: rules.Limits
    _decoy_hash: str | None = attrs.field(default=None, init=False)
    _decoy_lock: threading.Lock = attrs.field(factory=threading.Lock, init=False)

    def __call__(self, *, email: str, password: str, client: str | None = None) -> Actor:
        """The account's actor. Raises InvalidCredentials, or TooManyAttempts after repeated
        failures for the account or from the client."""
        client = rules.require_client(client)
        if not isinstance(email, str) or not isinstance(password, str):
            raise InvalidCredentials()
        if len(email) > rules.MAX_EMAIL_CHARS or not rules.is_storable(email):
            # No account can have such an email: nothing to look up, and nothing to count.
            raise InvalidCredentials()
        email = rules.normalize_email(email)
        watched = throttle.subjects(self.limits, email, client)
        try:
            with self.uow(read_only=True) as uow:
                user = uow.users.get_by_email(email)
                had_failures = throttle.check(uow, self.limits, watched, self.clock.now())
        except TooManyAttempts:
            # Recorded, though not counted as a failure: a pause must never outlast its window.
            with self.uow() as uow:
                uow.audit.add(
                    audit.login_refused(
                        AuditAction.LOGIN_THROTTLED, email, user, client, self.clock.now()
                    )
                )
                uow.commit()
            raise
        if user is None:
            # Spend the same bcrypt time as for a wrong password: timing must not tell
            # which emails are registered.
            self.hasher.verify(password, self._decoy())
            self._failed(watched, email, None, client)
        if not self.hasher.verify(password, user.password_hash):
            self._failed(watched, email, user, client)
        with self.uow() as uow:
            if had_failures:
                # The account's owner got in: their typos no longer count against it.
                uow.login_attempts.forget(watched[0].name)
            uow.audit.add(audit.logged_in(user, client, self.clock.now()))
            uow.commit()
        return Actor(user.id, user.role)

    def _failed(
        self, watched: list[throttle.Subject], email: str, user: User | None, client: str | None
    ) -> NoReturn:
        now = self.clock.now()
        with self.uow() as uow:
            throttle.record_failure(uow, self.limits, watched, now)
            uow.audit.add(audit.login_refused(AuditAction.LOGIN_FAILED, email, user, client, now))
            uow.commit()
        raise InvalidCredentials()

    def _decoy(self) -> str:
        with self._decoy_lock:
            if self._decoy_hash is None:
                self._decoy_hash = self.hasher.hash("decoy password for unknown emails")
            return self._decoy_hash


@attrs.frozen
class Authenticate:
    """The actor a token names, from the token alone: each use case checks the account in its
    own transaction, so a request needs no transaction of its own to authenticate."""

    tokens: TokenService

    def __call__(self, token: str) -> Actor:
        if not isinstance(token, str) or not token:
            raise InvalidToken("a bearer token is required")
        return self.tokens.actor(token)
