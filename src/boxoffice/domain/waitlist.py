"""The waiting list's rules, as pure functions of a show's live entries (in join order).

Freed seats go to the list before anyone else: in join order, the first waiting entry whose
party fits them is offered them. An entry that does not fit keeps its place and is passed over
only for one that fits. An entry whose user holds seats of the show already is passed over too
(a user holds one set of seats per show at a time) and keeps its place: it is offered once
that hold ends. Seats no waiting entry can take are the public's.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from boxoffice.domain.model import WaitlistEntry, WaitlistStatus


def next_offer(
    entries: Iterable[WaitlistEntry], free: int, holding: Collection[int]
) -> WaitlistEntry | None:
    """The entry the next offer goes to: in join order, the first waiting one whose party fits
    the `free` seats and whose user is not among those `holding` seats of the show."""
    for entry in entries:
        if (
            entry.status is WaitlistStatus.WAITING
            and entry.num_seats <= free
            and entry.user_id not in holding
        ):
            return entry
    return None


def join_order(entry: WaitlistEntry) -> tuple[object, int]:
    """Entries are served by when they joined; the id breaks a tie."""
    return (entry.created_at, entry.id)


def positions(entries: Iterable[WaitlistEntry]) -> dict[int, int]:
    """Each waiting entry's place in line (1 = next), by entry id."""
    waiting = sorted(
        (entry for entry in entries if entry.status is WaitlistStatus.WAITING), key=join_order
    )
    return {entry.id: place for place, entry in enumerate(waiting, start=1)}
