"""Feedback service: staff corrections from Slack and the CLI, trusted or queued for review."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import FeedbackItem, Store
from bot.errors import ValidationError
from model.catalog import Catalog

FEEDBACK_SOURCES = ("slack", "cli", "import", "review")


def check_label(catalog: Catalog, label: str) -> str:
    """`label` if it is a row id or `none`; ValidationError listing the valid labels otherwise."""
    label = (label or "").strip()
    if label not in catalog.labels:
        raise ValidationError(f"unknown label {label!r}; valid labels: {', '.join(catalog.labels)}")
    return label


def record_feedback(
    store: Store,
    *,
    catalog: Catalog,
    text: str,
    label: str,
    source: str,
    trusted: bool,
    predicted_label: str | None = None,
    user_id: str | None = None,
    dedupe_key: str | None = None,
) -> tuple[FeedbackItem, bool]:
    """Store a correction: accepted when it comes from a trusted reviewer, else pending review. (item, created)."""
    label = check_label(catalog, label)
    if not text or not text.strip():
        raise ValidationError("feedback text is empty")
    return store.feedback.add(
        text=text.strip(),
        label=label,
        source=source,
        status="accepted" if trusted else "pending",
        predicted_label=predicted_label,
        user_id=user_id,
        dedupe_key=dedupe_key,
    )


@dataclass(frozen=True)
class FeedbackOutcome:
    item: FeedbackItem
    created: bool
    trusted: bool
    lang: str  # the language of the answered message, to thank the user in it


def feedback_on_verdict(
    store: Store,
    *,
    catalog: Catalog,
    verdict_id: int,
    user_id: str,
    trusted: bool,
    label: str | None = None,
    part: int | None = None,
) -> FeedbackOutcome:
    """Feedback from a chat user on a logged verdict, or on one part of a mixed message: `label` is the right row
    (None confirms the bot's row).

    A trusted reviewer's feedback is accepted at once, everyone else's waits for review; one user's repeated
    click on the same answer and row is stored once.
    """
    verdict = store.verdicts.get(verdict_id)
    answered = verdict.part(part)
    label = label or answered.label
    where = f"{verdict_id}" if part is None else f"{verdict_id}.{part}"
    item, created = record_feedback(
        store,
        catalog=catalog,
        text=answered.text,
        label=label,
        predicted_label=answered.label,
        source="slack",
        user_id=user_id,
        trusted=trusted,
        dedupe_key=f"slack:{where}:{user_id}:{label}",
    )
    return FeedbackOutcome(item=item, created=created, trusted=trusted, lang=verdict.lang)


def review_feedback(store: Store, feedback_id: int, *, accept: bool, reviewer: str) -> tuple[FeedbackItem, bool]:
    """A reviewer accepts or discards a pending item; (item, changed). Reviewed items stay as they are."""
    return store.feedback.review(feedback_id, accept=accept, reviewer=reviewer)
