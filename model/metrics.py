"""Typed evaluation results: what evaluate() returns, the manifest stores, and the gate, CLI and App Home read."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Summary:
    """The headline figures of one set (or of one kind of message in it)."""

    n: int
    verdict_accuracy: float
    label_accuracy: float
    unsure_rate: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        """Read the form to_dict()/asdict wrote."""
        return cls(**{k: data[k] for k in ("n", "verdict_accuracy", "label_accuracy", "unsure_rate")})


@dataclass(frozen=True)
class RowMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class VerdictMetrics:
    accuracy: float  # share of the messages expecting this verdict that got it (handovers count as misses)
    support: int


@dataclass(frozen=True)
class Confusion:
    labels: tuple[str, ...]
    matrix: tuple[tuple[int, ...], ...]  # rows: true label, columns: predicted label


@dataclass(frozen=True)
class Metrics:
    """evaluate()'s result on one labelled set."""

    n: int
    verdict_accuracy: float
    label_accuracy: float
    unsure_rate: float
    per_row: dict[str, RowMetrics]
    per_verdict: dict[str, VerdictMetrics]
    confusion: Confusion
    per_kind: dict[str, Summary] = field(default_factory=dict)

    @property
    def summary(self) -> Summary:
        """The headline figures."""
        return Summary(
            n=self.n,
            verdict_accuracy=self.verdict_accuracy,
            label_accuracy=self.label_accuracy,
            unsure_rate=self.unsure_rate,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (manifest, `evaluate --json`)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metrics:
        """Read what to_dict() wrote (a manifest's metrics)."""
        confusion = data["confusion"]
        return cls(
            **Summary.from_dict(data).__dict__,
            per_row={label: RowMetrics(**m) for label, m in data["per_row"].items()},
            per_verdict={verdict: VerdictMetrics(**m) for verdict, m in data["per_verdict"].items()},
            confusion=Confusion(
                labels=tuple(confusion["labels"]), matrix=tuple(tuple(row) for row in confusion["matrix"])
            ),
            per_kind={kind: Summary.from_dict(m) for kind, m in (data.get("per_kind") or {}).items()},
        )
