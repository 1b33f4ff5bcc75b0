"""Turning class probabilities into a scope verdict, and the Prediction the rest of the system consumes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from model.catalog import IN_SCOPE, NONE_LABEL, OUT_OF_SCOPE, UNSURE


@dataclass(frozen=True)
class Alternative:
    label: str
    probability: float


@dataclass(frozen=True)
class Prediction:
    """What the classifier says about one message."""

    label: str  # row id, or "none"
    product: str  # product id of the row, "" for none
    verdict: str  # in_scope | out_of_scope | unsure
    confidence: float  # probability mass of the winning verdict (in-scope rows vs out-of-scope rows)
    label_probability: float
    alternatives: tuple[Alternative, ...]  # top 3 labels with probabilities, best first
    explanation: tuple[str, ...]  # the terms that pushed the decision most
    model_version: str
    low_confidence: bool  # true when a real row won but its verdict's mass is below the threshold

    @property
    def row(self) -> str | None:
        """The row id, or None when the message is not a support request."""
        return None if self.label == NONE_LABEL else self.label

    def to_dict(self) -> dict:
        """JSON-ready form (used by `classify --jsonl`, metadata and logs)."""
        data = asdict(self)
        data["row"] = self.row
        data["confidence"] = round(self.confidence, 4)
        data["label_probability"] = round(self.label_probability, 4)
        data["alternatives"] = [{"label": a.label, "probability": round(a.probability, 4)} for a in self.alternatives]
        data["explanation"] = list(self.explanation)
        return data


@dataclass(frozen=True)
class Decision:
    label: str
    verdict: str
    confidence: float
    low_confidence: bool


def decide(
    probabilities: Mapping[str, float], *, label_info: Mapping[str, Mapping[str, str]], threshold: float
) -> Decision:
    """Pick label and verdict: verdict by probability mass summed per verdict, label = best row of that verdict.

    A message that is clearly about "account" but unclear about the product splits its probability between
    cstack.account and cloudgpu.account; summing per verdict keeps it confidently in scope.
    """
    top = max(probabilities, key=probabilities.__getitem__)
    mass = {IN_SCOPE: 0.0, OUT_OF_SCOPE: 0.0}
    for label, p in probabilities.items():
        verdict = label_info[label]["verdict"]
        if verdict in mass:
            mass[verdict] += p
    if top == NONE_LABEL:
        return Decision(label=NONE_LABEL, verdict=UNSURE, confidence=probabilities[NONE_LABEL], low_confidence=False)
    winner = IN_SCOPE if mass[IN_SCOPE] >= mass[OUT_OF_SCOPE] else OUT_OF_SCOPE
    label = max(
        (lbl for lbl in probabilities if label_info[lbl]["verdict"] == winner),
        key=probabilities.__getitem__,
    )
    confidence = mass[winner]
    if confidence < threshold:
        return Decision(label=label, verdict=UNSURE, confidence=confidence, low_confidence=True)
    return Decision(label=label, verdict=winner, confidence=confidence, low_confidence=False)
