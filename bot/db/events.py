"""Processed Slack event ids: a retried delivery is recognised and ignored."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from bot.db.runner import Runner
from bot.db.schema import processed_events
from bot.db.timestamps import iso, iso_ago, utc_now


class Events:
    def __init__(self, run: Runner):
        self._run = run

    def claim(self, key: str) -> bool:
        """Record `key` as processed; False if it was already (a Slack retry or duplicate delivery)."""
        try:
            self._run(lambda c: c.execute(processed_events.insert().values(event_key=key, received_at=iso(utc_now()))))
        except IntegrityError:
            return False
        return True

    def prune(self, *, older_than_days: float = 7) -> int:
        """Forget event ids older than `older_than_days` (Slack retries within minutes); returns how many."""
        cutoff = iso_ago(days=older_than_days)
        return self._run(
            lambda c: c.execute(processed_events.delete().where(processed_events.c.received_at < cutoff)).rowcount
        )
