"""Waiting lists: joining a sold-out show's list, leaving it, reading it, and settling the
shows whose offers lapsed while nobody touched them.

Offers are made under the show's lock by whatever change frees seats (acting.save); the list's
rules are in waitlist.py. Readers see an offer that lapsed as expired, as they see a hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from boxoffice.domain import rules, waitlist
from boxoffice.domain.acting import Ports, Step, acting, change_seats, save, settle
from boxoffice.domain.errors import NotFound, ValidationError
from boxoffice.domain.model import Actor, Role, WaitlistEntry, WaitlistStatus
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.venues import owned_show

# Shows settle_due settles per call: the sweeper calls again within seconds for the rest.
MAX_SETTLED_PER_CALL = 1000
MAX_LEASE_NAME_CHARS = 100
MAX_LEASE_SECONDS = 24 * 3600


def entry_as_of(entry: WaitlistEntry, now: datetime) -> WaitlistEntry:
    """An entry as a reader sees it at `now`: an offer whose time ran out is expired."""
    if (
        entry.status is WaitlistStatus.OFFERED
        and entry.expires_at is not None
        and entry.expires_at <= now
    ):
        return attrs.evolve(entry, status=WaitlistStatus.EXPIRED)
    return entry


def _as_read(
    uow: UnitOfWork, entries: Iterable[WaitlistEntry], now: datetime
) -> list[WaitlistEntry]:
    """The entries as of `now`, each waiting one with its place in line."""
    read = []
    for entry in entries:
        seen = entry_as_of(entry, now)
        if seen.status is WaitlistStatus.WAITING:
            seen = attrs.evolve(seen, position=uow.waitlist.waiting_ahead(seen) + 1)
        read.append(seen)
    return read


def own_entry(uow: UnitOfWork, actor: Actor, entry_id: int) -> WaitlistEntry:
    entry = uow.waitlist.get(entry_id)
    # Someone else's entry is reported as missing, like someone else's booking.
    if entry is None or entry.user_id != actor.id:
        raise NotFound("waitlist entry", entry_id)
    return entry


@attrs.frozen
class JoinWaitlist:
    ports: Ports

    def __call__(
        self, actor: Actor, show_id: int, *, num_seats: int, client: str | None = None
    ) -> WaitlistEntry:
        show_id = rules.require_id("show_id", show_id)
        most = self.ports.limits.max_seats_per_booking
        num_seats = rules.require_int("num_seats", num_seats, low=1, high=most)

        def join(step: Step) -> WaitlistEntry:
            entry = step.inventory.join(step.new_id, actor.id, num_seats, step.now)
            place = waitlist.positions(step.inventory.waitlist())[entry.id]
            return attrs.evolve(entry, position=place)

        return change_seats(
            self.ports,
            actor,
            "join waiting lists",
            locate=lambda uow: show_id,
            new_id=lambda uow: uow.waitlist.next_id(),
            change=join,
            client=rules.require_client(client),
        )


@attrs.frozen
class LeaveWaitlist:
    """Leave a show's list; an offered entry's hold is released and its seats passed on. An
    entry no longer live (booked, expired, left) is returned as it is."""

    ports: Ports

    def __call__(self, actor: Actor, entry_id: int, *, client: str | None = None) -> WaitlistEntry:
        entry_id = rules.require_id("entry_id", entry_id)

        def leave(step: Step) -> WaitlistEntry:
            if not step.inventory.knows_entry(entry_id):
                # Settled before the lock was taken: no longer live.
                return own_entry(step.uow, actor, entry_id)
            return step.inventory.leave(entry_id, step.now)

        return change_seats(
            self.ports,
            actor,
            "leave waiting lists",
            locate=lambda uow: own_entry(uow, actor, entry_id).show_id,
            change=leave,
            client=rules.require_client(client),
        )


@attrs.frozen
class GetWaitlistEntry:
    ports: Ports

    def __call__(self, actor: Actor, entry_id: int) -> WaitlistEntry:
        entry_id = rules.require_id("entry_id", entry_id)
        with acting(self.ports, actor, Role.USER, "read waiting lists", read_only=True) as uow:
            entry = own_entry(uow, actor, entry_id)
            return _as_read(uow, [entry], self.ports.clock.now())[0]


@attrs.frozen
class ListWaitlist:
    """The actor's entries, every show's, by id."""

    ports: Ports

    def __call__(
        self, actor: Actor, *, after: int | None = None, limit: int | None = None
    ) -> Page[WaitlistEntry]:
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with acting(self.ports, actor, Role.USER, "list waiting lists", read_only=True) as uow:
            page = fetch_page(
                lambda n: uow.waitlist.list_for_user(actor.id, after=cursor, limit=n), size
            )
            read = _as_read(uow, page, self.ports.clock.now())
        return Page(tuple(read), page.next_after)


@attrs.frozen
class ListShowWaitlist:
    """The list of one of the owner's shows, every entry ever, by id."""

    ports: Ports

    def __call__(
        self, actor: Actor, show_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[WaitlistEntry]:
        show_id = rules.require_id("show_id", show_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        action = "list a show's waiting list"
        with acting(self.ports, actor, Role.OWNER, action, read_only=True) as uow:
            owned_show(uow, actor, show_id)
            page = fetch_page(
                lambda n: uow.waitlist.list_for_show(show_id, after=cursor, limit=n), size
            )
            read = _as_read(uow, page, self.ports.clock.now())
        return Page(tuple(read), page.next_after)


@attrs.frozen
class SettleDue:
    """Settle every show with a live list whose offers or holds lapsed (or that has begun),
    each in a transaction of its own, so the next entry gets its offer with nobody touching
    the show. Correctness needs no call of it: the next change of a show settles it too."""

    ports: Ports

    def __call__(self, now: datetime | None = None) -> int:
        """How many shows changed."""
        now = self.ports.clock.now() if now is None else rules.require_aware_datetime("now", now)
        with self.ports.uow(read_only=True) as uow:
            due = uow.waitlist.due(now, limit=MAX_SETTLED_PER_CALL)
        return sum(1 for show_id in due if self._settle(show_id, now))

    def _settle(self, show_id: int, now: datetime) -> bool:
        with self.ports.uow() as uow:
            inventory = uow.inventories.lock(show_id)
            if inventory is None:
                return False
            settle(self.ports, uow, inventory, now)
            # Settled meanwhile by a change of the show: nothing to write.
            if not (inventory.changed_holds() or inventory.waitlist_changed):
                return False
            save(self.ports, uow, inventory, now)
            uow.commit()
        return True


@attrs.frozen
class TakeLease:
    """Take or renew a named lease for `seconds`: one holder at a time across every process
    sharing the store (the service's sweeper runs where it holds "waitlist-sweeper")."""

    ports: Ports

    def __call__(self, name: str, holder: str, *, seconds: float) -> bool:
        name = rules.require_text("name", name, max_chars=MAX_LEASE_NAME_CHARS)
        holder = rules.require_text("holder", holder, max_chars=MAX_LEASE_NAME_CHARS)
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_LEASE_SECONDS
        ):
            raise ValidationError(
                "seconds", f"must be a number above 0, at most {MAX_LEASE_SECONDS}"
            )
        now = self.ports.clock.now()
        with self.ports.uow() as uow:
            taken = uow.leases.take(name, holder, now, now + timedelta(seconds=seconds))
            uow.commit()
        return taken
