"""The review queue: the week's messages the model was least sure of, for reviewers to answer with the right row
(accepted feedback, which the next training uses) or to skip as not useful."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.db import FeedbackItem, QueueDecision, Records, Store, Tx, VerdictRecord
from bot.errors import NotFoundError, ValidationError
from bot.services.feedback import check_label
from bot.services.feedback_audit import Auditor
from model.catalog import LOW_CONFIDENCE, MIXED, NOT_COVERED, Catalog

QUEUE_DAYS = 7
QUEUE_ITEMS = 20
# A verdict whose top two rows are closer than this is a candidate whatever its verdict (also chatter the model
# hesitated to call "not a request"); hand-overs for low confidence or no covering row, and mixed answers, always.
MARGIN_CUT = 0.2
HANDOVER_REASONS = (LOW_CONFIDENCE, NOT_COVERED)
QUEUE_SOURCES = ("mention", "command", "shortcut")  # what users asked in Slack, not the staff's local shell
FEEDBACK_SOURCE = "review_queue"
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Candidate:
    """A row a reviewer may pick, with the model's probability for it (None when the verdict kept none)."""

    label: str
    probability: float | None


@dataclass(frozen=True)
class QueueItem:
    """One message of the review queue, and what is asked about it."""

    verdict_id: int
    created_at: datetime
    text: str  # what is asked about: the message, or for a mixed message its least sure part
    part: int | None  # that part's index
    verdict: str  # the bot's verdict on the whole message
    reason: str | None
    label: str  # the bot's row for `text`
    confidence: float
    margin: float | None  # None for verdicts logged before margins were kept (they rank last)
    candidates: tuple[Candidate, ...]
    lang: str


@dataclass(frozen=True)
class QueueResult:
    """What a reviewer's answer or skip did."""

    item: QueueItem
    decided: bool  # this call decided; False: the message had been decided before (a double click, a retry)
    decision: QueueDecision
    feedback: FeedbackItem | None  # the accepted feedback the message's answer became


def queue_item(verdict: VerdictRecord) -> QueueItem:
    """The queue's view of a logged verdict: a mixed message is asked about by its least sure part."""
    part = None
    if verdict.verdict == MIXED and verdict.parts:
        part = min(range(len(verdict.parts)), key=lambda i: verdict.parts[i].confidence)
    asked = verdict.part(part)
    if part is None:
        ranked = [Candidate(a.label, a.probability) for a in verdict.alternatives[:MAX_CANDIDATES]]
    else:  # the message's ranking blends its requests: its rows are offered, its probabilities are not the part's
        ranked = [Candidate(a.label, None) for a in verdict.alternatives[:MAX_CANDIDATES]]
        ranked.insert(0, Candidate(asked.label, None))
    candidates: list[Candidate] = []
    for candidate in ranked:
        if candidate.label not in {c.label for c in candidates} and len(candidates) < MAX_CANDIDATES:
            candidates.append(candidate)
    if asked.label not in {c.label for c in candidates}:
        candidates.append(Candidate(asked.label, None))  # the bot's own row is always offered
    return QueueItem(
        verdict_id=verdict.id,
        created_at=verdict.created_at,
        text=asked.text,
        part=part,
        verdict=verdict.verdict,
        reason=verdict.reason,
        label=asked.label,
        confidence=asked.confidence,
        margin=verdict.margin,
        candidates=tuple(candidates),
        lang=verdict.lang,
    )


def uncertain_queue(records: Records, *, days: int = QUEUE_DAYS, limit: int = QUEUE_ITEMS) -> list[QueueItem]:
    """The last `days` days' undecided messages the model was least sure of, lowest margin first."""
    if days < 1 or limit < 1:
        raise ValidationError("days and limit must be at least 1")
    found = records.verdicts.uncertain(
        days=days,
        sources=QUEUE_SOURCES,
        verdicts_in=(MIXED,),
        reasons_in=HANDOVER_REASONS,
        margin_below=MARGIN_CUT,
        limit=limit,
    )
    return [queue_item(v) for v in found]


def answer_queue_item(
    store: Store, *, catalog: Catalog, verdict_id: int, label: str, reviewer: str, auditor: Auditor | None
) -> QueueResult:
    """A reviewer's answer: `label` is the right row for the item, stored as accepted feedback, once per message.

    The click is itself a reviewer's decision on the model's uncertain answer, so it is accepted even when the
    audit objects; the audit's reason is kept on the item (`feedback list --flagged`), and the retrain gate's
    contested-feedback check still limits what such corrections can change.
    """
    item = queue_item(store.verdicts.get(verdict_id))
    label = check_label(catalog, label)
    text = item.text.strip()
    if not text:
        raise ValidationError(f"verdict #{verdict_id} has no text to learn from")
    audit = auditor.audit(text, label) if auditor is not None else None

    def work(tx: Tx) -> bool:
        if not tx.verdicts.decide(verdict_id, by=reviewer, outcome="answered", label=label):
            return False
        feedback, _ = tx.feedback.add(
            text=text,
            label=label,
            source=FEEDBACK_SOURCE,
            status="accepted",
            predicted_label=item.label,
            user_id=reviewer,
            dedupe_key=f"{FEEDBACK_SOURCE}:{verdict_id}",
            flag_reason=audit.flag_reason if audit is not None else None,
        )
        tx.verdicts.link_feedback(verdict_id, feedback.id)
        return True

    return _result(store, item, decided=store.transact(work, attempts=2))


def skip_queue_item(store: Store, *, verdict_id: int, reviewer: str) -> QueueResult:
    """A reviewer finds the message not useful to learn from: it leaves the queue, and nothing is learnt."""
    item = queue_item(store.verdicts.get(verdict_id))
    decided = store.transact(lambda tx: tx.verdicts.decide(verdict_id, by=reviewer, outcome="skipped"), attempts=2)
    return _result(store, item, decided=decided)


def _result(store: Store, item: QueueItem, *, decided: bool) -> QueueResult:
    decision = store.verdicts.decision(item.verdict_id)
    if decision is None:  # cannot be: decide() made it, or found it made
        raise NotFoundError(f"verdict #{item.verdict_id} has no review queue decision")
    feedback = store.feedback.get(decision.feedback_id) if decision.feedback_id is not None else None
    return QueueResult(item=item, decided=decided, decision=decision, feedback=feedback)
