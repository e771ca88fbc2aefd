"""Cinemas and their screens: their owner adds and edits them, anyone reads them."""

from __future__ import annotations

import attrs

from boxoffice.domain import rules
from boxoffice.domain.acting import Ports, acting
from boxoffice.domain.errors import NotFound, TicketTypeTaken, ValidationError
from boxoffice.domain.model import UNSAVED, Actor, Cinema, Role, Screen, Show, TicketType
from boxoffice.domain.paging import Page, fetch_page
from boxoffice.domain.ports import UnitOfWork
from boxoffice.domain.pricing import require_amount, require_currency, require_type_code
from boxoffice.domain.schedule import MAX_GAP_MINUTES, require_time_zone
from boxoffice.domain.seating import SeatMap

DEFAULT_GAP_MINUTES = 15
# A week: users may be asked to cancel at most this long before a show.
MAX_CANCEL_CUT_OFF = 7 * 24 * 60


def owned_cinema(uow: UnitOfWork, actor: Actor, cinema_id: int, *, lock: bool = False) -> Cinema:
    cinema = uow.cinemas.lock(cinema_id) if lock else uow.cinemas.get(cinema_id)
    # Another owner's cinema does not exist for writing: its owner's business is not ours.
    if cinema is None or cinema.owner_id != actor.id:
        raise NotFound("cinema", cinema_id)
    return cinema


def owned_show(uow: UnitOfWork, actor: Actor, show_id: int) -> Show:
    show = uow.shows.get(show_id)
    # Another owner's show is reported as missing, like another user's booking.
    if show is None or show.owner_id != actor.id:
        raise NotFound("show", show_id)
    return show


def owned_screen(uow: UnitOfWork, actor: Actor, screen_id: int) -> tuple[Screen, Cinema]:
    """The actor's screen, locked, and its cinema; NotFound for anyone else's."""
    screen = uow.screens.lock(screen_id)
    cinema = None if screen is None else uow.cinemas.get(screen.cinema_id)
    if screen is None or cinema is None or cinema.owner_id != actor.id:
        raise NotFound("screen", screen_id)
    return screen, cinema


def require_layout(layout: object, limits: rules.Limits) -> SeatMap:
    if not isinstance(layout, SeatMap):
        raise ValidationError("layout", "must be a SeatMap (SeatMap.build)")
    if layout.capacity > limits.max_show_capacity:
        raise ValidationError("layout", f"must have at most {limits.max_show_capacity} seats")
    return layout


def _cut_off(value: object) -> int:
    return rules.require_int("cancel_until_minutes", value, low=0, high=MAX_CANCEL_CUT_OFF)


def require_hall(
    layout: object, capacity: object, limits: rules.Limits
) -> tuple[SeatMap | None, int]:
    """A screen's seats: a layout (its sellable seats are the capacity, which need not be
    given), or the capacity of a general-admission hall."""
    if layout is None:
        if capacity is None:
            raise ValidationError("layout", "give a layout, or a capacity for general admission")
        most = limits.max_show_capacity
        return None, rules.require_int("capacity", capacity, low=1, high=most)
    plan = require_layout(layout, limits)
    if capacity is not None and capacity != plan.capacity:
        raise ValidationError(
            "capacity", f"must equal the layout's {plan.capacity} sellable seats, or be left out"
        )
    return plan, plan.capacity


@attrs.frozen
class AddCinema:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        *,
        name: str,
        time_zone: str,
        currency: str,
        gap_minutes: int = DEFAULT_GAP_MINUTES,
        cancel_until_minutes: int = 0,
        cancel_fee: int = 0,
    ) -> Cinema:
        cinema = Cinema(
            UNSAVED,
            UNSAVED,
            rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS),
            require_time_zone(time_zone),
            rules.require_int("gap_minutes", gap_minutes, low=0, high=MAX_GAP_MINUTES),
            require_currency(currency),
            _cut_off(cancel_until_minutes),
            require_amount("cancel_fee", cancel_fee),
        )
        with acting(self.ports, actor, Role.OWNER, "add cinemas") as uow:
            stored = uow.cinemas.add(attrs.evolve(cinema, owner_id=actor.id))
            uow.commit()
        return stored


