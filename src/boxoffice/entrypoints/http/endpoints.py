"""Operations answered as they are declared (contract.py): a handler gets decoded input and
returns the response's value; the status, headers and encoding come from the declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import attrs
import falcon
import msgspec

from boxoffice.domain.model import Actor
from boxoffice.domain.paging import Page
from boxoffice.domain.service import Boxoffice
from boxoffice.entrypoints.http import body, encoding
from boxoffice.entrypoints.http.auth import caller
from boxoffice.entrypoints.http.contract import Operation
from boxoffice.entrypoints.http.decoding import BodyDecoder, QueryDecoder, path_id, path_text

B = TypeVar("B")
Q = TypeVar("Q")

# A retry with the same key returns the first request's booking instead of booking again.
IDEMPOTENCY_KEY = "Idempotency-Key"


@attrs.frozen
class Call(Generic[B, Q]):
    """One request as its operation declares it: body and query decoded, path ids checked."""

    req: falcon.Request
    body: B
    query: Q
    ids: Mapping[str, int]
    caller: Actor | None
    # The path parameters declared text, checked.
    texts: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def actor(self) -> Actor:
        """The authenticated caller of a secured operation."""
        if self.caller is None:
            raise TypeError("the operation is not secured: it has no caller")
        return self.caller

    @property
    def idempotency_key(self) -> str | None:
        return self.req.get_header(IDEMPOTENCY_KEY)

    @property
    def client(self) -> str | None:
        """The peer's address. Behind a reverse proxy every client shares the proxy's."""
        return self.req.remote_addr


@attrs.frozen
class Listing:
    """A page of response values, in order, and the query parameters of the next page's
    cursor, if any: {"after": 7}, or in a listing by time also "after_timing"."""

    items: Sequence[Any]
    cursor: Mapping[str, str | int] | None

    @classmethod
    def of(cls, page: Page[Any], shape: Callable[[Any], Any]) -> Listing:
        cursor: dict[str, str | int] | None = None
        if page.next_after is not None:
            cursor = {"after": page.next_after}
            if page.next_timing is not None:
                cursor["after_timing"] = page.next_timing.isoformat()
        return cls([shape(item) for item in page], cursor)


@attrs.frozen
class Rendered:
    """A body already written in a media type of its own (SVG, CSV)."""

    media_type: str
    data: bytes


# What a handler returns: a response value (a shapes dataclass, or a mapping), JSON already
# encoded, a Listing, or Rendered.
Handler = Callable[[Call[Any, Any]], object]


class Endpoint:
    """Answers one operation by its declaration: who calls, what they sent, what comes back."""

    def __init__(
        self,
        operation: Operation,
        handler: Handler,
        boxoffice: Boxoffice,
        refined: Mapping[type[msgspec.Struct], type[msgspec.Struct]],
    ) -> None:
        self._op = operation
        self._handler = handler
        self._boxoffice = boxoffice
        kind = operation.body
        self._body = None if kind is None else BodyDecoder(refined.get(kind, kind))
        query = operation.query or operation.params
        self._query = None if query is None else QueryDecoder(refined.get(query, query))

    def __call__(self, req: falcon.Request, resp: falcon.Response, **params: str) -> None:
        # In this order: who calls, then where, then what they ask for.
        actor = caller(self._boxoffice, req) if self._op.secured else None
        text = self._op.text_params
        ids = {name: path_id(name, value) for name, value in params.items() if name not in text}
        texts = {name: path_text(name, value) for name, value in params.items() if name in text}
        query = None if self._query is None else self._query(req)
        result = self._handler(Call(req, self._decoded_body(req), query, ids, actor, texts))
        self._write(req, resp, result, query)

    def _decoded_body(self, req: falcon.Request) -> object:
        if self._body is None:
            return None
        return self._body(body.read(req))

    def _write(
        self, req: falcon.Request, resp: falcon.Response, result: object, query: object
    ) -> None:
        op = self._op
        resp.status = op.ok
        resp.content_type = op.media_type
        if op.no_store:
            resp.set_header("Cache-Control", "no-store")
        if op.located is not None:
            resp.location = op.located.format(id=getattr(result, "id"))  # noqa: B009
        if isinstance(result, Listing):
            resp.data = encoding.listing(result.items)
            if result.cursor is not None:
                resp.append_header("Link", _next_link(req, query, result.cursor))
        elif isinstance(result, bytes):
            resp.data = result
        elif isinstance(result, Rendered):
            resp.content_type = result.media_type
            resp.data = result.data
        else:
            resp.data = encoding.dumps(result)


def _next_link(req: falcon.Request, query: object, cursor: Mapping[str, str | int]) -> str:
    # Rebuilt from the decoded parameters, by their names in the query, so nothing else the
    # client sent is echoed: the filters, then limit, then the cursor.
    given = msgspec.to_builtins(query) if isinstance(query, msgspec.Struct) else {}
    for name in cursor:
        given.pop(name, None)
    limit = given.pop("limit", None)
    kept = {name: value for name, value in given.items() if value is not None}
    if limit is not None:
        kept["limit"] = limit
    kept.update(cursor)
    return f'<{req.root_path}{req.path}?{urlencode(kept)}>; rel="next"'
