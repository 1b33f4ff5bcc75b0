"""The promotion gate on hand-made metrics (and once on real evaluate() output)."""

from __future__ import annotations

import pytest

from model.data import HardExample
from model.evaluation import evaluate
from model.gate import (
    RowChange,
    combine,
    compare_examples,
    decide,
    hard_rows,
    right_on_hard,
    right_on_labels,
    same_answers,
)
from model.metrics import Confusion, Metrics, RowMetrics
from model.prediction import Part, Prediction


def metrics(verdict_accuracy: float, recalls: dict[str, tuple[float, int]]) -> Metrics:
    """Metrics with the given verdict accuracy and per-row (recall, support); the gate reads nothing else."""
    return Metrics(
        n=sum(n for _, n in recalls.values()),
        verdict_accuracy=verdict_accuracy,
        label_accuracy=verdict_accuracy,
        unsure_rate=0.0,
        per_row={row: RowMetrics(precision=r, recall=r, f1=r, support=n) for row, (r, n) in recalls.items()},
        per_verdict={},
        confusion=Confusion(labels=(), matrix=()),
    )


BASE = {"a": (0.9, 20), "b": (0.8, 20), "none": (1.0, 10)}


def test_identical_metrics_pass_with_no_worse_rows():
    result = decide(candidate=metrics(0.95, BASE), current=metrics(0.95, BASE))
    assert result.promoted
    assert result.worse_rows == ()


def test_accuracy_drop_within_tolerance_passes_beyond_it_fails():
    assert decide(candidate=metrics(0.945, BASE), current=metrics(0.95, BASE)).promoted
    result = decide(candidate=metrics(0.93, BASE), current=metrics(0.95, BASE))
    assert not result.promoted
    assert "verdict accuracy dropped" in result.reason


def test_tolerance_is_configurable():
    assert decide(candidate=metrics(0.93, BASE), current=metrics(0.95, BASE), tolerance=0.03).promoted
    assert not decide(candidate=metrics(0.949, BASE), current=metrics(0.95, BASE), tolerance=0.0).promoted


def test_large_recall_drop_of_one_row_blocks_and_is_reported():
    worse = {**BASE, "b": (0.5, 20)}
    result = decide(candidate=metrics(0.95, worse), current=metrics(0.95, BASE))
    assert not result.promoted
    assert "b 0.80 -> 0.50" in result.reason
    assert result.worse_rows == (RowChange(row="b", before=0.8, after=0.5, support=20, blocking=True),)


def test_recall_drop_limit_is_configurable():
    worse = {**BASE, "b": (0.5, 20)}
    assert decide(candidate=metrics(0.95, worse), current=metrics(0.95, BASE), recall_drop=0.35).promoted


def test_small_recall_drop_passes_but_is_listed_as_worse():
    worse = {**BASE, "a": (0.8, 20)}
    result = decide(candidate=metrics(0.95, worse), current=metrics(0.95, BASE))
    assert result.promoted
    assert [(r.row, r.blocking) for r in result.worse_rows] == [("a", False)]


def test_falling_below_half_recall_is_a_collapse_even_for_a_small_drop():
    before = {**BASE, "b": (0.55, 20)}
    after = {**BASE, "b": (0.45, 20)}
    result = decide(candidate=metrics(0.95, after), current=metrics(0.95, before))
    assert not result.promoted
    assert result.worse_rows[0].blocking


def test_collapse_rule_ignores_rows_with_fewer_than_three_examples():
    before = {**BASE, "b": (0.55, 2)}
    after = {**BASE, "b": (0.45, 2)}
    assert decide(candidate=metrics(0.95, after), current=metrics(0.95, before)).promoted


def test_row_already_below_half_may_drop_a_little():
    before = {**BASE, "b": (0.45, 20)}
    after = {**BASE, "b": (0.35, 20)}
    assert decide(candidate=metrics(0.95, after), current=metrics(0.95, before)).promoted


def test_rows_unknown_to_the_current_model_or_absent_from_the_set_are_not_compared():
    after = {**BASE, "new_row": (0.0, 5), "b": (0.0, 0)}
    before = {**BASE, "b": (0.8, 0)}
    assert decide(candidate=metrics(0.95, after), current=metrics(0.95, before)).promoted


