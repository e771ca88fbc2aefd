"""`boxoffice audit`: the audit trail as JSON lines, oldest first, for operators and their tools."""

from __future__ import annotations

import json
from typing import Any, TextIO

from boxoffice.domain.model import AuditEvent
from boxoffice.domain.service import Boxoffice


def as_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "occurred_at": event.occurred_at.isoformat(),
        "action": event.action.value,
        "actor_id": event.actor_id,
        "target": event.target,
        "client": event.client,
        "detail": event.detail,
    }


def print_events(boxoffice: Boxoffice, out: TextIO, *, after: int | None, limit: int | None) -> int:
    """Events after the id `after`, at most `limit` of them (all when None); returns how many.

    The last id printed is the `after` to continue from next time.
    """
    printed = 0
    while limit is None or printed < limit:
        size = boxoffice.limits.max_page_size
        if limit is not None:
            size = min(size, limit - printed)
        page = boxoffice.list_audit_events(after=after, limit=size)
        for event in page:
            out.write(json.dumps(as_json(event)) + "\n")
        printed += len(page)
        if page.next_after is None:
            break
        after = page.next_after
    return printed
