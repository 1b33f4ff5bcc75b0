"""Events stored before their acknowledgement and not answered yet: the responder's work, and the recovery of
events whose worker died before answering them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.db.events import InboxEvent
from bot.db.timestamps import utc_now
from bot.slack.deps import Deps
from bot.slack.listeners.events import app_mention

log = logging.getLogger(__name__)

# A live worker or responder answers within a second; an event older than this and not handled lost its worker.
ORPHAN_SECONDS = 30.0
# Mentions classified together (one vectorisation), each then answered in a transaction of its own.
BATCH = 20
# Acknowledgements first: while a burst of mentions is arriving (this many waiting), the responder holds off
# answering for up to HOLD_SECONDS, so that the acknowledgements, which Slack wants within 3 s, do not share the
# CPU and SQLite's one write lock with the replies. A burst's replies queue behind one another anyway.
BURST = 20
HOLD_SECONDS = 1.0


def answer_after_burst(
    deps: Deps, *, burst: int = BURST, hold_seconds: float = HOLD_SECONDS, now: Callable[[], datetime] = utc_now
) -> int:
    """The responder's round: answer the waiting mentions, unless `burst` or more are waiting and none of them
    for `hold_seconds` yet; returns how many this call answered."""
    backlog = deps.store.events.backlog()
    if backlog.oldest is None:
        return 0
    if backlog.count >= burst and now() - backlog.oldest < timedelta(seconds=hold_seconds):
        return 0
    return answer_waiting(deps, older_than_seconds=0)


def answer_waiting(deps: Deps, *, older_than_seconds: float = ORPHAN_SECONDS, limit: int = 200) -> int:
    """Answer the stored events not handled after `older_than_seconds` (up to `limit`, oldest first, a batch at a
    time); returns how many this call answered."""
    answered = seen = 0
    while seen < limit:
        batch = deps.store.events.unhandled(older_than_seconds=older_than_seconds, limit=BATCH)
        if not batch:
            break
        seen += len(batch)
        mentions = [e for e in batch if _is_mention(deps, e)]
        if older_than_seconds >= ORPHAN_SECONDS:
            for event in mentions:
                log.warning("inbox: answering %s, received %s, whose worker did not", event.key, event.received_at)
        try:
            answered += app_mention.answer_many(deps, [e.payload for e in mentions])
        except (KeyError, TypeError, AttributeError):
            answered += sum(_answer_alone(deps, e) for e in mentions)  # find the malformed one
    return answered


def _is_mention(deps: Deps, event: InboxEvent) -> bool:
    kind = (event.payload.get("event") or {}).get("type")
    if kind == "app_mention":
        return True
    log.error("inbox: no handler for a stored %s event %s; marking it handled", kind, event.key)
    deps.store.events.mark_handled(event.key)
    return False


def _answer_alone(deps: Deps, event: InboxEvent) -> int:
    try:
        return app_mention.answer_many(deps, [event.payload])
    except (KeyError, TypeError, AttributeError) as exc:
        # Only verified Slack requests are stored, so this is a malformed one: answering it again cannot help.
        log.error("inbox: stored event %s cannot be answered (%r); marking it handled", event.key, exc)
        deps.store.events.mark_handled(event.key)
        return 0