def test_without_a_current_model_the_candidate_needs_minimum_accuracy():
    assert decide(candidate=metrics(0.85, BASE), current=None).promoted
    result = decide(candidate=metrics(0.7, BASE), current=None)
    assert not result.promoted
    assert "below the minimum" in result.reason


def test_combined_gate_needs_every_check_and_says_which_failed():
    ok = decide(candidate=metrics(0.95, BASE), current=metrics(0.95, BASE))
    bad = decide(candidate=metrics(0.95, {**BASE, "b": (0.1, 20)}), current=metrics(0.95, BASE))
    assert combine({"evaluation set": ok, "dev set": ok}).promoted
    result = combine({"evaluation set": ok, "dev set": bad})
    assert not result.promoted
    assert result.reason.startswith("dev set: recall collapsed for b")
    assert "evaluation set" not in result.reason
    assert [(r.dataset, r.row) for r in result.worse_rows] == [("dev set", "b")]


def _prediction(label: str, verdict: str, reason: str | None = None, parts: tuple[Part, ...] = ()) -> Prediction:
    return Prediction(
        label=label,
        product="p",
        verdict=verdict,
        confidence=0.9,
        label_probability=0.9,
        alternatives=(),
        explanation=(),
        model_version="t",
        parts=parts,
        reason=reason,
    )


def test_works_on_real_evaluate_output():
    info = {
        "a": {"product": "p", "verdict": "in_scope"},
        "b": {"product": "p", "verdict": "out_of_scope"},
        "other": {"product": "", "verdict": "unsure"},
        "none": {"product": "", "verdict": "unsure"},
    }
    truths = ["a", "a", "a", "b", "b", "b", "none"]
    good = [_prediction(t, info[t]["verdict"]) for t in truths]
    # The candidate turns every "b" into "a": b's recall collapses from 1.0 to 0.0.
    bad = [_prediction("a", "in_scope") if t == "b" else p for t, p in zip(truths, good, strict=True)]
    current = evaluate(good, truths, label_info=info)
    candidate = evaluate(bad, truths, label_info=info)
    result = decide(candidate=candidate, current=current)
    assert not result.promoted
    assert [(r.row, r.before, r.after) for r in result.worse_rows] == [("b", 1.0, 0.0)]
    assert decide(candidate=current, current=candidate).promoted


# --- example by example ----------------------------------------------------------------------------------------

INFO = {
    "a": {"product": "p", "verdict": "in_scope"},
    "a_twin": {"product": "q", "verdict": "in_scope"},
    "b": {"product": "p", "verdict": "out_of_scope"},
    "other": {"product": "", "verdict": "unsure"},
    "none": {"product": "", "verdict": "unsure"},
}


def flips(rows: list[str], before: list[bool], after: list[bool], **limits):
    return compare_examples(rows=rows, current=before, candidate=after, **limits)


def test_identical_answers_pass():
    rows = ["a"] * 20 + ["b"] * 20
    result = flips(rows, [True] * 40, [True] * 40)
    assert result.promoted and result.worse_rows == ()
    assert (result.flips.n, result.flips.lost, result.flips.gained) == (40, 0, 0)


def test_more_than_a_few_flips_in_one_row_block_whatever_the_net_accuracy():
    # Row a: 4 of 30 turn wrong; row b: 10 that were wrong turn right. The set as a whole improves.
    rows = ["a"] * 30 + ["b"] * 30
    before = [True] * 30 + [True] * 20 + [False] * 10
    after = [False] * 4 + [True] * 26 + [True] * 30
    result = flips(rows, before, after)
    assert result.flips.right_after > result.flips.right_before
    assert not result.promoted
    assert "a 4 of 30" in result.reason
    [change] = result.worse_rows
    assert (change.row, change.lost, change.gained, change.blocking) == ("a", 4, 0, True)


def test_three_flips_in_a_large_row_pass_and_the_limit_is_configurable():
    rows = ["a"] * 40
    before, after = [True] * 40, [False] * 3 + [True] * 37  # 7.5 points: below the recall limit too
    assert flips(rows, before, after).promoted
    assert not flips(rows, before, after, max_flips=2).promoted


