"""The promotion gate on hand-made metrics (and once on real evaluate() output)."""

from __future__ import annotations

from model.evaluation import evaluate
from model.gate import RowChange, combine, decide
from model.metrics import Confusion, Metrics, RowMetrics
from model.prediction import Prediction


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


def _prediction(label: str, verdict: str) -> Prediction:
    return Prediction(
        label=label,
        product="p",
        verdict=verdict,
        confidence=0.9,
        label_probability=0.9,
        alternatives=(),
        explanation=(),
        model_version="t",
        parts=(),
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
