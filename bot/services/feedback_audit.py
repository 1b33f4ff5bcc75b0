"""The feedback audit: a correction that contradicts a confident prediction of the current model is flagged and
waits for a reviewer, however trusted its author, so that one bad import or click cannot teach the model alone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.db import Store
from bot.services.model_store import current_classifier
from bot.settings import Settings
from model.catalog import IN_SCOPE, OUT_OF_SCOPE
from model.classifier import Classifier
from model.errors import ModelFormatError, ModelNotFoundError
from model.prediction import Prediction

# Below this share of content words the model saw in training, its confidence is no evidence against staff: it rests
# on the words around a new name ("unser Frobnozzle wackelt" looks like chatter), and a correction made of new words
# can move only messages that use them. The curated sets in the retraining gate still guard every row.
MIN_KNOWN_SHARE = 0.5


@dataclass(frozen=True)
class Audit:
    """What the current model said about a feedback text, and why the item is flagged (None: it is not)."""

    predicted_label: str  # the model's most likely label
    probability: float  # and its probability
    flag_reason: str | None

    @property
    def flagged(self) -> bool:
        """The feedback contradicts a confident prediction."""
        return self.flag_reason is not None


def contradiction(
    prediction: Prediction, label: str, *, label_info: Mapping[str, Mapping[str, str]], min_confidence: float
) -> str | None:
    """Why `label` contradicts a confident `prediction` (its top label, or its verdict), or None."""
    top = prediction.alternatives[0] if prediction.alternatives else None
    if top is not None and top.label != label and top.probability >= min_confidence:
        return f"the current model is {top.probability:.0%} sure it is {top.label}"
    said = prediction.verdict
    claimed = label_info.get(label, {}).get("verdict")
    # The row may be unclear (twin rows of two products) while the verdict is not: "included" vs "paid" matters most.
    if said in (IN_SCOPE, OUT_OF_SCOPE) and prediction.confidence >= min_confidence and claimed != said:
        return f"the current model is {prediction.confidence:.0%} sure it is {said.replace('_', ' ')}"
    return None


@dataclass(frozen=True)
class Auditor:
    """Audits feedback against one model."""

    classifier: Classifier
    min_confidence: float

    def audit_many(self, pairs: Sequence[tuple[str, str]]) -> list[Audit]:
        """One Audit per (text, label), classified in one batch."""
        if not pairs:
            return []
        texts = [text for text, _ in pairs]
        predictions = self.classifier.classify_many(texts, explain=False)
        shares = self.classifier.known_word_shares(texts)
        return [
            self._audit(p, label, known=share >= MIN_KNOWN_SHARE)
            for p, (_, label), share in zip(predictions, pairs, shares, strict=True)
        ]

    def audit(self, text: str, label: str) -> Audit:
        """The Audit of one feedback item."""
        return self.audit_many([(text, label)])[0]

    def _audit(self, prediction: Prediction, label: str, *, known: bool) -> Audit:
        top = prediction.alternatives[0] if prediction.alternatives else None
        reason = contradiction(
            prediction, label, label_info=self.classifier.label_info, min_confidence=self.min_confidence
        )
        return Audit(
            predicted_label=top.label if top else prediction.label,
            probability=top.probability if top else prediction.label_probability,
            flag_reason=reason if known else None,
        )


def load_auditor(settings: Settings, store: Store) -> Auditor | None:
    """An Auditor with the current model, or None when there is no model yet (nothing to audit against)."""
    try:
        classifier = current_classifier(settings, store)
    except (ModelNotFoundError, ModelFormatError):
        return None  # nothing a correction could contradict (an old-format model is replaced by the next train)
    return Auditor(classifier, min_confidence=settings.audit_confidence)
