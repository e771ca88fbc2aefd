"""PostgreSQL as configured: commits wait for the disk whatever the session's default says."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url

from boxoffice.adapters.sqlalchemy import SqlAlchemyUnitOfWorkFactory
from tests.databases import postgres_database, require_postgres_url

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
