"""PostgreSQL as configured: commits wait for the disk whatever the session's default says."""

from __future__ import annotations

from datetime import UTC

import pytest
from sqlalchemy.engine import make_url

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from tests.databases import postgres_database, postgres_store, require_postgres_url

pytestmark = pytest.mark.postgres


def test_commits_are_synchronous_even_where_the_default_says_otherwise() -> None:
    with postgres_database(require_postgres_url()) as url:
        # Sessions of this URL start with the fast, lossy setting, as a server could impose.
        parsed = make_url(url)
        options = f"{parsed.query['options']} -csynchronous_commit=off"
        lossy = parsed.update_query_dict({"options": options})
        factory = SqlAlchemyUnitOfWorkFactory.from_url(lossy.render_as_string(hide_password=False))
        try:
            for _ in range(2):  # still on for a connection back from the pool
                with factory.engine.connect() as connection:
                    setting = connection.exec_driver_sql("SHOW synchronous_commit").scalar_one()
                    assert setting == "on"
        finally:
            factory.dispose()


def test_instants_arrive_in_utc_whatever_the_server_time_zone() -> None:
    with postgres_database(require_postgres_url()) as url:
        parsed = make_url(url)
        options = f"{parsed.query['options']} -ctimezone=America/Los_Angeles"
        elsewhere = parsed.update_query_dict({"options": options})
        factory = SqlAlchemyUnitOfWorkFactory.from_url(
            elsewhere.render_as_string(hide_password=False)
        )
        try:
            with factory.engine.connect() as connection:
                now = connection.exec_driver_sql("SELECT now()").scalar_one()
            assert now.tzinfo is UTC
        finally:
            factory.dispose()


def test_a_read_only_unit_of_work_leaves_no_transaction_open() -> None:
    # READ COMMITTED gives each statement its own snapshot anyway; without BEGIN ... ROLLBACK a
    # read costs one round trip instead of three, and never sits "idle in transaction".
    with postgres_store() as factory, factory(read_only=True) as uow:
        assert uow.users.get(1) is None
        with factory.engine.connect() as observer:
            in_transaction = observer.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND state = 'idle in transaction'"
                " AND query LIKE 'SELECT users.%%'"
            ).scalar_one()
        assert in_transaction == 0


def test_a_connection_read_in_autocommit_goes_back_to_the_pool_transactional() -> None:
    # Reads run in autocommit; whatever takes the connection from the pool next, SQLAlchemy's
    # own Connection included, must get transactions back.
    with postgres_store(require_postgres_url()) as factory:
        with factory(read_only=True) as uow:
            uow.movies.list(after=None, limit=10)
        with factory.engine.connect() as connection:
            connection.exec_driver_sql(
                "INSERT INTO movies (title, genre, duration) VALUES ('Rolled back', 'x', 90)"
            )
            connection.rollback()
        with factory(read_only=True) as uow:
            assert uow.movies.list(after=None, limit=10) == []
