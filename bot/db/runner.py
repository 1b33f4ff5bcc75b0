"""How a record module reaches the database: one short transaction per call, or the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from sqlalchemy.engine import Connection, CursorResult

T = TypeVar("T")


class Runner(Protocol):
    """Runs `work` with a connection inside a transaction and returns its result."""

    def __call__(self, work: Callable[[Connection], T], /) -> T: ...


def in_connection(conn: Connection) -> Runner:
    """A Runner that uses `conn`, inside the transaction its caller holds open."""

    def run(work: Callable[[Connection], T], /) -> T:
        return work(conn)

    return run


def inserted_id(result: CursorResult) -> int:
    """The primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise TypeError("not the result of a single-row INSERT")
    return int(key[0])
