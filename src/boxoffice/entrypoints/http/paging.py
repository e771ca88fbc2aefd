"""A page as a JSON array, with a `Link: <...>; rel="next"` header while more remain."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar
from urllib.parse import urlencode

import falcon

from boxoffice.domain.model import Booking, Movie, Show
from boxoffice.domain.paging import Page
from boxoffice.entrypoints.http.params import only_known_queries, query_integer

PAGE_QUERIES = frozenset({"after", "limit"})

T = TypeVar("T", Movie, Show, Booking)


def page_params(
    req: falcon.Request, *, filters: frozenset[str] = frozenset()
) -> dict[str, int | None]:
    """The paging parameters, after refusing any query parameter but these and the filters."""
    only_known_queries(req, PAGE_QUERIES | filters)
    return {"after": query_integer(req, "after"), "limit": query_integer(req, "limit")}


def write_page(
    req: falcon.Request,
    resp: falcon.Response,
    page: Page[T],
    encode: Callable[[T], bytes],
    *,
    filters: Mapping[str, int | None] | None = None,
) -> None:
    """encode: one item as JSON. Items are encoded one by one, so an encoder may keep what it
    encoded before (representations.show_json)."""
    resp.data = b"[" + b",".join([encode(item) for item in page]) + b"]"
    resp.content_type = falcon.MEDIA_JSON
    if page.next_after is None:
        return
    # Rebuilt from the parameters we understood, so nothing else the client sent is echoed.
    query: dict[str, int] = {k: v for k, v in (filters or {}).items() if v is not None}
    limit = query_integer(req, "limit")
    if limit is not None:
        query["limit"] = limit
    query["after"] = page.next_after
    resp.append_header("Link", f'<{req.root_path}{req.path}?{urlencode(query)}>; rel="next"')
