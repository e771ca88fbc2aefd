"""Keyset pages: stable under inserts, and as cheap for page 10,000 as for page 1."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Generic, Protocol, TypeVar, overload

import attrs


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)


@attrs.frozen
class Page(Sequence[T], Generic[T]):
    """The items of one page, and the cursor for the next one (None on the last page)."""

    items: tuple[T, ...]
    next_after: int | None
    # In a listing by time: the timing of the page's last item, which the next page follows.
    next_timing: datetime | None = None

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self.items[index]

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)


def fetch_page(fetch: Callable[[int], list[T]], limit: int) -> Page[T]:
    """Ask for one row more than the page to learn whether another page follows."""
    rows = fetch(limit + 1)
    if len(rows) > limit:
        page = tuple(rows[:limit])
        return Page(page, page[-1].id)
    return Page(tuple(rows), None)
