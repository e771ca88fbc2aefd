"""One OS process of the booking load: threads book and cancel seats of one show.

Every call is logged as a JSON line twice: "start" before it, and its outcome after it returns,
so a parent that kills this process knows which calls were acknowledged and which were in flight.
Lines go straight to the file with O_APPEND writes: a kill -9 loses none that were written.

Usage: python -m tests.integration.load_worker URL SHOW_ID USER_IDS OPERATIONS SEED LOG
(USER_IDS comma-separated, one thread per user). Prints "ready", then waits for a line on stdin.
"""

from __future__ import annotations

import json
import os
import random
import sys
import threading
import time
from typing import Any

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.domain.errors import NotEnoughSeats
from boxoffice.domain.model import Actor, Role
from boxoffice.domain.service import Boxoffice
from tests.fakes import FakeClock, FakePasswordHasher, FakeTokenService

CANCEL_CHANCE = 0.4
MAX_SEATS = 3


class Log:
    def __init__(self, path: str) -> None:
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, event: str, key: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "key": key, "t": time.monotonic(), **fields})
        os.write(self._fd, (line + "\n").encode())


def hammer(
    app: Boxoffice, show_id: int, user_id: int, operations: int, seed: int, log: Log
) -> None:
    actor = Actor(user_id, Role.USER)
    rng = random.Random(seed)
    active: list[int] = []
    for n in range(operations):
        key = f"{user_id}-{n}"
        try:
            if active and rng.random() < CANCEL_CHANCE:
                booking_id = active.pop(rng.randrange(len(active)))
                log.write("start", key, op="cancel", booking=booking_id)
                app.cancel_booking(actor, booking_id)
                log.write("cancelled", key)
            else:
                seats = rng.randint(1, MAX_SEATS)
                log.write("start", key, op="book", seats=seats)
                try:
                    booking = app.book_seats(actor, show_id=show_id, num_seats=seats)
                except NotEnoughSeats as refused:
                    log.write("rejected", key, available=refused.available)
                else:
                    active.append(booking.id)
                    log.write("booked", key, booking=booking.id)
        except Exception as error:  # every error is a finding: the parent reports them all
            log.write("failed", key, error=f"{type(error).__name__}: {error}")


def main(argv: list[str]) -> int:
    url, show_id, user_ids, operations, seed, log_path = argv
    factory = SqlAlchemyUnitOfWorkFactory.from_url(url)
    app = Boxoffice.from_ports(
        uow=factory, hasher=FakePasswordHasher(), tokens=FakeTokenService(), clock=FakeClock()
    )
    log = Log(log_path)
    threads = [
        threading.Thread(
            target=hammer,
            args=(app, int(show_id), int(user), int(operations), int(seed) * 1000 + n, log),
        )
        for n, user in enumerate(user_ids.split(","))
    ]
    print("ready", flush=True)
    sys.stdin.readline()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    factory.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