@attrs.frozen
class UpdateCinema:
    """Rename a cinema or change its cancellation policy; bookings already cancelled keep
    their refunds."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        name: str | None = None,
        cancel_until_minutes: int | None = None,
        cancel_fee: int | None = None,
    ) -> Cinema:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        if name is None and cancel_until_minutes is None and cancel_fee is None:
            raise ValidationError("name", "give name, cancel_until_minutes or cancel_fee")
        with acting(self.ports, actor, Role.OWNER, "edit cinemas") as uow:
            cinema = owned_cinema(uow, actor, cinema_id, lock=True)
            changed = attrs.evolve(
                cinema,
                name=cinema.name
                if name is None
                else rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS),
                cancel_until_minutes=cinema.cancel_until_minutes
                if cancel_until_minutes is None
                else _cut_off(cancel_until_minutes),
                cancel_fee=cinema.cancel_fee
                if cancel_fee is None
                else require_amount("cancel_fee", cancel_fee),
            )
            uow.cinemas.save(changed)
            uow.commit()
        return changed


@attrs.frozen
class AddTicketType:
    ports: Ports

    def __call__(self, actor: Actor, cinema_id: int, *, code: str, name: str) -> TicketType:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        kind = TicketType(
            UNSAVED,
            cinema_id,
            require_type_code(code),
            rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS),
        )
        with acting(self.ports, actor, Role.OWNER, "add ticket types") as uow:
            owned_cinema(uow, actor, cinema_id)
            if any(t.code == kind.code for t in uow.ticket_types.of_cinema(cinema_id)):
                raise TicketTypeTaken(kind.code)
            stored = uow.ticket_types.add(kind)
            uow.commit()
        return stored


@attrs.frozen
class ListTicketTypes:
    ports: Ports

    def __call__(self, cinema_id: int) -> list[TicketType]:
        """The cinema's ticket types, the default (the first added) first."""
        cinema_id = rules.require_id("cinema_id", cinema_id)
        with self.ports.uow(read_only=True) as uow:
            if uow.cinemas.get(cinema_id) is None:
                raise NotFound("cinema", cinema_id)
            return uow.ticket_types.of_cinema(cinema_id)


@attrs.frozen
class GetCinema:
    ports: Ports

    def __call__(self, cinema_id: int) -> Cinema:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        with self.ports.uow(read_only=True) as uow:
            cinema = uow.cinemas.get(cinema_id)
        if cinema is None:
            raise NotFound("cinema", cinema_id)
        return cinema


@attrs.frozen
class ListCinemas:
    ports: Ports

    def __call__(self, *, after: int | None = None, limit: int | None = None) -> Page[Cinema]:
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with self.ports.uow(read_only=True) as uow:
            return fetch_page(lambda n: uow.cinemas.list(after=cursor, limit=n), size)


@attrs.frozen
class AddScreen:
    ports: Ports

    def __call__(
        self,
        actor: Actor,
        cinema_id: int,
        *,
        name: str,
        layout: SeatMap | None = None,
        capacity: int | None = None,
    ) -> Screen:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        name = rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS)
        plan, seats = require_hall(layout, capacity, self.ports.limits)
        with acting(self.ports, actor, Role.OWNER, "add screens") as uow:
            owned_cinema(uow, actor, cinema_id)
            screen = uow.screens.add(Screen(UNSAVED, cinema_id, name, plan, seats))
            uow.commit()
        return screen


@attrs.frozen
class GetScreen:
    ports: Ports

    def __call__(self, screen_id: int) -> Screen:
        screen_id = rules.require_id("screen_id", screen_id)
        with self.ports.uow(read_only=True) as uow:
            screen = uow.screens.get(screen_id)
        if screen is None:
            raise NotFound("screen", screen_id)
        return screen


@attrs.frozen
class ListScreens:
    ports: Ports

    def __call__(
        self, cinema_id: int, *, after: int | None = None, limit: int | None = None
    ) -> Page[Screen]:
        cinema_id = rules.require_id("cinema_id", cinema_id)
        cursor, size = rules.require_page(self.ports.limits, after, limit)
        with self.ports.uow(read_only=True) as uow:
            if uow.cinemas.get(cinema_id) is None:
                raise NotFound("cinema", cinema_id)
            return fetch_page(lambda n: uow.screens.list(cinema_id, after=cursor, limit=n), size)


@attrs.frozen
class UpdateScreen:
    """Rename a screen, or give it a new layout, or make it a general-admission hall of a
    capacity. Shows already scheduled keep the seats they were scheduled with; those
    scheduled afterwards take the new ones."""

    ports: Ports

    def __call__(
        self,
        actor: Actor,
        screen_id: int,
        *,
        name: str | None = None,
        layout: SeatMap | None = None,
        capacity: int | None = None,
    ) -> Screen:
        screen_id = rules.require_id("screen_id", screen_id)
        if name is None and layout is None and capacity is None:
            raise ValidationError("name", "give name, layout or capacity")
        if name is not None:
            name = rules.require_text("name", name, max_chars=rules.MAX_NAME_CHARS)
        hall = None
        if layout is not None or capacity is not None:
            hall = require_hall(layout, capacity, self.ports.limits)
        with acting(self.ports, actor, Role.OWNER, "edit screens") as uow:
            screen, _ = owned_screen(uow, actor, screen_id)
            plan, seats = (screen.layout, screen.capacity) if hall is None else hall
            screen = attrs.evolve(screen, name=name or screen.name, layout=plan, capacity=seats)
            uow.screens.save(screen)
            uow.commit()
        return screen
