"""Breaking a real SQLite store the way a full disk does: reads work, every write fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from bot.db import Store


def make_unwritable(store: Store) -> Callable[[], None]:
    """From now on every connection of `store` refuses writes (SQLite's query_only, an error like SQLITE_FULL's);
    returns the function that undoes it (the disk was cleaned up)."""

    def refuse_writes(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only = ON")
        cursor.close()

    def undo() -> None:
        for engine in store.engines:
            sa.event.remove(engine, "connect", refuse_writes)
            engine.dispose()

    for engine in store.engines:
        sa.event.listen(engine, "connect", refuse_writes)
        engine.dispose()  # pooled connections were opened writable
    return undo
