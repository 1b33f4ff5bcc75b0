"""Staff buttons on a quote request post: feasible / quote sent / declined."""

from __future__ import annotations

from typing import Any

from bot import blocks
from bot.deps import deps_of
from bot.payloads import action_id, action_value, user_id
from bot.quotes import change_quote_status


def handle(ack: Any, body: dict, context: Any) -> None:
    ack()
    deps = deps_of(context)
    status = action_id(body).removeprefix(blocks.ACTION_QUOTE_STATUS + ":")
    change_quote_status(
        store=deps.store, outbox=deps.outbox, catalog=deps.catalog, ref=action_value(body), status=status, staff_user=user_id(body)
    )
