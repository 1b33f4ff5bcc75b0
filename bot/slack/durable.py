"""A Slack request's effects and the reply they cause, written in one transaction: a crash leaves both or neither."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.db import OutboxCall, Store, Tx
from bot.slack.deps import Deps
from bot.slack.replies import post_call, respond_call


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


def tell_privately(deps: Deps, *, body: Mapping[str, Any], text: str, purpose: str) -> None:
    """`text` for the user who acted alone: ephemeral where the interaction has a response_url; for a click in
    App Home (none), a message in the app's Messages tab, sent once however often the click is delivered."""
    if body.get("response_url"):
        answer_privately(deps, body=body, message={"text": text}, purpose=purpose)
        return
    user = str((body.get("user") or {}).get("id") or "")
    if not user:
        return
    action = (body.get("actions") or [{}])[0]
    key = f"{purpose}:{user}:{action.get('action_id')}:{action['action_ts']}" if action.get("action_ts") else None
    deps.outbox.send(post_call(channel=user, message={"text": text}, purpose=purpose, dedupe_key=key))
