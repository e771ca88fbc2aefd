"""About the service itself: liveness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from boxoffice.entrypoints.http import encoding, shapes
from boxoffice.entrypoints.http.endpoints import Call


def health(call: Call[None, None]) -> shapes.Health:
    return shapes.Health("ok")


class Document:
    def __init__(self, document: dict[str, Any]) -> None:
        # Encoded once: the document never changes while the app runs.
        self._json = encoding.dumps(document)

    def get(self, call: Call[None, None]) -> bytes:
        return self._json
