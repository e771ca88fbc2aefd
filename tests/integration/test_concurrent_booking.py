"""Four OS processes of eight threads each book and cancel seats of one 100-seat show.

Afterwards available + active booked == capacity, every rejection saw the true seat count,
no call errored, and (even after a kill -9 mid-load) no acknowledged booking is missing.
Figures print with `pytest -s`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from tests.integration import load

pytestmark = pytest.mark.slow


def test_processes_racing_for_one_show_never_oversell(
    database_url: str, factory: SqlAlchemyUnitOfWorkFactory, tmp_path: Path
) -> None:
    show_id, users = load.prepare(factory)
    result = load.run(database_url, show_id, users, tmp_path)
    print(f"\n[{factory.engine.dialect.name}] {result.figures()}")
    assert load.problems(result, load.stored(factory, show_id)) == []
    assert len(result.calls) == load.PROCESSES * load.THREADS * load.OPERATIONS
    assert result.outcomes("book", "rejected"), "the load should fill the show"


def test_a_process_killed_mid_load_loses_no_acknowledged_booking(
    database_url: str, factory: SqlAlchemyUnitOfWorkFactory, tmp_path: Path
) -> None:
    show_id, users = load.prepare(factory)
    result = load.run(database_url, show_id, users, tmp_path, kill=True)
    print(
        f"\n[{factory.engine.dialect.name}, worker 0 killed with {result.in_flight_at_kill} "
        f"calls in flight] {result.figures()}"
    )
    assert load.problems(result, load.stored(factory, show_id)) == []
    survivors = [c for c in result.calls if c.outcome is not None]
    assert len(survivors) < load.PROCESSES * load.THREADS * load.OPERATIONS
    # The dead process left no lock behind and no damage.
    if factory.engine.dialect.name == "sqlite":
        with factory.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    with factory() as uow:
        inventory = uow.inventories.lock(show_id)
        assert inventory is not None
        uow.inventories.save(inventory)
        uow.commit()
