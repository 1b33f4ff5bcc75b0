"""A Slack request's effects and the reply they cause, written in one transaction: a crash leaves both or neither."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.db import OutboxCall, Store, Tx
from bot.slack.deps import Deps
from bot.slack.replies import respond_call


def queue_reply(store: Store, *, build: Callable[[Tx], OutboxCall]) -> int:
    """In one transaction: run `build(tx)` (which may log a verdict through tx) and queue the call it returns;
    returns the outbox id."""
    return store.transact(lambda tx: tx.outbox.enqueue(build(tx)))


def answer_privately(
    deps: Deps,
    *,
    body: Mapping[str, Any],
    message: Mapping[str, Any],
    purpose: str,
    replace_original: bool = False,
) -> None:
    """An ephemeral answer to the user who acted (or, with replace_original, a new version of the clicked
    message), through the outbox and the interaction's response_url (none for a click in App Home)."""
    response_url = body.get("response_url")
    if response_url:
        call = respond_call(
            response_url=str(response_url), message=message, purpose=purpose, replace_original=replace_original
        )
        deps.outbox.send(call)
