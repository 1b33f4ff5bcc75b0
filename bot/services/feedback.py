"""Feedback service: staff corrections from Slack and the CLI, trusted or queued for review, audited against the
current model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.db import AcceptedFeedback, FeedbackItem, Store
from bot.errors import ValidationError
from bot.services.feedback_audit import Auditor
from model.catalog import Catalog

FEEDBACK_SOURCES = ("slack", "cli", "import", "review", "review_queue")
# An import in which more than this share of the items contradicts the current model is refused without --force:
# that is what a shifted label column, or a relabelling campaign, looks like. Tiny files are only flagged.
IMPORT_REFUSAL_SHARE = 0.5
IMPORT_REFUSAL_MIN_ITEMS = 5


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
    auditor: Auditor | None = None,
) -> tuple[FeedbackItem, bool]:
    """Store a correction; (item, created). Accepted when it comes from a trusted reviewer and the audit does not
    flag it; pending review otherwise (a flagged item says why)."""
    label = check_label(catalog, label)
    if not text or not text.strip():
        raise ValidationError("feedback text is empty")
    audit = auditor.audit(text.strip(), label) if auditor is not None else None
    flag_reason = audit.flag_reason if audit is not None else None
    return store.feedback.add(
        text=text.strip(),
        label=label,
        source=source,
        status="accepted" if trusted and flag_reason is None else "pending",
        predicted_label=predicted_label or (audit.predicted_label if audit is not None else None),
        user_id=user_id,
        dedupe_key=dedupe_key,
        flag_reason=flag_reason,
    )


@dataclass(frozen=True)
class ImportResult:
    accepted: int
    flagged: int  # waiting for review: they contradict a confident prediction of the current model
    audited: bool  # False when there was no current model to audit against


def import_feedback(
    store: Store,
    pairs: Sequence[tuple[str, str]],
    *,
    auditor: Auditor | None,
    user: str,
    where: str,
    force: bool = False,
) -> ImportResult:
    """Import checked (text, label) pairs from a trusted source; flagged items wait for review.

    When most items contradict the current model, nothing is imported unless `force` (ValidationError naming
    `where`): a label column shifted by one line looks exactly like that.
    """
    audits = auditor.audit_many(pairs) if auditor is not None else []
    flagged = sum(a.flagged for a in audits)
    if not force and flagged >= IMPORT_REFUSAL_MIN_ITEMS and flagged > IMPORT_REFUSAL_SHARE * len(pairs):
        raise ValidationError(
            f"{where}: {flagged} of {len(pairs)} items contradict confident predictions of the current model; "
            "is the label column shifted? Nothing imported (check the file, or use --force to import them for review)"
        )
    store.feedback.add_many(
        AcceptedFeedback(
            text=text,
            label=label,
            source="import",
            user_id=user,
            reviewed_by=user,
            predicted_label=audits[i].predicted_label if audits else None,
            flag_reason=audits[i].flag_reason if audits else None,
        )
        for i, (text, label) in enumerate(pairs)
    )
    return ImportResult(accepted=len(pairs) - flagged, flagged=flagged, audited=auditor is not None)


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
    auditor: Auditor | None = None,
) -> FeedbackOutcome:
    """Feedback from a chat user on a logged verdict, or on one part of a mixed message: `label` is the right row
    (None confirms the bot's row).

    A trusted reviewer's feedback is accepted at once unless the audit flags it; everyone else's waits for
    review. One user's repeated click on the same answer and row is stored once.
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
        auditor=auditor,
    )
    return FeedbackOutcome(item=item, created=created, trusted=trusted, lang=verdict.lang)


def review_feedback(store: Store, feedback_id: int, *, accept: bool, reviewer: str) -> tuple[FeedbackItem, bool]:
    """A reviewer accepts or discards a pending (or flagged) item; (item, changed). Reviewed items stay as they are."""
    return store.feedback.review(feedback_id, accept=accept, reviewer=reviewer)


def discard_feedback(store: Store, feedback_id: int, *, by: str) -> tuple[FeedbackItem, bool]:
    """Withdraw accepted (or pending) feedback: the next training no longer uses it; (item, changed)."""
    return store.feedback.discard(feedback_id, by=by)
