"""The fresh-database helpers other suites build on."""

from __future__ import annotations

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from boxoffice.domain.model import UNSAVED, AuditAction, AuditEvent
from boxoffice.domain.queries import ShowQuery
from tests.contract import builders
from tests.databases import empty
from tests.fakes import START


def test_emptying_a_store_removes_every_row_and_restarts_ids(
    factory: SqlAlchemyUnitOfWorkFactory,
) -> None:
    with factory() as uow:
        owner, show = builders.stored_show(uow)
        uow.bookings.add(builders.booking(owner.id, show.id))
        uow.audit.add(AuditEvent(UNSAVED, START, AuditAction.SIGNED_UP, owner.id, "user:1"))
        uow.commit()
    empty(factory)
    with factory() as uow:
        assert uow.movies.list(after=None, limit=10) == []
        assert uow.shows.list(ShowQuery(), after=None, limit=10) == []
        assert uow.users.get(owner.id) is None
        assert uow.audit.list(after=None, limit=10) == []
        assert uow.movies.add(builders.movie()).id == 1
