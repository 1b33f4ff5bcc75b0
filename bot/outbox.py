"""Slack Web API calls that must not be lost: stored first, sent at once, retried later if Slack fails."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.store import OutboxItem, Store

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0


class Outbox:
    """Durable delivery of Slack calls (quote posts, confirmations, status notices)."""

    def __init__(self, store: Store, client: WebClient, *, retry_seconds: float = 60.0):
        self.store = store
        self.client = client
        self.retry_seconds = retry_seconds
        # A claim must outlast one HTTP attempt, or a parallel flush could send the same call a second time.
        self.lease_seconds = max(retry_seconds, float(client.timeout or 30) + 5)

    def send(self, method: str, payload: dict[str, Any], *, purpose: str, purpose_id: int | None = None) -> bool:
        """Store the call, then try it now; True if delivered, False if it waits for a retry."""
        item_id = self.store.enqueue(method=method, payload=payload, purpose=purpose, purpose_id=purpose_id)
        item = self.store.claim_outbox_item(item_id, lease_seconds=self.lease_seconds)
        return self._deliver(item) if item else False

    def flush(self) -> int:
        """Retry every due call once (claimed with a lease, so parallel workers never send one twice)."""
        delivered = 0
        for item in self.store.claim_due_outbox(lease_seconds=self.lease_seconds):
            delivered += self._deliver(item)
        return delivered

    def _deliver(self, item: OutboxItem) -> bool:
        try:
            response = self.client.api_call(item.method, json=item.payload)
        except (SlackApiError, SlackClientError, OSError) as exc:
            backoff = min(self.retry_seconds * (2**item.attempts), MAX_BACKOFF_SECONDS)
            log.warning(
                "slack call %s for %s #%s failed (attempt %d), retrying in %.0fs: %s",
                item.method, item.purpose, item.purpose_id, item.attempts + 1, backoff, exc,
            )
            self.store.outbox_failed(item.id, error=str(exc), retry_in=backoff)
            return False
        self.store.outbox_done(item.id)
        if item.purpose == "quote_staff_post" and item.purpose_id is not None:
            self.store.set_quote_staff_message(item.purpose_id, channel_id=response["channel"], ts=response["ts"])
        return True
