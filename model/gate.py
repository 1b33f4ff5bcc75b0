"""The promotion gate: may a candidate model replace the current one, judged on the same evaluation examples?

Two kinds of check. decide() compares the figures of a set (evaluate()'s Metrics). compare_examples() compares
the two models example by example on a curated set that feedback cannot vouch for: a candidate that turns several
examples of one row from right to wrong is rejected even when others turned right and the net accuracy holds,
which is what relabelled feedback does. Pure: predictions in, a GateResult out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from model.catalog import IN_SCOPE, LOW_CONFIDENCE, MIXED, NOT_A_REQUEST, NOT_COVERED, OUT_OF_SCOPE, UNSURE
from model.data import HardExample
from model.metrics import Metrics
from model.prediction import Prediction
from model.scoring import HANDOVER, expected_for_label, score

# Without a current model there is nothing to compare with; a first model must at least be usable.
MIN_ACCURACY_WITHOUT_CURRENT = 0.8
# A row "collapses" when it falls from usable to mostly wrong; tiny rows are too noisy to judge this way.
COLLAPSE_RECALL = 0.5
COLLAPSE_MIN_SUPPORT = 3
# Float noise: 0.9 - 0.9 must not count as a drop.
EPSILON = 1e-9
# A recall drop blocks only when the row lost at least this many examples net: in a row of 9 examples one flip is
# already 11 points, and one flip is what any retraining may cause.
MIN_NET_LOSS = 2


@dataclass(frozen=True)
class RowChange:
    """A row whose recall dropped from the current model to the candidate, on one evaluated set."""

    row: str
    before: float
    after: float
    support: int
    blocking: bool
    dataset: str = ""  # the name of the set it was measured on (filled in by combine)
    lost: int = 0  # examples the current model got right and the candidate gets wrong (per-example checks)
    gained: int = 0  # and the other way round


@dataclass(frozen=True)
class FlipCounts:
    """One curated set, example by example: how many each model gets right, and how many changed sides."""

    n: int
    right_before: int
    right_after: int
    lost: int  # right before, wrong now
    gained: int  # wrong before, right now


@dataclass(frozen=True)
class GateResult:
    promoted: bool
    reason: str
    worse_rows: tuple[RowChange, ...] = ()
    flips: FlipCounts | None = None  # set by compare_examples

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
    recall_drop: float = 0.10,
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


# --- example by example ----------------------------------------------------------------------------------------


def _right_single(prediction: Prediction, labels: Sequence[str], label_info: Mapping[str, Mapping[str, str]]) -> bool:
    """A one-request message is right when it gets its verdict on one of its rows; handed over or dismissed as the
    hard set scores it for `other` and `none`."""
    expected = expected_for_label(labels[0], label_info)
    if expected in (IN_SCOPE, OUT_OF_SCOPE):
        return prediction.verdict == expected and prediction.label in labels
    if expected == HANDOVER:
        return prediction.verdict == UNSURE and prediction.reason in (NOT_COVERED, LOW_CONFIDENCE)
    return prediction.reason == NOT_A_REQUEST


def right_on_labels(
    predictions: Sequence[Prediction], labels: Sequence[str], *, label_info: Mapping[str, Mapping[str, str]]
) -> tuple[bool, ...]:
    """Per example of a labelled set (the dev set): did the model answer it right?"""
    return tuple(_right_single(p, (label,), label_info) for p, label in zip(predictions, labels, strict=True))


def right_on_hard(
    predictions: Sequence[Prediction], examples: Sequence[HardExample], *, label_info: Mapping[str, Mapping[str, str]]
) -> tuple[bool, ...]:
    """Per hard-set example: the right verdict on an acceptable row; for two-part messages both parts, each on
    its row."""
    out = []
    for prediction, example in zip(predictions, examples, strict=True):
        if example.parts:
            outcome = score(prediction, example, label_info)
            out.append(outcome.right and outcome.right_label)
        else:
            out.append(_right_single(prediction, example.labels, label_info))
    return tuple(out)


def hard_rows(examples: Sequence[HardExample]) -> tuple[str, ...]:
    """The row each hard-set example is counted under (`mixed` for two-part messages)."""
    return tuple(e.label or MIXED for e in examples)


def compare_examples(
    *,
    rows: Sequence[str],
    current: Sequence[bool],
    candidate: Sequence[bool],
    max_flips: int = 3,
    recall_drop: float = 0.10,
    max_total_flips: int = 10,
) -> GateResult:
    """Reject when, on one set, the candidate turns more than `max_flips` examples of one row from right to wrong,
    lowers a row's share of right answers by more than `recall_drop` (and at least MIN_NET_LOSS examples), or
    turns more than `max_total_flips` examples of the whole set from right to wrong, whatever it gained elsewhere.

    `current` and `candidate` say per example whether that model got it right (right_on_labels, right_on_hard).
    """
    if not len(rows) == len(current) == len(candidate):
        raise ValueError("need one row and two outcomes per example")
    support: dict[str, int] = {}
    before: dict[str, int] = {}
    after: dict[str, int] = {}
    lost: dict[str, int] = {}
    gained: dict[str, int] = {}
    for row, was, now in zip(rows, current, candidate, strict=True):
        support[row] = support.get(row, 0) + 1
        before[row] = before.get(row, 0) + was
        after[row] = after.get(row, 0) + now
        lost[row] = lost.get(row, 0) + (was and not now)
        gained[row] = gained.get(row, 0) + (now and not was)
    changes = []
    for row in support:
        if not lost[row]:
            continue
        share_before, share_after = before[row] / support[row], after[row] / support[row]
        dropped = share_before - share_after > recall_drop + EPSILON and before[row] - after[row] >= MIN_NET_LOSS
        changes.append(
            RowChange(
                row=row,
                before=share_before,
                after=share_after,
                support=support[row],
                blocking=lost[row] > max_flips or dropped,
                lost=lost[row],
                gained=gained[row],
            )
        )
    changes.sort(key=lambda r: (not r.blocking, -r.lost, r.row))
    flips = FlipCounts(
        n=len(rows),
        right_before=sum(before.values()),
        right_after=sum(after.values()),
        lost=sum(lost.values()),
        gained=sum(gained.values()),
    )
    problems = []
    blocking = [r for r in changes if r.blocking]
    if blocking:
        listed = ", ".join(f"{r.row} {r.lost} of {r.support} ({r.before:.2f} -> {r.after:.2f})" for r in blocking)
        limit = f"at most {max_flips} per row" + (
            f", recall drop at most {recall_drop * 100:.0f} points" if recall_drop < 1 else ""
        )
        problems.append(f"turned right answers wrong for {listed} ({limit})")
    if flips.lost > max_total_flips:
        problems.append(f"{flips.lost} of {flips.n} right answers turned wrong (at most {max_total_flips})")
    summary = f"right {flips.right_before} -> {flips.right_after} of {flips.n}, {flips.lost} turned wrong"
    if problems:
        return GateResult(False, f"{'; '.join(problems)}; {summary}", tuple(changes), flips)
    return GateResult(True, f"{summary}, {flips.gained} turned right", tuple(changes), flips)


def same_answers(current: Sequence[Prediction], candidate: Sequence[Prediction]) -> tuple[bool, ...]:
    """Per text: does the candidate still give the current model's answer (its row and its verdict)?"""
    return tuple((c.label, c.verdict) == (n.label, n.verdict) for c, n in zip(current, candidate, strict=True))
