"""The triage service: classify a message, log the verdict, hand back everything a reply needs."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.db import NewVerdict, Records, VerdictAlternative, VerdictPart
from bot.metrics import count_verdict
from model.catalog import LOW_CONFIDENCE, MIXED, NOT_COVERED, UNSURE, Catalog, Row
from model.language import detect_language
from model.prediction import Prediction

verdict_log = logging.getLogger("scope_bot.verdicts")
# The unsure answers that ask a person to take over (chatter, `not_a_request`, is only told so).
HANDED_OVER = frozenset({NOT_COVERED, LOW_CONFIDENCE})
# Stored and echoed text is capped; the model itself reads at most model.classifier.MAX_MODEL_CHARS.
MAX_STORED_CHARS = 4000


class TextClassifier(Protocol):
    """What triage needs of a classifier (model.Classifier, or the serving process's hot-reloading one)."""

    def classify(self, text: str) -> Prediction: ...

    def classify_many(self, texts: Sequence[str]) -> list[Prediction]: ...


@dataclass(frozen=True)
class Where:
    """Where a message was seen: opaque Slack ids, all optional (the shell has none)."""

    channel_id: str | None = None
    user_id: str | None = None
    message_ts: str | None = None
    team_id: str | None = None
    request_id: str | None = None  # Slack's event or trigger id: follows the request through the logs


@dataclass(frozen=True)
class Triage:
    """One classified message, ready to render."""

    text: str
    lang: str
    prediction: Prediction
    row: Row
    product_name: str
    verdict_id: int

    @property
    def verdict(self) -> str:
        """The prediction's verdict."""
        return self.prediction.verdict


@dataclass(frozen=True)
class Assessment:
    """A classified message, not yet logged: what is computed before a transaction opens."""

    text: str
    lang: str
    prediction: Prediction


def assess(text: str, *, classifier: TextClassifier) -> Assessment:
    """Classify `text` (capped to what is stored) and detect its language; touches no database."""
    text = text.strip()[:MAX_STORED_CHARS]
    return Assessment(text=text, lang=detect_language(text), prediction=classifier.classify(text))


def assess_many(texts: Sequence[str], *, classifier: TextClassifier) -> list[Assessment]:
    """assess for a batch: one vectorisation for all of them (what the responder does with waiting mentions)."""
    cut = [text.strip()[:MAX_STORED_CHARS] for text in texts]
    predictions = classifier.classify_many(cut)
    return [Assessment(text=t, lang=detect_language(t), prediction=p) for t, p in zip(cut, predictions, strict=True)]


def margin_of(prediction: Prediction) -> float | None:
    """How sure the model was: the top label's probability minus the second's. For a mixed message, its least sure
    part's 2p - 1, p that part's verdict probability (a part keeps no per-row probabilities, and the whole text's
    ranking blends its requests)."""
    if prediction.verdict == MIXED and prediction.parts:
        return 2 * min(p.confidence for p in prediction.parts) - 1
    ranked = prediction.alternatives
    if not ranked:
        return None
    return ranked[0].probability - (ranked[1].probability if len(ranked) > 1 else 0.0)


def record(
    assessment: Assessment,
    *,
    catalog: Catalog,
    records: Records,
    source: str,
    where: Where = Where(),
) -> Triage:
    """Log the verdict through `records` (a Store, or an open transaction) and return the Triage."""
    prediction = assessment.prediction
    row = catalog.row(prediction.label)
    parts = tuple(VerdictPart(**asdict(p)) for p in prediction.parts) if prediction.verdict == MIXED else ()
    verdict_id = records.verdicts.log(
        NewVerdict(
            source=source,
            text=assessment.text,
            label=prediction.label,
            verdict=prediction.verdict,
            confidence=prediction.confidence,
            model_version=prediction.model_version,
            lang=assessment.lang,
            reason=prediction.reason,
            parts=parts,
            margin=margin_of(prediction),
            alternatives=tuple(VerdictAlternative(a.label, a.probability) for a in prediction.alternatives),
            team_id=where.team_id,
            channel_id=where.channel_id,
            user_id=where.user_id,
            message_ts=where.message_ts,
        )
    )
    # Counted and logged once it is committed: not for an attempt rolled back, nor twice for a retried one.
    records.after_commit(lambda: _count(prediction, source=source, where=where, verdict_id=verdict_id))
    return Triage(
        text=assessment.text,
        lang=assessment.lang,
        prediction=prediction,
        row=row,
        product_name=catalog.product_name(row),
        verdict_id=verdict_id,
    )


def _count(prediction: Prediction, *, source: str, where: Where, verdict_id: int) -> None:
    handed_over = prediction.verdict == UNSURE and prediction.reason in HANDED_OVER
    count_verdict(
        source=source,
        verdict=prediction.verdict,
        row=prediction.label,
        reason=prediction.reason,
        handed_over=handed_over,
    )
    verdict_log.info(
        "verdict #%d: %s %s (%.2f)",
        verdict_id,
        prediction.verdict,
        prediction.label,
        prediction.confidence,
        extra={
            "request_id": where.request_id,
            "source": source,
            "team": where.team_id,
            "channel": where.channel_id,
            "verdict": prediction.verdict,
            "row": prediction.label,
            "reason": prediction.reason,
            "confidence": round(prediction.confidence, 3),
            "model_version": prediction.model_version,
            "verdict_id": verdict_id,
        },
    )


def triage_message(
    text: str,
    *,
    classifier: TextClassifier,
    catalog: Catalog,
    store: Records,
    source: str,
    where: Where = Where(),
) -> Triage:
    """Classify `text`, log the verdict and return the Triage."""
    return record(assess(text, classifier=classifier), catalog=catalog, records=store, source=source, where=where)
