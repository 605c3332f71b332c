"""The connections of the service's pool (``gridts.db.pool``): a 2xx for a write means committed
durably (``synchronous_commit`` and ``fsync`` on), and the statement timeout is set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import TestClient


def test_the_database_settings_keep_commits_durable(client: TestClient[Litestar]) -> None:
    pool = client.app.state.pool

    async def settings_of_a_pooled_connection() -> tuple[Any, ...]:
        async with pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT current_setting('synchronous_commit'), current_setting('fsync'), "
                "current_setting('statement_timeout')"
            )
            row = await cursor.fetchone()
            assert row is not None
            return tuple(row)

    with client.portal() as portal:
        durable = portal.call(settings_of_a_pooled_connection)
    assert durable[:2] == ("on", "on")
    assert durable[2] == "30s"
