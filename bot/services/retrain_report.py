"""What a retraining run reports: typed figures, its JSON form (`retrain --json`) and its text form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from model.gate import FlipCounts, RowChange
from model.metrics import Metrics, Summary

EVAL_SET = "evaluation set"
DEV_SET = "dev set"
TUNE_SET = "hard tune split"
# Accepted feedback that contradicts a confident prediction of the current model, the current answer as reference.
CONTESTED_SET = "contested feedback"


@dataclass(frozen=True)
class Conflict:
    """One text with different accepted labels; the one accepted last wins."""

    text: str
    labels: tuple[str, ...]
    ids: tuple[int, ...]
    winner: str
    winner_id: int


@dataclass(frozen=True)
class Comparison:
    """The candidate's and the current model's figures on the same set."""

    candidate: Metrics
    current: Metrics | None


@dataclass(frozen=True)
class RetrainCounts:
    yaml_examples: int
    dev_examples: int
    eval_examples: int
    feedback_accepted: int
    feedback_used: int
    feedback_held_out: int
    feedback_in_dev_set: int
    feedback_stale_label: int
    conflicts: int
    feedback_duplicates: int = 0  # merged into another item of the same text, or repeating a YAML phrasing


@dataclass(frozen=True)
class RetrainReport:
    promoted: bool  # the candidate is current now
    candidate_version: str
    current_version: str | None  # current before the run
    reason: str
    evaluation: Comparison  # on the evaluation set (dev set + held-out feedback)
    checks: dict[str, FlipCounts]  # example by example: the curated sets, and the contested feedback
    counts: RetrainCounts
    conflicts: tuple[Conflict, ...] = ()
    worse_rows: tuple[RowChange, ...] = ()
    pruned: tuple[str, ...] = ()
    seconds: float = 0.0
    forced: bool = False  # promoted although the gate rejected it (`train --force`)

    @property
    def serving_version(self) -> str | None:
        """The version `current` points at after the run."""
        return self.candidate_version if self.promoted else self.current_version

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`retrain --json`)."""
        return {
            "promoted": self.promoted,
            "forced": self.forced,
            "candidate_version": self.candidate_version,
            "current_version": self.current_version,
            "reason": self.reason,
            "metrics": {
                "candidate": _summary_dict(self.evaluation.candidate),
                "current": _summary_dict(self.evaluation.current) if self.evaluation.current else None,
                "checks": {name: asdict(flips) for name, flips in self.checks.items()},
            },
            "counts": asdict(self.counts),
            "conflicts": [asdict(c) for c in self.conflicts],
            "worse_rows": [
                {
                    "set": r.dataset,
                    "row": r.row,
                    "before": r.before,
                    "after": r.after,
                    "support": r.support,
                    "blocking": r.blocking,
                    "lost": r.lost,
                    "gained": r.gained,
                }
                for r in self.worse_rows
            ],
            "pruned": list(self.pruned),
            "seconds": self.seconds,
        }


def _summary_dict(metrics: Metrics) -> dict[str, Any]:
    """The parts of a set's metrics the report shows: headline, per verdict, recall per row."""
    return {
        **asdict(metrics.summary),
        "per_verdict": {v: asdict(m) for v, m in metrics.per_verdict.items()},
        "per_row": {label: {"recall": m.recall, "support": m.support} for label, m in metrics.per_row.items()},
    }


def _pct(summary: Summary | None, key: str) -> str:
    return f"{getattr(summary, key):.1%}" if summary else "-"


def _figures(cand: Metrics, cur: Metrics | None) -> list[str]:
    lines = [f"{'':34} {'current':>9} {'candidate':>9}"]
    now, was = cand.summary, cur.summary if cur else None
    for key in ("verdict_accuracy", "label_accuracy", "unsure_rate"):
        lines.append(f"{key.replace('_', ' '):34} {_pct(was, key):>9} {_pct(now, key):>9}")
    lines.append("per verdict (accuracy)")
    for verdict, m in cand.per_verdict.items():
        before = f"{cur.per_verdict[verdict].accuracy:.1%}" if cur and verdict in cur.per_verdict else "-"
        lines.append(f"  {verdict:32} {before:>9} {m.accuracy:>9.1%}   n={m.support}")
    return lines


def _per_row(report: RetrainReport) -> list[str]:
    cand, cur = report.evaluation.candidate, report.evaluation.current
    lines = [f"per row (recall on the {EVAL_SET}; ! = blocks promotion, - = worse)"]
    marks = {r.row: "!" if r.blocking else "-" for r in report.worse_rows if r.dataset == EVAL_SET}
    for label, m in cand.per_row.items():
        before = f"{cur.per_row[label].recall:.2f}" if cur and label in cur.per_row else "-"
        lines.append(f"{marks.get(label, ' ')} {label:32} {before:>9} {m.recall:>9.2f}   n={m.support}")
    return lines


def _checks(checks: Mapping[str, FlipCounts]) -> list[str]:
    if not checks:
        return []
    lines = ["", "example by example (right answers current -> candidate; turned wrong / turned right)"]
    for name, f in checks.items():
        lines.append(
            f"  {name:20} {f.right_before:>5} -> {f.right_after:<5} of {f.n:<5} lost {f.lost:<4} gained {f.gained}"
        )
    return lines


def format_report(report: RetrainReport) -> str:
    """The report for people: data counts, current vs candidate per verdict and per row, decision and why."""
    c = report.counts
    decision = "REJECTED (kept for inspection)"
    if report.promoted:
        decision = "PROMOTED past the gate (--force)" if report.forced else "PROMOTED"
    lines = [
        f"retrain: candidate {report.candidate_version} {decision}",
        f"current before: {report.current_version or '(none)'}; current now: {report.serving_version or '(none)'}",
        f"reason: {report.reason}",
        "",
        f"data: {c.yaml_examples} YAML phrasings; {c.feedback_accepted} accepted feedback: "
        f"{c.feedback_used} for training, {c.feedback_held_out} held out, {c.conflicts} conflicting texts, "
        f"{c.feedback_duplicates} duplicates merged, {c.feedback_in_dev_set} skipped as dev-set phrasings, "
        f"{c.feedback_stale_label} with unknown labels",
        f"evaluation set: {c.dev_examples} dev + {c.feedback_held_out} held-out feedback = {c.eval_examples} examples",
        "",
        *_figures(report.evaluation.candidate, report.evaluation.current),
        *_per_row(report),
        *_checks(report.checks),
    ]
    if report.worse_rows:
        lines += ["", "rows whose recall dropped (! = blocks promotion)"]
        for r in report.worse_rows:
            mark = "!" if r.blocking else " "
            turned = f"   {r.lost} turned wrong, {r.gained} right" if r.lost else ""
            lines.append(f"{mark} {r.dataset:20} {r.row:32} {r.before:.2f} -> {r.after:.2f}   n={r.support}{turned}")
    if report.conflicts:
        lines += ["", "conflicting feedback (the latest accepted label wins):"]
        for conflict in report.conflicts:
            lines.append(f"  {conflict.text[:70]!r}: {' -> '.join(conflict.labels)} => {conflict.winner}")
    if report.pruned:
        lines += ["", f"pruned old versions: {', '.join(report.pruned)}"]
    lines += ["", f"took {report.seconds:.1f} s"]
    return "\n".join(lines)
