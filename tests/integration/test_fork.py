"""A factory built before a fork (a server preloading the app) gives the child its own pool."""

from __future__ import annotations

import multiprocessing
import os
from multiprocessing.connection import Connection

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from tests.contract import builders


def opened_by(factory: SqlAlchemyUnitOfWorkFactory) -> int:
    """The pid that opened the connection the pool hands out (info lives with the connection)."""
    with factory() as uow:
        uow.movies.list(after=None, limit=1)
    with factory.engine.connect() as connection:
        return int(connection.info.setdefault("opened_by", os.getpid()))


def child(factory: SqlAlchemyUnitOfWorkFactory, report: Connection) -> None:
    with factory() as uow:
        uow.movies.add(builders.movie("From the child"))
        uow.commit()
    report.send(opened_by(factory))


def test_a_forked_child_does_not_share_its_parents_connections(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        uow.movies.add(builders.movie("From the parent"))
        uow.commit()
    assert opened_by(factory) == os.getpid()
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=child, args=(factory, send))
    process.start()
    process.join(timeout=30)
    assert process.exitcode == 0
    assert receive.recv() == process.pid
    assert opened_by(factory) == os.getpid()
    with factory(read_only=True) as uow:
        titles = [m.title for m in uow.movies.list(after=None, limit=10)]
    assert titles == ["From the parent", "From the child"]
