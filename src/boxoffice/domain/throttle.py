"""Brute-force protection: too many failed log-ins for an account or from a client pause it.

Failures are counted in a sliding window, in storage, so every worker process sees them. While a
subject is paused its attempts are refused without being counted, so the pause never outlasts
the window: an attacker cannot lock an account out for longer by hammering it.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import attrs

from boxoffice.domain.errors import TooManyAttempts
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.rules import Limits


@attrs.frozen
class Subject:
    name: str
    limit: int


def subjects(limits: Limits, email: str, client: str | None) -> list[Subject]:
    found = [Subject(f"account:{email}", limits.login_failures_per_account)]
    if client is not None:
        found.append(Subject(f"client:{client}", limits.login_failures_per_client))
    return found


def check(uow: UnitOfWork, limits: Limits, watched: list[Subject], now: datetime) -> bool:
    """Raise TooManyAttempts for a paused subject; True when any has failures on record."""
    window = timedelta(seconds=limits.login_window_seconds)
    any_failures = False
    for subject in watched:
        failures = uow.login_attempts.failures_since(subject.name, now - window)
        any_failures = any_failures or bool(failures)
        if len(failures) >= subject.limit:
            # Paused until enough of the failures leave the window.
            reopens = failures[len(failures) - subject.limit] + window
            raise TooManyAttempts(max(1, math.ceil((reopens - now).total_seconds())))
    return any_failures


def record_failure(uow: UnitOfWork, limits: Limits, watched: list[Subject], now: datetime) -> None:
    window = timedelta(seconds=limits.login_window_seconds)
    # Guesses at ever new emails leave rows nobody fails on again: prune them all here.
    uow.login_attempts.forget_everyone_before(now - window)
    for subject in watched:
        uow.login_attempts.add_failure(subject.name, now)
