"""The ablation: each step of the model switched off in turn, scored on the hard set's tune split and the dev set."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from model.data import Dataset, HardExample
from model.hard_metrics import HardMetrics, measure_hard
from model.metrics import Metrics
from model.pipeline import DEFAULT_OPTIONS, FeatureOptions
from model.training import train_model

# The chosen model first, then each step switched in turn (off, or on for one left out), then none.
VARIANTS: tuple[tuple[str, FeatureOptions], ...] = (
    ("chosen: negation, contrast, two-part, CV calibration", DEFAULT_OPTIONS),
    ("without negation marking", replace(DEFAULT_OPTIONS, negation=False)),
    ("without contrast weighting", replace(DEFAULT_OPTIONS, contrast=False)),
    ("with done-clause marking", replace(DEFAULT_OPTIONS, done=True)),
    ("without two-part segmentation", replace(DEFAULT_OPTIONS, segment=False)),
    ("calibrated on the tune split instead of by CV", replace(DEFAULT_OPTIONS, calibrate="tune")),
    ("without calibration", replace(DEFAULT_OPTIONS, calibrate="none")),
    (
        "no step (plain TF-IDF + LR)",
        FeatureOptions(negation=False, contrast=False, done=False, segment=False, calibrate="none"),
    ),
)


@dataclass(frozen=True)
class AblationRow:
    name: str
    threshold: float
    hard: HardMetrics
    dev: Metrics


def ablation(
    *,
    train: Dataset,
    dev: Dataset,
    tune_set: Sequence[HardExample],
    label_info: Mapping[str, Mapping[str, str]],
    params: Mapping[str, Any],
    progress: Callable[[str], None],
) -> list[AblationRow]:
    """Train every variant with the same `params` (threshold re-chosen on `tune_set` each time) and score it."""
    rows = []
    for name, options in VARIANTS:
        progress(f"ablation: {name}")
        trained = train_model(
            train=train, dev=dev, tune_set=tune_set, label_info=label_info, tune=False, params=params, options=options
        )
        rows.append(AblationRow(name, trained.threshold, measure_hard(trained.classifier, tune_set), trained.metrics))
    return rows


def format_ablation(rows: Sequence[AblationRow]) -> str:
    """The ablation as a Markdown table (the README's)."""
    lines = [
        "| variant | threshold | covered: wrong | covered: unanswered | other: handed over | two-part: both "
        "| chatter: no request | ECE | cost | dev verdict acc. |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        h = r.hard
        lines.append(
            f"| {r.name} | {r.threshold:.2f} | {h.covered.wrong:.1%} | {h.covered.unanswered:.1%} | "
            f"{h.other.handed_over:.1%} | {h.two_part.both:.1%} | {h.chatter.not_a_request:.1%} | "
            f"{h.calibration.ece:.3f} | {h.cost:.0f} | {r.dev.verdict_accuracy:.1%} |"
        )
    return "\n".join(lines)
