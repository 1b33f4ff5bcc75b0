"""The triage service: classify a message, log the verdict, hand back everything a reply needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

from bot.db import NewVerdict, Records, VerdictPart
from model.catalog import MIXED, Catalog, Row
from model.language import detect_language
from model.prediction import Prediction

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
            **where.__dict__,
        )
    )
    return Triage(
        text=assessment.text,
        lang=assessment.lang,
        prediction=prediction,
        row=row,
        product_name=catalog.product_name(row),
        verdict_id=verdict_id,
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
