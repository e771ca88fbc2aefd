"""The receiver examples of README.md and docs/webhooks.md verify a signed delivery and refuse
a forged one, with the `standardwebhooks` package a receiver would use."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks import Webhook

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


def _readme_block() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    return block


def _page_block() -> str:
    page = (ROOT / "docs" / "webhooks.md").read_text()
    (block,) = re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL)
    return block


def _signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    now = datetime.now(UTC)
    event_id = json.loads(body)["id"]
    signature = Webhook(secret).sign(event_id, now, body)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }


@pytest.mark.parametrize("example", [_readme_block, _page_block], ids=["readme", "page"])
def test_the_receiver_example_takes_a_signed_event_once_and_refuses_a_forged_one(
    example: Any,
) -> None:
    handled: list[tuple[str, str, Any]] = []
    seen: set[str] = set()

    def handle(*args: Any) -> None:
        # The README passes the id along; the page drops repeats before handling.
        handled.append(args if len(args) == 3 else (None, *args))

    def seen_before(event_id: str) -> bool:
        if event_id in seen:
            return True
        seen.add(event_id)
        return False

    names: dict[str, Any] = {"SECRET": SECRET, "handle": handle, "seen_before": seen_before}
    exec(compile(example(), "example", "exec"), names)  # noqa: S102
    receive = names["receive"]
    body = json.dumps(
        {
            "id": "evt_1",
            "type": "booking.created",
            "occurred_at": "2030-06-01T19:12:03+00:00",
            "data": {"id": 7, "show_id": 3},
        }
    ).encode()
    headers = _signed(body)

    assert receive(body, headers) == 204
    assert handled[-1][1:] == ("booking.created", {"id": 7, "show_id": 3})
    # Another body under the same signature, or a signature by another secret: forged.
    assert receive(body.replace(b"7", b"8"), headers) == 400
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    assert receive(body, _signed(body, other)) == 400
    assert len(handled) == 1
