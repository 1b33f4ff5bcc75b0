"""Turning class probabilities into a scope verdict, and the Prediction the rest of the system consumes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from model.catalog import (
    IN_SCOPE,
    LOW_CONFIDENCE,
    NONE_LABEL,
    NOT_A_REQUEST,
    NOT_COVERED,
    OTHER_LABEL,
    OUT_OF_SCOPE,
    UNSURE,
)

LabelInfo = Mapping[str, Mapping[str, str]]


@dataclass(frozen=True)
class Alternative:
    label: str
    probability: float


@dataclass(frozen=True)
class Decision:
    """The verdict on one text (a whole message or one of its parts)."""

    label: str
    verdict: str  # in_scope | out_of_scope | unsure
    confidence: float  # probability mass of the winning verdict (or of `none` / `other`)
    reason: str | None  # why unsure: not_a_request | not_covered | low_confidence


@dataclass(frozen=True)
class Part:
    """One request of a message: its verbatim span and its own verdict."""

    text: str
    start: int
    end: int
    label: str
    verdict: str
    confidence: float
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {**asdict(self), "confidence": round(self.confidence, 4)}


@dataclass(frozen=True)
class Prediction:
    """What the classifier says about one message."""

    label: str  # row id, `other` or `none`; for mixed: the row of the first part
    product: str  # product id of the row, "" for other and none
    verdict: str  # in_scope | out_of_scope | mixed | unsure
    confidence: float  # probability mass of the winning verdict; for mixed the least sure part's
    label_probability: float
    alternatives: tuple[Alternative, ...]  # top 3 labels with probabilities, best first
    explanation: tuple[str, ...]  # the terms that pushed the decision most
    model_version: str
    parts: tuple[Part, ...]  # at least one; several only when verdict is mixed
    reason: str | None = None  # set when verdict is unsure

    @property
    def row(self) -> str | None:
        """The row id, or None when no row covers the message."""
        return None if self.label in (NONE_LABEL, OTHER_LABEL) else self.label

    @property
    def low_confidence(self) -> bool:
        """True when a real row won but its verdict's mass is below the threshold."""
        return self.reason == LOW_CONFIDENCE

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (used by `classify --jsonl`, metadata and logs)."""
        return {
            "label": self.label,
            "row": self.row,
            "product": self.product,
            "verdict": self.verdict,
            "reason": self.reason,
            "confidence": round(self.confidence, 4),
            "label_probability": round(self.label_probability, 4),
            "low_confidence": self.low_confidence,
            "alternatives": [{"label": a.label, "probability": round(a.probability, 4)} for a in self.alternatives],
            "explanation": list(self.explanation),
            "model_version": self.model_version,
            "parts": [p.to_dict() for p in self.parts],
        }


def decide(probabilities: Mapping[str, float], *, label_info: LabelInfo, threshold: float) -> Decision:
    """Pick label and verdict: verdict by probability mass summed per verdict, label = best row of that verdict.

    A message that is clearly about "account" but unclear about the product splits its probability between
    cstack.account and cloudgpu.account; summing per verdict keeps it confidently in scope. When `none` or `other`
    is the single most likely label, no row applies: not a request, or not covered by the tables.
    """
    top = max(probabilities, key=probabilities.__getitem__)
    if top == NONE_LABEL:
        return Decision(label=NONE_LABEL, verdict=UNSURE, confidence=probabilities[top], reason=NOT_A_REQUEST)
    if top == OTHER_LABEL:
        return Decision(label=OTHER_LABEL, verdict=UNSURE, confidence=probabilities[top], reason=NOT_COVERED)
    mass = {IN_SCOPE: 0.0, OUT_OF_SCOPE: 0.0}
    for label, p in probabilities.items():
        verdict = label_info[label]["verdict"]
        if verdict in mass:
            mass[verdict] += p
    winner = IN_SCOPE if mass[IN_SCOPE] >= mass[OUT_OF_SCOPE] else OUT_OF_SCOPE
    label = max((lbl for lbl in probabilities if label_info[lbl]["verdict"] == winner), key=probabilities.__getitem__)
    if mass[winner] < threshold:
        return Decision(label=label, verdict=UNSURE, confidence=mass[winner], reason=LOW_CONFIDENCE)
    return Decision(label=label, verdict=winner, confidence=mass[winner], reason=None)


def answered(decision: Decision) -> bool:
    """A confident in-scope or out-of-scope verdict."""
    return decision.verdict in (IN_SCOPE, OUT_OF_SCOPE)


def combine_parts(text: str, parts: Sequence[Part]) -> tuple[Part, ...] | None:
    """The parts of a `mixed` message, or None when the message has one verdict.

    `parts` are the requests of `text` (context such as "the plan works, thanks" already left out). Adjacent parts
    with the same row and verdict are one request; the message is mixed only when confident parts disagree (an
    included request and a paid one). Parts that are not a request (`none`) drop out.
    """
    merged: list[Part] = []
    for part in (p for p in parts if p.label != NONE_LABEL):
        last = merged[-1] if merged else None
        if last is not None and (last.label, last.verdict) == (part.label, part.verdict):
            merged[-1] = Part(
                text=text[last.start : part.end],
                start=last.start,
                end=part.end,
                label=last.label,
                verdict=last.verdict,
                confidence=min(last.confidence, part.confidence),
                reason=last.reason,
            )
        else:
            merged.append(part)
    verdicts = {p.verdict for p in merged}
    return tuple(merged) if {IN_SCOPE, OUT_OF_SCOPE} <= verdicts else None
