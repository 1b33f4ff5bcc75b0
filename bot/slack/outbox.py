"""Slack Web API calls that must not be lost: stored first, sent at once, retried later if Slack fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.db import OutboxCall, OutboxItem, Store

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0
# With the default 60 s retry doubling up to an hour, the 12th attempt comes about 7 hours after the first.
MAX_ATTEMPTS = 12
# Rate limited without saying how long: Slack's documented windows are per minute.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# Slack errors that no retry can fix: the call is given up at once (and logged) instead of retried forever.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "user_not_found",
        "cannot_dm_bot",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
        "message_not_found",
        "cant_update_message",
    }
)


def _slack_error(exc: SlackApiError) -> str:
    return str((exc.response.get("error") if exc.response is not None else None) or "")


def _retry_after(exc: SlackApiError) -> float | None:
    """Seconds Slack asked us to wait (HTTP 429 / `ratelimited`), else None."""
    response = exc.response
    if response is None or (response.status_code != 429 and _slack_error(exc) != "ratelimited"):
        return None
    headers = {str(k).lower(): v for k, v in (response.headers or {}).items()}
    value = headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None:
        return DEFAULT_RATE_LIMIT_WAIT
    try:
        return max(float(value), 1.0)
    except (TypeError, ValueError):
        return DEFAULT_RATE_LIMIT_WAIT


# Told of every delivered call with Slack's response (e.g. to remember where a post landed).
DeliveryHook = Callable[[OutboxItem, Mapping[str, Any]], None]


class Outbox:
    """Durable delivery of Slack calls (quote posts, confirmations, status notices, reports)."""

    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        retry_seconds: float = 60.0,
        on_delivered: DeliveryHook | None = None,
    ):
        self.store = store
        self.client = client
        self.retry_seconds = retry_seconds
        self.on_delivered = on_delivered
        # A claim must outlast one HTTP attempt, or a parallel flush could send the same call a second time.
        self.lease_seconds = max(retry_seconds, float(client.timeout or 30) + 5)

    def send(self, call: OutboxCall, *, purpose_id: int | None = None) -> bool:
        """Store the call, then try it now; True if delivered, False if it waits for a retry."""
        item_id = self.store.outbox.enqueue(call, purpose_id=purpose_id)
        item = self.store.outbox.claim(item_id, lease_seconds=self.lease_seconds)
        return self._deliver(item) if item else False

    def flush(self, *, purpose_id: int | None = None, purposes: Collection[str] | None = None) -> int:
        """Try every due call once, or only those of `purpose_id` / `purposes` (claimed with a lease, so
        parallel workers never send one twice); returns how many were delivered."""
        delivered = 0
        for item in self.store.outbox.claim_due(
            lease_seconds=self.lease_seconds, purpose_id=purpose_id, purposes=purposes
        ):
            delivered += self._deliver(item)
        return delivered

    def _deliver(self, item: OutboxItem) -> bool:
        try:
            response = self.client.api_call(item.method, json=item.payload)
        except SlackApiError as exc:
            self._failed(item, exc, permanent=_slack_error(exc) in PERMANENT_ERRORS, retry_after=_retry_after(exc))
            return False
        except (SlackClientError, OSError) as exc:
            self._failed(item, exc, permanent=False, retry_after=None)
            return False
        self.store.outbox.done(item.id)
        if self.on_delivered is not None:
            self.on_delivered(item, response.data if isinstance(response.data, dict) else {})
        return True

    def _failed(self, item: OutboxItem, exc: Exception, *, permanent: bool, retry_after: float | None) -> None:
        if retry_after is not None:
            # Being rate limited says nothing about the call itself: wait as asked, without using up an attempt.
            log.warning(
                "slack call %s for %s #%s (outbox #%d) rate limited, retrying in %.0fs",
                item.method,
                item.purpose,
                item.purpose_id,
                item.id,
                retry_after,
            )
            self.store.outbox.retry_later(item.id, error=str(exc), retry_in=retry_after, count_attempt=False)
            return
        attempt = item.attempts + 1
        if permanent or attempt >= MAX_ATTEMPTS:
            reason = "permanent error" if permanent else f"{attempt} attempts"
            log.error(
                "slack call %s for %s #%s (outbox #%d) failed for good (%s): %s",
                item.method,
                item.purpose,
                item.purpose_id,
                item.id,
                reason,
                exc,
            )
            self.store.outbox.give_up(item.id, error=str(exc))
            return
        backoff = min(self.retry_seconds * (2**item.attempts), MAX_BACKOFF_SECONDS)
        log.warning(
            "slack call %s for %s #%s (outbox #%d) failed (attempt %d), retrying in %.0fs: %s",
            item.method,
            item.purpose,
            item.purpose_id,
            item.id,
            attempt,
            backoff,
            exc,
        )
        self.store.outbox.retry_later(item.id, error=str(exc), retry_in=backoff)
