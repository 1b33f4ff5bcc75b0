"""Timestamps as the database stores them: ISO 8601 text in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """Whole seconds: created/updated times people read."""
    return dt.isoformat(timespec="seconds")


def iso_precise(dt: datetime) -> str:
    """Microseconds, for the outbox schedule and leases.

    Whole seconds would cut a sub-second lease to "due now", letting a parallel flush send the same call twice.
    Sorts correctly against older whole-second values ("+" < ".").
    """
    return dt.isoformat(timespec="microseconds")


def iso_ago(*, days: float) -> str:
    """`iso` of the moment `days` days ago (for "last N days" queries and pruning)."""
    return iso(utc_now() - timedelta(days=days))


def iso_in(*, seconds: float) -> str:
    """`iso_precise` of the moment `seconds` from now."""
    return iso_precise(utc_now() + timedelta(seconds=seconds))
