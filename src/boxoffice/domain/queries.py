"""What a listing of shows asks the repository for: its filters and where its page begins."""

from __future__ import annotations

from datetime import datetime

import attrs

from boxoffice.domain.model import ShowStatus


@attrs.frozen
class ShowQuery:
    """Shows matching every filter given. With a time bound the order is by timing, then id;
    otherwise by id."""

    movie_id: int | None = None
    cinema_id: int | None = None
    screen_id: int | None = None
    # Shows whose timing is in [starts_from, starts_before).
    starts_from: datetime | None = None
    starts_before: datetime | None = None
    # None: every status.
    status: ShowStatus | None = ShowStatus.SCHEDULED

    @property
    def by_timing(self) -> bool:
        return self.starts_from is not None or self.starts_before is not None


@attrs.frozen
class ShowCursor:
    """The last show of the previous page: its id, and in timing order its timing too."""

    id: int
    timing: datetime | None = None
