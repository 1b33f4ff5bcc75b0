"""Shared step of both feedback controls: store the feedback and thank the user ephemerally."""

from __future__ import annotations

from typing import Any

from bot.deps import Deps
from bot.feedback import record_feedback
from bot.payloads import user_id
from bot.texts import t


def store_feedback(deps: Deps, *, body: dict, respond: Any, verdict_id: int, label: str) -> None:
    """Record feedback on verdict `verdict_id` from the acting user; reviewers' feedback is accepted at once."""
    verdict = deps.store.verdict(verdict_id)
    user = user_id(body)
    trusted = deps.reviewers.is_reviewer(user)
    _, created = record_feedback(
        store=deps.store,
        catalog=deps.catalog,
        text=verdict["text"],
        label=label,
        predicted_label=verdict["label"],
        source="slack",
        user_id=user,
        trusted=trusted,
        dedupe_key=f"slack:{verdict_id}:{user}:{label}",
    )
    key = "feedback_duplicate" if not created else "feedback_thanks" if trusted else "feedback_thanks_pending"
    respond(text=t(verdict["lang"], key), response_type="ephemeral", replace_original=False)
