"""Timestamps: aware UTC datetimes in Python; `timestamp with time zone` on PostgreSQL; on SQLite, which has no
time type, ISO 8601 text with microseconds in UTC, one fixed width, so text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


class UtcDateTime(sa.TypeDecorator[datetime]):
    """`DateTime(timezone=True)` that takes and gives aware datetimes in UTC on every database."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> sa.types.TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a naive datetime ({value}) cannot be stored: give it a time zone")
        value = value.astimezone(UTC)
        return stored_text(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(UTC)


def stored_text(dt: datetime) -> str:
    """How SQLite holds `dt`: e.g. 2026-12-01T12:00:00.000000+00:00 (microseconds always, so the width is fixed)."""
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def ago(*, days: float) -> datetime:
    """The moment `days` days ago (for "last N days" queries and pruning)."""
    return utc_now() - timedelta(days=days)


def from_now(*, seconds: float) -> datetime:
    """The moment `seconds` from now (negative: before now)."""
    return utc_now() + timedelta(seconds=seconds)


def json_ready(fields: dict[str, Any]) -> dict[str, Any]:
    """`fields` with its datetimes as ISO 8601 text (microseconds, UTC offset), for JSON output."""
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in fields.items()}


def shown(dt: datetime) -> str:
    """A time for people and for JSON: ISO 8601 in UTC, whole seconds."""
    return dt.astimezone(UTC).isoformat(timespec="seconds")
