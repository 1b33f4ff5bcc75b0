"""Numbered migrations, applied in order when the database opens (as in simonw/llm's migrations list).

A new database is created whole from bot.db.schema and every migration counts as applied; an older database gets
the migrations it lacks, each generated from the same schema, so the schema is written once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db import schema
from bot.db.dialects import lock_migrations
from bot.db.timestamps import UtcDateTime, utc_now
from bot.errors import StoreError


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    # None: the step is part of what a database created from schema.py starts with, and no database that lacks
    # it can exist any more (every database ever created has migration 1).
    apply: Callable[[Connection], None] | None


def add_columns(table: sa.Table, *columns: str) -> Callable[[Connection], None]:
    """A migration step adding `columns` of `table` as schema.py defines them."""

    def apply(conn: Connection) -> None:
        for column in columns:
            ddl = sa.schema.CreateColumn(table.c[column]).compile(dialect=conn.dialect)
            conn.execute(sa.text(f"ALTER TABLE {table.name} ADD COLUMN {ddl}"))

    return apply


def create(*items: sa.Table | sa.Index) -> Callable[[Connection], None]:
    """A migration step creating tables or indexes as schema.py defines them."""

    def apply(conn: Connection) -> None:
        for item in items:
            item.create(conn)

    return apply


def steps(*parts: Callable[[Connection], None]) -> Callable[[Connection], None]:
    """Several steps as one migration."""

    def apply(conn: Connection) -> None:
        for part in parts:
            part(conn)

    return apply


# The tables migration 7 found: their times were ISO text, of two widths (whole seconds and microseconds).
_TIMED_BEFORE_7 = (
    "schema_migrations",
    "processed_events",
    "verdicts",
    "quote_requests",
    "quote_status_log",
    "feedback",
    "queue_decisions",
    "outbox",
    "heartbeats",
)
_SECONDS_ONLY = len("2026-12-01T12:00:00+00:00")


def times_as_timestamps(conn: Connection) -> None:
    """PostgreSQL: every time column becomes `timestamp with time zone` (the text parses as one). SQLite keeps text,
    but whole-second values get their microseconds, so every value has one width and text order is time order."""
    for table_name in _TIMED_BEFORE_7:
        table = schema.metadata.tables[table_name]
        for column in table.columns:
            if not isinstance(column.type, UtcDateTime):
                continue
            if conn.dialect.name == "postgresql":
                conn.execute(
                    sa.text(
                        f"ALTER TABLE {table.name} ALTER COLUMN {column.name} TYPE timestamp with time zone "
                        f"USING {column.name}::timestamp with time zone"
                    )
                )
            else:
                conn.execute(
                    sa.text(
                        f"UPDATE {table.name} SET {column.name} = "
                        f"substr({column.name}, 1, 19) || '.000000' || substr({column.name}, 20) "
                        f"WHERE length({column.name}) = {_SECONDS_ONLY}"
                    )
                )


def _index(table: sa.Table, name: str) -> sa.Index:
    return next(index for index in table.indexes if index.name == name)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema", None),
    Migration(2, "outbox: calls given up for good", add_columns(schema.outbox, "failed_at")),
    Migration(3, "verdicts: why unsure, and the parts of a message", add_columns(schema.verdicts, "reason", "parts")),
    Migration(
        4,
        "outbox: send once (attempted, parked, dedupe key); the event inbox; heartbeats",
        steps(
            add_columns(schema.outbox, "attempted_at", "parked_at", "dedupe_key"),
            add_columns(schema.processed_events, "payload", "handled_at"),
            create(
                _index(schema.outbox, "ix_outbox_due"),
                _index(schema.outbox, "ux_outbox_dedupe_key"),
                schema.heartbeats,
            ),
        ),
    ),
    Migration(
        5,
        "feedback: flagged by the audit, and who withdrew it",
        add_columns(schema.feedback, "flag_reason", "discarded_by", "discarded_at"),
    ),
    Migration(
        6,
        "verdicts: the margin and the runner-up rows; the review queue's decisions",
        steps(add_columns(schema.verdicts, "margin", "alternatives"), create(schema.queue_decisions)),
    ),
    Migration(7, "times: timestamp with time zone on PostgreSQL, fixed-width text on SQLite", times_as_timestamps),
    Migration(8, "model versions published through the database", create(schema.model_versions, schema.model_current)),
    Migration(
        9,
        "the event inbox: an index of the events still waiting",
        create(_index(schema.processed_events, "ix_events_waiting")),
    ),
)


def migrate(conn: Connection, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[int]:
    """Bring the database up to `migrations`; returns the numbers applied now."""
    lock_migrations(conn)
    schema.schema_migrations.create(conn, checkfirst=True)
    done = set(conn.execute(sa.select(schema.schema_migrations.c.id)).scalars())
    known = {m.number for m in migrations}
    if done - known:
        raise StoreError(
            f"the database has migrations {sorted(done - known)} that this version of scope-bot does not know; "
            "upgrade scope-bot"
        )
    if not done:
        schema.metadata.create_all(conn)
        pending = list(migrations)
    else:
        pending = [m for m in migrations if m.number not in done]
        for migration in pending:
            if migration.apply is None:
                raise StoreError(f"the database lacks migration {migration.number} ({migration.name})")
            migration.apply(conn)
    for migration in pending:
        conn.execute(
            schema.schema_migrations.insert().values(id=migration.number, name=migration.name, applied_at=utc_now())
        )
    return [m.number for m in pending]
