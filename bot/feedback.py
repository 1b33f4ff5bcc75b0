"""Feedback service: staff corrections from Slack and the CLI, trusted or queued for review."""

from __future__ import annotations

from bot.errors import ValidationError
from bot.store import FeedbackItem, Store
from model.catalog import Catalog

FEEDBACK_SOURCES = ("slack", "cli", "import", "review")


def check_label(catalog: Catalog, label: str) -> str:
    """`label` if it is a row id or `none`; ValidationError listing the valid labels otherwise."""
    label = (label or "").strip()
    if label not in catalog.labels:
        raise ValidationError(f"unknown label {label!r}; valid labels: {', '.join(catalog.labels)}")
    return label


def record_feedback(
    *,
    store: Store,
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
    return store.add_feedback(
        text=text.strip(),
        label=label,
        source=source,
        status="accepted" if trusted else "pending",
        predicted_label=predicted_label,
        user_id=user_id,
        dedupe_key=dedupe_key,
    )
