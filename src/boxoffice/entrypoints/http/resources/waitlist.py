"""Waiting lists: a user waits for seats of a sold-out show; its owner reads the list."""

from __future__ import annotations

from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call, Listing


class Waitlist:
    def __init__(self, boxoffice: Boxoffice) -> None:
        self._boxoffice = boxoffice

    def join(self, call: Call[shapes.WaitlistRequest, None]) -> shapes.WaitlistEntry:
        entry = self._boxoffice.join_waitlist(
            call.actor, call.ids["show_id"], num_seats=call.body.num_seats, client=call.client
        )
        return shapes.WaitlistEntry.of(entry)

    def of_show(self, call: Call[None, shapes.PageQuery]) -> Listing:
        """An owner's view of the list of one of their shows."""
        page = self._boxoffice.list_show_waitlist(
            call.actor, call.ids["show_id"], after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.WaitlistEntry.of)

    def list(self, call: Call[None, shapes.PageQuery]) -> Listing:
        page = self._boxoffice.list_waitlist(
            call.actor, after=call.query.after, limit=call.query.limit
        )
        return Listing.of(page, shapes.WaitlistEntry.of)

    def get(self, call: Call[None, None]) -> shapes.WaitlistEntry:
        entry = self._boxoffice.get_waitlist_entry(call.actor, call.ids["entry_id"])
        return shapes.WaitlistEntry.of(entry)

    def leave(self, call: Call[None, None]) -> shapes.WaitlistEntry:
        entry = self._boxoffice.leave_waitlist(call.actor, call.ids["entry_id"], client=call.client)
        return shapes.WaitlistEntry.of(entry)
