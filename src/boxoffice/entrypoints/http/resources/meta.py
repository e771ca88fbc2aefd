"""About the service itself: liveness and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from boxoffice.entrypoints.http import shapes
from boxoffice.entrypoints.http.endpoints import Call


def health(call: Call[None, None]) -> shapes.Health:
    return shapes.Health("ok")


class Document:
    def __init__(self, document: dict[str, Any]) -> None:
        self._document = document

    def get(self, call: Call[None, None]) -> dict[str, Any]:
        return self._document
