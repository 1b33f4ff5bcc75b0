"""How well the confidence the bot shows matches how often it is right, and the unsure threshold chosen by cost."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BINS = 10
# No floor that switches the threshold off: anything from "almost never unsure" to "unsure unless certain".
THRESHOLD_GRID = tuple(round(0.30 + 0.01 * i, 2) for i in range(70))  # 0.30 .. 0.99


@dataclass(frozen=True)
class ReliabilityBin:
    low: float
    high: float
    n: int
    confidence: float  # mean shown confidence in the bin
    accuracy: float  # share right in the bin


@dataclass(frozen=True)
class Calibration:
    ece: float  # expected calibration error: bin-weighted |accuracy - confidence|
    bins: tuple[ReliabilityBin, ...]
    n: int


def calibration(confidences: Sequence[float], correct: Sequence[bool], *, bins: int = BINS) -> Calibration:
    """Reliability of `confidences` as the probability of being `correct` (equal-width bins)."""
    conf = np.asarray(confidences, dtype=float)
    hits = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    found, ece = [], 0.0
    for i in range(bins):
        upper = conf <= edges[i + 1] if i == bins - 1 else conf < edges[i + 1]
        in_bin = (conf >= edges[i]) & upper
        n = int(in_bin.sum())
        if n == 0:
            continue
        mean_conf, accuracy = float(conf[in_bin].mean()), float(hits[in_bin].mean())
        ece += n / len(conf) * abs(accuracy - mean_conf)
        found.append(ReliabilityBin(float(edges[i]), float(edges[i + 1]), n, mean_conf, accuracy))
    return Calibration(ece=float(ece), bins=tuple(found), n=len(conf))


def choose_threshold(cost_at: Callable[[float], float], grid: Sequence[float] = THRESHOLD_GRID) -> float:
    """The lowest-cost threshold of `grid` (the lowest of equally cheap ones: fewest handovers)."""
    costs = [(cost_at(t), t) for t in grid]
    return min(costs)[1]


def save_reliability_png(result: Calibration, path: Path | str, *, title: str) -> Path:
    """Plot the reliability diagram (accuracy against confidence per bin) to a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 6))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfectly calibrated")
    centers = [(b.low + b.high) / 2 for b in result.bins]
    ax.bar(centers, [b.accuracy for b in result.bins], width=1 / BINS * 0.9, alpha=0.6, label="accuracy")
    ax.plot([b.confidence for b in result.bins], [b.accuracy for b in result.bins], marker="o", label="per bin")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence shown")
    ax.set_ylabel("share right")
    ax.set_title(f"{title}\nECE {result.ece:.3f} (n={result.n})")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
