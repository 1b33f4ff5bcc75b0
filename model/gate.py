"""The promotion gate: may a candidate model replace the current one, judged on the same evaluation examples?"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from model.metrics import Metrics

# Without a current model there is nothing to compare with; a first model must at least be usable.
MIN_ACCURACY_WITHOUT_CURRENT = 0.8
# A row "collapses" when it falls from usable to mostly wrong; tiny rows are too noisy to judge this way.
COLLAPSE_RECALL = 0.5
COLLAPSE_MIN_SUPPORT = 3
# Float noise: 0.9 - 0.9 must not count as a drop.
EPSILON = 1e-9


@dataclass(frozen=True)
class RowChange:
    """A row whose recall dropped from the current model to the candidate, on one evaluated set."""

    row: str
    before: float
    after: float
    support: int
    blocking: bool
    dataset: str = ""  # the name of the set it was measured on (filled in by combine)


@dataclass(frozen=True)
class GateResult:
    promoted: bool
    reason: str
    worse_rows: tuple[RowChange, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (manifest notes, retrain report)."""
        return asdict(self)


def _worse_rows(candidate: Metrics, current: Metrics, recall_drop: float) -> list[RowChange]:
    rows = []
    for label, after_row in candidate.per_row.items():
        before_row = current.per_row.get(label)
        if before_row is None or after_row.support == 0:
            continue  # a row the current model never saw, or none in the evaluation set: nothing to compare
        before, after = before_row.recall, after_row.recall
        if after >= before - EPSILON:
            continue
        dropped_too_far = before - after > recall_drop + EPSILON
        collapsed = after_row.support >= COLLAPSE_MIN_SUPPORT and before >= COLLAPSE_RECALL > after
        rows.append(
            RowChange(
                row=label,
                before=before,
                after=after,
                support=after_row.support,
                blocking=dropped_too_far or collapsed,
            )
        )
    return sorted(rows, key=lambda r: (not r.blocking, r.after - r.before, r.row))


def decide(
    *,
    candidate: Metrics,
    current: Metrics | None,
    tolerance: float = 0.01,
    recall_drop: float = 0.25,
    min_accuracy: float = MIN_ACCURACY_WITHOUT_CURRENT,
) -> GateResult:
    """Promote only if verdict accuracy drops by at most `tolerance` and no row's recall drops or collapses.

    Both come from model.evaluation.evaluate on the same examples. Without a current model the candidate
    passes when its verdict accuracy reaches `min_accuracy`.
    """
    cand_acc = candidate.verdict_accuracy
    if current is None:
        if cand_acc + EPSILON >= min_accuracy:
            return GateResult(
                True, f"no current model; verdict accuracy {cand_acc:.1%} reaches the minimum {min_accuracy:.0%}"
            )
        return GateResult(
            False, f"no current model, but verdict accuracy {cand_acc:.1%} is below the minimum {min_accuracy:.0%}"
        )

    cur_acc = current.verdict_accuracy
    worse = _worse_rows(candidate, current, recall_drop)
    problems = []
    if cand_acc < cur_acc - tolerance - EPSILON:
        problems.append(
            f"verdict accuracy dropped {cur_acc:.1%} -> {cand_acc:.1%} (tolerance {tolerance * 100:.1f} points)"
        )
    blocking = [r for r in worse if r.blocking]
    if blocking:
        listed = ", ".join(f"{r.row} {r.before:.2f} -> {r.after:.2f}" for r in blocking)
        problems.append(f"recall collapsed for {listed}")
    if problems:
        return GateResult(False, "; ".join(problems), tuple(worse))
    summary = f"verdict accuracy {cur_acc:.1%} -> {cand_acc:.1%} (tolerance {tolerance * 100:.1f} points)"
    summary += f", {len(worse)} row(s) slightly worse" if worse else ", no row got worse"
    return GateResult(True, summary, tuple(worse))


def combine(results: Mapping[str, GateResult]) -> GateResult:
    """Promote only when every named check passed; reasons and worse rows are labelled with the check's name."""
    promoted = all(r.promoted for r in results.values())
    # On a rejection the reader needs what failed, not the checks that were fine.
    shown = results if promoted else {name: r for name, r in results.items() if not r.promoted}
    reason = "; ".join(f"{name}: {r.reason}" for name, r in shown.items())
    worse = tuple(replace(row, dataset=name) for name, r in results.items() for row in r.worse_rows)
    return GateResult(promoted, reason, worse)
