"""@scope-bot in a channel: reply in the mention's thread, visible to the channel.

Before Bolt acknowledges, a listener middleware stores the event in the inbox (one short INSERT): a repeat is
recognised there and ignored, and a worker killed before the INSERT committed gets Slack's retry. After the
acknowledgement it is answered (by the listener, or under `scope-bot serve` by the responder process): one
transaction marks the event handled, logs the verdict and queues the reply, which is then sent. An event whose
worker died in between is answered by the inbox task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

from slack_bolt import BoltResponse

from bot.db import OutboxCall, OutboxItem, Tx
from bot.services.triage import Assessment, Where, assess_many, record
from bot.slack.deps import Deps, deps_of
from bot.slack.payloads import event_key, mention_text, reply_thread_ts, request_id
from bot.slack.replies import MENTION_REPLY, post_call
from bot.slack.texts import t
from bot.slack.ui.help import help_blocks
from bot.slack.ui.verdict import verdict_message, verdict_metadata

log = logging.getLogger(__name__)


def receive(body: dict, context: Any, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
    """Store the event before the acknowledgement; a delivery seen before is acknowledged and ignored."""
    key = event_key(body)
    if key is not None and not deps_of(context).store.events.receive(key, body):
        log.info("ignoring repeated delivery of %s", key)
        return BoltResponse(status=200, body="")
    next()
    return None


def _reply(deps: Deps, tx: Tx, body: Mapping[str, Any], assessment: Assessment | None) -> OutboxCall:
    event = body.get("event") or {}
    if assessment is None:
        message: dict[str, Any] = {"text": t("en", "empty_command"), "blocks": help_blocks("en")}
    else:
        where = Where(
            channel_id=event.get("channel"),
            user_id=event.get("user"),
            message_ts=event.get("ts"),
            team_id=body.get("team_id"),
            request_id=request_id(body),
        )
        triage = record(assessment, catalog=deps.catalog, records=tx, source="mention", where=where)
        message = {
            **verdict_message(triage, catalog=deps.catalog, support_group=deps.settings.support_group),
            "metadata": verdict_metadata(triage),
            "unfurl_links": False,
        }
    return post_call(channel=event["channel"], thread_ts=reply_thread_ts(event), message=message, purpose=MENTION_REPLY)


def answer_many(deps: Deps, bodies: Sequence[Mapping[str, Any]]) -> int:
    """Answer stored mentions: classified together, each reply queued in a transaction that marks its mention
    handled, then sent (what Slack refuses now, the outbox retries); returns how many were answered here (one
    handled already, by another worker, is skipped)."""
    texts = [mention_text(body.get("event") or {}) for body in bodies]
    asked = [i for i, text in enumerate(texts) if text]
    assessed = assess_many([texts[i] for i in asked], classifier=deps.classifier) if asked else []
    assessments = dict(zip(asked, assessed, strict=True))
    # A transaction per mention, not per batch: SQLite has one writer at a time, and an acknowledgement's INSERT
    # waited for a whole batch's writes (about 11 ms for 20 mentions; a few tenths of a millisecond for one).
    items = []
    for i, body in enumerate(bodies):
        item = deps.store.transact(partial(_queue_reply, deps, body, assessments.get(i)))
        if item is not None:
            items.append(item)
    for item in items:
        deps.outbox.deliver_claimed(item)
    return len(items)


def _queue_reply(deps: Deps, body: Mapping[str, Any], assessment: Assessment | None, tx: Tx) -> OutboxItem | None:
    key = event_key(body)
    if key is not None and not tx.events.mark_handled(key):
        return None
    return tx.outbox.enqueue_claimed(_reply(deps, tx, body, assessment), lease_seconds=deps.outbox.lease_seconds)


def handle(ack: Any, body: dict, context: Any) -> None:
    """After the acknowledgement: answer the stored mention (unless the responder process does)."""
    ack()
    deps = deps_of(context)
    if deps.answer_inline:
        answer_many(deps, [body])
