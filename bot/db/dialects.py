"""What differs between SQLite and PostgreSQL: the URL and its driver, conflict-free inserts, row locks, retries."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles

from bot.errors import StoreError

POSTGRES_SCHEMES = ("postgresql", "postgres")
POSTGRES_DRIVER = "postgresql+psycopg"
INSTALL_HINT = "pip install 'scope-bot[postgres]'"
# serialization_failure, deadlock_detected: PostgreSQL gave up one transaction of a conflict; running it again works.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
MIGRATION_LOCK = 0x5C0BE  # the key of this application's advisory lock around migrations (any fixed number)
MODEL_CHANGE_LOCK = 0x5C0BF  # held while a process trains, promotes or rolls back models in the database


def engine_url(url: str) -> sa.URL:
    """The SQLAlchemy URL of `url`: a plain postgresql:// or postgres:// URL uses psycopg 3, which must be
    installed (StoreError with the install command otherwise)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise StoreError(f"{url!r} is not a database URL (e.g. sqlite:///var/scope-bot.db, postgresql://…)") from exc
    if parsed.drivername in POSTGRES_SCHEMES:
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    if parsed.drivername == POSTGRES_DRIVER:
        try:
            importlib.import_module("psycopg")
        except ImportError:
            raise StoreError(f"PostgreSQL needs the psycopg driver: {INSTALL_HINT}") from None
    return parsed


def shown(url: str | sa.URL) -> str:
    """A URL fit for a message or a log: the password masked."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return repr(url)


def insert_new(conn: Connection, table: sa.Table, *, keys: list[str]) -> sa.Insert:
    """An INSERT into `table` that skips a row whose unique `keys` are taken (ON CONFLICT DO NOTHING), so a
    duplicate neither raises nor aborts the transaction around it; a plain INSERT on other databases."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=keys)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=keys)
    return sa.insert(table)


def upsert(conn: Connection, table: sa.Table, *, keys: list[str], values: dict[str, object]) -> sa.Insert:
    """An INSERT of `values` that updates the row whose unique `keys` are taken (ON CONFLICT DO UPDATE): one
    statement, so two writers of one new row cannot both find it missing and both insert it."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    changed = {k: v for k, v in values.items() if k not in keys}
    return dialect.insert(table).values(**values).on_conflict_do_update(index_elements=keys, set_=changed)


def locked_skipping_others(conn: Connection, query: sa.Select) -> sa.Select:
    """`query` taking row locks, passing over rows another transaction holds (PostgreSQL's FOR UPDATE SKIP LOCKED);
    unchanged on SQLite, which has no row locks (its writers take turns)."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


class utc_day(sa.sql.functions.GenericFunction[str]):  # noqa: N801 (SQLAlchemy names functions in lower case)
    """The UTC calendar day (YYYY-MM-DD) of a time column, as text on every database."""

    type = sa.String()
    inherit_cache = True


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 10)"  # the stored text is in UTC already


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def retryable(exc: BaseException) -> bool:
    """True for an error that running the whole transaction again resolves (a serialization failure, a deadlock)."""
    if not isinstance(exc, DBAPIError):
        return False
    return getattr(exc.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def lock_migrations(conn: Connection) -> None:
    """Let one process at a time migrate a PostgreSQL database (replicas start together); the lock ends with the
    transaction. SQLite's first write already locks the file."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(MIGRATION_LOCK)))


@contextmanager
def advisory_lock(engine: sa.Engine, key: int) -> Iterator[bool]:
    """Try PostgreSQL's session-level advisory lock `key` on a connection of its own, held until the block ends;
    yields whether it was taken (at once, no waiting). Yields True on other databases, which have none."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        taken = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar())
        conn.commit()
        try:
            yield taken
        finally:
            if taken:
                conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                conn.commit()
