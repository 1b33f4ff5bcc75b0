"""Heartbeats: each serving process writes its row when asked for its health, proving the database takes writes."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from bot.db.dialects import upsert
from bot.db.runner import Runner
from bot.db.schema import heartbeats
from bot.db.timestamps import utc_now


class Heartbeats:
    def __init__(self, run: Runner):
        self._run = run

    def beat(self, worker: str) -> None:
        """Write `worker`'s heartbeat now (StoreError when the database cannot be written, e.g. a full disk)."""
        at = utc_now()

        def work(conn: Connection) -> None:
            # One statement: two health checks of a new worker at once must not both insert its row.
            conn.execute(upsert(conn, heartbeats, keys=["worker"], values={"worker": worker, "at": at}))

        self._run(work)
