"""Slack calls that must not be lost nor sent twice: stored first, sent at once, retried later if Slack fails."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.webhook import WebhookClient

from bot.db import OutboxCall, OutboxItem, Store
from bot.metrics import count_outbox_attempt
from bot.slack.pacing import ChannelPacer
from bot.slack.replies import POST, RESPOND, slack_host
from bot.slack.sent_check import find_posted, tagged
from bot.slack.uploads import UPLOAD, find_uploaded, upload

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 3600.0
# With the default 60 s retry doubling up to an hour, the 12th attempt comes about 7 hours after the first.
MAX_ATTEMPTS = 12
# Rate limited without saying how long: Slack's documented windows are per minute.
DEFAULT_RATE_LIMIT_WAIT = 60.0
# An auth or channel error is fixed by a person (a new token, an invite), not by waiting: retried every so often
# (and at once after `scope-bot outbox retry`), never given up.
PARK_RETRY_SECONDS = 900.0
PARK_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "team_access_not_granted",
    }
)
# Errors that say the call itself is wrong: no retry and no person can make it work as it is.
PERMANENT_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_arguments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "msg_too_long",
        "no_text",
        "user_not_found",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
    }
)
# Methods that post a new message: what the history check can find, and what the pacer spaces out (a file
# upload shares the file in a new message).
POSTING_METHODS = frozenset({POST, UPLOAD})


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


def _may_have_posted(exc: SlackApiError) -> bool:
    # A 5xx can come after Slack stored the message; an `ok: false` answer with HTTP 200 or 429 means it did not.
    response = exc.response
    return response is None or response.status_code >= 500


class _RefusedError(Exception):
    """A call that can never be delivered as it is (a response_url expired or off Slack's hosts)."""


class _UncheckedError(Exception):
    """The channel could not be searched for an earlier send (a transient error)."""


# Told of every delivered call with Slack's response (e.g. to remember where a post landed).
DeliveryHook = Callable[[OutboxItem, Mapping[str, Any]], None]
# Looks for an earlier send of a post or an upload in its channel (bot.slack.sent_check, bot.slack.uploads).
Finder = Callable[[WebClient, OutboxItem], Mapping[str, Any] | None]


class Outbox:
    """Durable delivery of Slack calls: replies, quote posts, confirmations, status notices, reports."""

    def __init__(
        self,
        store: Store,
        client: WebClient,
        *,
        retry_seconds: float = 60.0,
        on_delivered: DeliveryHook | None = None,
        pacer: ChannelPacer | None = None,
        api_url: str = "",
    ):
        self.store = store
        self.client = client
        self.retry_seconds = retry_seconds
        self.on_delivered = on_delivered
        self.pacer = pacer or ChannelPacer(0.0)
        self.api_url = api_url or client.base_url
        # A claim covers one row: a history check and a send, each at most one client timeout.
        self.lease_seconds = 2 * float(client.timeout or 30) + 5

    def send(self, call: OutboxCall, *, purpose_id: int | None = None) -> bool:
        """Store the call, then try it now; True if delivered, False if it waits for a retry."""
        return self.deliver(self.store.outbox.enqueue(call, purpose_id=purpose_id))

    def deliver(self, item_id: int) -> bool:
        """Try one stored call now (unless another worker has it); True if delivered."""
        item = self.store.outbox.claim(item_id, lease_seconds=self.lease_seconds)
        return self._deliver(item) if item else False

    def deliver_claimed(self, item: OutboxItem) -> bool:
        """Send a call the caller queued already claimed (bot.db.outbox.Outbox.enqueue_claimed); True if delivered."""
        return self._deliver(item)

    def flush(self, *, purpose_id: int | None = None, purposes: Collection[str] | None = None, limit: int = 100) -> int:
        """Try due calls one at a time, oldest first, or only those of `purpose_id` / `purposes`; returns how
        many were delivered."""
        delivered = 0
        for _ in range(limit):
            item = self.store.outbox.claim_next(
                lease_seconds=self.lease_seconds, purpose_id=purpose_id, purposes=purposes
            )
            if item is None:
                break
            delivered += self._deliver(item)
        return delivered

    def _deliver(self, item: OutboxItem) -> bool:
        if item.method in POSTING_METHODS:
            wait = self.pacer.wait_for(item.payload.get("channel"))
            if wait > 0:
                self.store.outbox.defer(item.id, seconds=wait, unconfirmed_since=item.unconfirmed_since)
                return False
        try:
            if item.method == RESPOND:
                self._respond(item)
                response: Mapping[str, Any] = {}
            elif item.method == UPLOAD:
                found = self._posted_before(item, find=find_uploaded) if item.unconfirmed_since else None
                response = found if found is not None else self._upload(item)
            elif item.method in POSTING_METHODS:
                found = self._posted_before(item) if item.unconfirmed_since else None
                if found is None:
                    answer = self.client.api_call(item.method, json=tagged(item.payload, item.id))
                    found = answer.data if isinstance(answer.data, dict) else {}
                response = found
            else:
                answer = self.client.api_call(item.method, json=item.payload)
                response = answer.data if isinstance(answer.data, dict) else {}
        except _UncheckedError as exc:
            # It may be in the channel already: keep it marked unconfirmed, so the next try looks again.
            log.warning("outbox #%d: could not search the channel for an earlier send, retrying: %s", item.id, exc)
            self.store.outbox.unconfirmed(item.id, error=str(exc), retry_in=self.retry_seconds)
            count_outbox_attempt(method=item.method, result="retry")
            return False
        except _RefusedError as exc:
            log.error("outbox #%d (%s) failed for good: %s", item.id, item.purpose, exc)
            self.store.outbox.give_up(item.id, error=str(exc))
            count_outbox_attempt(method=item.method, result="failed")
            return False
        except SlackApiError as exc:
            self._failed(item, exc, error=_slack_error(exc))
            return False
        except (SlackClientError, OSError) as exc:
            self._failed(item, exc, error="")
            return False
        self.store.outbox.done(item.id)
        count_outbox_attempt(method=item.method, result="sent")
        if self.on_delivered is not None:
            self.on_delivered(item, response)
        return True

    def _posted_before(self, item: OutboxItem, *, find: Finder = find_posted) -> Mapping[str, Any] | None:
        """Slack's copy of an earlier send of `item`, or None to send it; raises _UncheckedError when that cannot be
        known for now."""
        try:
            found = find(self.client, item)
        except SlackApiError as exc:
            error = _slack_error(exc)
            if error in PARK_ERRORS or error in PERMANENT_ERRORS:
                # Without the history scopes (or the channel) the check can never succeed: better a possible
                # duplicate than a reply that never comes.
                log.warning("outbox #%d: cannot search the channel for an earlier send (%s); sending", item.id, error)
                return None
            raise _UncheckedError(str(exc)) from exc
        except (SlackClientError, OSError) as exc:
            raise _UncheckedError(str(exc)) from exc
        if found is not None:
            log.info("outbox #%d was posted before its answer was stored; not posting it again", item.id)
        return found

    def _upload(self, item: OutboxItem) -> Mapping[str, Any]:
        try:
            return upload(self.client, item)
        except ValueError as exc:  # a row without a file can never be delivered
            raise _RefusedError(str(exc)) from exc

    def _respond(self, item: OutboxItem) -> None:
        url = str(item.payload.get("url") or "")
        if not slack_host(url, api_url=self.api_url):
            # Checked when queued too; a stored row must not become a request to wherever it points either.
            raise _RefusedError(f"response_url off Slack's hosts: {url[:100]}")
        answer = WebhookClient(url, timeout=self.client.timeout).send_dict(dict(item.payload.get("message") or {}))
        if answer.status_code in (404, 410):
            raise _RefusedError(f"response_url answered {answer.status_code} (expired or used up)")
        if answer.status_code >= 400:
            raise SlackClientError(f"response_url answered {answer.status_code}: {answer.body[:200]}")

    def _failed(self, item: OutboxItem, exc: Exception, *, error: str) -> None:
        outbox = self.store.outbox
        where = f"slack call {item.method} for {item.purpose} #{item.purpose_id} (outbox #{item.id})"
        retry_after = _retry_after(exc) if isinstance(exc, SlackApiError) else None
        if retry_after is not None:
            # Being rate limited says nothing about the call itself: wait as asked, without using up an attempt.
            log.warning("%s rate limited, retrying in %.0fs", where, retry_after)
            outbox.not_sent(item.id, error=str(exc), retry_in=retry_after, count_attempt=False)
            count_outbox_attempt(method=item.method, result="rate_limited")
            return
        if error in PERMANENT_ERRORS:
            log.error("%s failed for good (%s): %s", where, error, exc)
            outbox.give_up(item.id, error=str(exc))
            count_outbox_attempt(method=item.method, result="failed")
            return
        if error in PARK_ERRORS:
            log.error(
                "%s parked (%s), retrying every %.0fs or after 'scope-bot outbox retry': %s",
                where,
                error,
                PARK_RETRY_SECONDS,
                exc,
            )
            outbox.park(item.id, error=str(exc), retry_in=PARK_RETRY_SECONDS)
            count_outbox_attempt(method=item.method, result="parked")
            return
        attempt = item.attempts + 1
        if attempt >= MAX_ATTEMPTS:
            log.error("%s failed %d times, given up (re-queue with 'scope-bot outbox retry'): %s", where, attempt, exc)
            outbox.give_up(item.id, error=str(exc))
            count_outbox_attempt(method=item.method, result="failed")
            return
        backoff = min(self.retry_seconds * (2**item.attempts), MAX_BACKOFF_SECONDS)
        log.warning("%s failed (attempt %d), retrying in %.0fs: %s", where, attempt, backoff, exc)
        count_outbox_attempt(method=item.method, result="retry")
        if isinstance(exc, SlackApiError) and not _may_have_posted(exc):
            outbox.not_sent(item.id, error=str(exc), retry_in=backoff)
        else:
            outbox.unconfirmed(item.id, error=str(exc), retry_in=backoff)
