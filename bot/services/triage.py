"""The triage service: classify a message, log the verdict, hand back everything a reply needs."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Protocol

from bot.db import NewVerdict, Store, VerdictPart
from model.catalog import MIXED, Catalog, Row
from model.language import detect_language
from model.prediction import Prediction

# Stored and echoed text is capped; the model itself reads at most model.classifier.MAX_MODEL_CHARS.
MAX_STORED_CHARS = 4000


class TextClassifier(Protocol):
    """What triage needs of a classifier (model.Classifier, or the serving process's hot-reloading one)."""

    def classify(self, text: str) -> Prediction: ...


@dataclass(frozen=True)
class Where:
    """Where a message was seen: opaque Slack ids, all optional (the shell has none)."""

    channel_id: str | None = None
    user_id: str | None = None
    message_ts: str | None = None
    team_id: str | None = None


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


def triage_message(
    text: str,
    *,
    classifier: TextClassifier,
    catalog: Catalog,
    store: Store,
    source: str,
    where: Where = Where(),
) -> Triage:
    """Classify `text` (InputError if empty), log the verdict and return the Triage."""
    text = text.strip()[:MAX_STORED_CHARS]
    prediction = classifier.classify(text)
    lang = detect_language(text)
    row = catalog.row(prediction.label)
    parts = tuple(VerdictPart(**asdict(p)) for p in prediction.parts) if prediction.verdict == MIXED else ()
    verdict_id = store.verdicts.log(
        NewVerdict(
            source=source,
            text=text,
            label=prediction.label,
            verdict=prediction.verdict,
            confidence=prediction.confidence,
            model_version=prediction.model_version,
            lang=lang,
            reason=prediction.reason,
            parts=parts,
            **where.__dict__,
        )
    )
    return Triage(
        text=text,
        lang=lang,
        prediction=prediction,
        row=row,
        product_name=catalog.product_name(row),
        verdict_id=verdict_id,
    )