def test_a_recall_drop_of_more_than_ten_points_blocks_with_few_flips():
    rows = ["a"] * 20
    before, after = [True] * 20, [False] * 3 + [True] * 17  # 3 flips (allowed), but 15 points
    result = flips(rows, before, after)
    assert not result.promoted
    assert result.worse_rows[0].before == 1.0 and result.worse_rows[0].after == pytest.approx(0.85)
    assert flips(rows, before, after, recall_drop=0.2).promoted


def test_one_flip_in_a_tiny_row_is_noise_not_a_recall_drop():
    rows = ["a"] * 8 + ["b"] * 30
    before, after = [True] * 38, [False] + [True] * 37  # a: 12.5 points, but a single example
    result = flips(rows, before, after)
    assert result.promoted
    assert [(r.row, r.lost, r.blocking) for r in result.worse_rows] == [("a", 1, False)]


def test_many_flips_spread_over_rows_block_the_set():
    # A label column shifted by a line: two or three examples of every row turn wrong, none beyond the row limit.
    rows = [row for row in "abcdef" for _ in range(30)]
    before = [True] * len(rows)
    after = [i % 30 >= 2 for i in range(len(rows))]
    result = flips(rows, before, after, max_total_flips=10)
    assert not result.promoted
    assert not any(r.blocking for r in result.worse_rows)
    assert "12 of 180 right answers turned wrong (at most 10)" in result.reason
    assert flips(rows, before, after, max_total_flips=12).promoted


def test_compare_needs_aligned_inputs():
    with pytest.raises(ValueError, match="one row and two outcomes"):
        flips(["a", "b"], [True], [True, False])


def test_right_on_labels_needs_the_verdict_and_the_row_and_treats_handovers_as_the_hard_set_does():
    cases = [
        ("a", _prediction("a", "in_scope"), True),
        ("a", _prediction("a_twin", "in_scope"), False),  # right verdict, wrong row
        ("a", _prediction("a", "unsure", "low_confidence"), False),  # handed over: the row was not answered
        ("b", _prediction("a", "in_scope"), False),
        ("other", _prediction("other", "unsure", "not_covered"), True),
        ("other", _prediction("b", "unsure", "low_confidence"), True),  # handed over is what `other` needs
        ("other", _prediction("b", "out_of_scope"), False),
        ("none", _prediction("none", "unsure", "not_a_request"), True),
        ("none", _prediction("a", "in_scope"), False),
    ]
    labels = [label for label, _, _ in cases]
    assert right_on_labels([p for _, p, _ in cases], labels, label_info=INFO) == tuple(r for _, _, r in cases)


def _hard(label: str | None, *, also: tuple[str, ...] = (), parts: tuple[tuple[str, str], ...] = ()) -> HardExample:
    text = " ".join(t for t, _ in parts) or "x"
    return HardExample(text=text, kind="boundary", lang="en", split="tune", label=label, also=also, parts=parts)


def test_right_on_hard_accepts_twin_rows_and_needs_both_parts():
    two = _hard(None, parts=(("invoice", "a"), ("install", "b")))
    examples = [_hard("a", also=("a_twin",)), _hard("a"), two, two]
    mixed = (Part("invoice", 0, 7, "a", "in_scope", 0.9), Part("install", 8, 15, "b", "out_of_scope", 0.9))
    predictions = [
        _prediction("a_twin", "in_scope"),
        _prediction("a_twin", "in_scope"),
        _prediction("a", "mixed", parts=mixed),
        _prediction("a", "in_scope"),  # one verdict for a two-part message
    ]
    assert right_on_hard(predictions, examples, label_info=INFO) == (True, False, True, False)
    assert hard_rows(examples) == ("a", "a", "mixed", "mixed")


def test_same_answers_compares_row_and_verdict():
    was = [_prediction("b", "out_of_scope"), _prediction("b", "out_of_scope"), _prediction("a", "in_scope")]
    now = [_prediction("b", "out_of_scope"), _prediction("a", "in_scope"), _prediction("a", "unsure", "low_confidence")]
    assert same_answers(was, now) == (True, False, False)
