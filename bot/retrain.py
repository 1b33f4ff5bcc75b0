"""Nightly retraining: YAML phrasings plus accepted feedback -> a candidate, gated against the current model."""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable, Mapping, Sequence

from bot.model_lock import model_change_lock
from bot.settings import Settings
from bot.store import FeedbackItem, Store
from model.artifacts import ModelStore
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import Dataset, dataset_from_pairs, load_dev_set, load_training_dir
from model.errors import ModelNotFoundError
from model.evaluation import evaluate
from model.gate import GateResult, combine, decide
from model.training import save_trained, train_model

Progress = Callable[[str], None]
HELD_OUT_PERCENT = 20
EVAL_SET = "evaluation set"
DEV_SET = "dev set"
TRAINING_SET = "training phrasings"


def _quiet(_: str) -> None:
    pass


# --- feedback -> training and held-out examples ----------------------------------------------------------------


def text_key(text: str) -> str:
    """Identity of a feedback text: case- and whitespace-insensitive."""
    return " ".join(text.split()).casefold()


def is_held_out(key: str) -> bool:
    """Deterministic ~20 % slice by hash, so a text stays on the same side night after night."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big") % 100 < HELD_OUT_PERCENT


@dataclass
class FeedbackSplit:
    train: list[tuple[str, str]]
    held_out: list[tuple[str, str]]
    conflicts: list[dict[str, Any]]
    accepted: int
    in_dev: int  # texts that are dev-set phrasings: the dev set must stay untrained-on
    stale: int  # labels no longer in the catalog


def split_feedback(items: Sequence[FeedbackItem], *, dev_texts: Iterable[str], labels: Iterable[str]) -> FeedbackSplit:
    """Resolve conflicts (the last accepted label of a text wins) and split into training / held-out pairs.

    `items` must be in acceptance order, as Store.accepted_feedback returns them.
    """
    history: dict[str, list[FeedbackItem]] = {}
    for item in items:
        history.setdefault(text_key(item.text), []).append(item)
    dev_keys = {text_key(t) for t in dev_texts}
    known = set(labels)
    split = FeedbackSplit(train=[], held_out=[], conflicts=[], accepted=len(items), in_dev=0, stale=0)
    for key, versions in history.items():
        winner = versions[-1]
        if len({v.label for v in versions}) > 1:
            split.conflicts.append(
                {
                    "text": winner.text,
                    "labels": [v.label for v in versions],
                    "ids": [v.id for v in versions],
                    "winner": winner.label,
                    "winner_id": winner.id,
                }
            )
        if key in dev_keys:
            split.in_dev += 1
        elif winner.label not in known:
            split.stale += 1
        elif is_held_out(key):
            split.held_out.append((winner.text, winner.label))
        else:
            split.train.append((winner.text, winner.label))
    return split


# --- the report ------------------------------------------------------------------------------------------------


@dataclass
class RetrainReport:
    promoted: bool
    candidate_version: str
    current_version: str | None  # current before the run
    reason: str
    # {"candidate": summary, "current": summary or None} on the evaluation set, and "checks": {set: {candidate,
    # current}} headline figures of the curated sets the gate also judged.
    metrics: dict[str, Any]
    counts: dict[str, int]
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    worse_rows: list[dict[str, Any]] = field(default_factory=list)
    pruned: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def serving_version(self) -> str | None:
        """The version `current` points at after the run."""
        return self.candidate_version if self.promoted else self.current_version

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (`retrain --json`, a Slack poster)."""
        return asdict(self)


def headline(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Size, verdict accuracy, label accuracy and unsure rate of evaluate()'s output."""
    return {key: metrics[key] for key in ("n", "verdict_accuracy", "label_accuracy", "unsure_rate")}


def summarize_metrics(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of evaluate()'s output a retrain report shows."""
    return {
        **headline(metrics),
        "per_verdict": {v: dict(m) for v, m in metrics["per_verdict"].items()},
        "per_row": {label: {"recall": m["recall"], "support": m["support"]} for label, m in metrics["per_row"].items()},
    }


# --- the service -----------------------------------------------------------------------------------------------


def _measure(classifier: Classifier, data: Dataset, label_info: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    return evaluate(classifier.classify_many(list(data.texts), explain=False), data.labels, label_info=label_info)


def _load_current(model_store: ModelStore) -> Classifier | None:
    try:
        return Classifier.load(model_store.root)
    except ModelNotFoundError:
        # No model yet (or current points at a deleted version): the candidate is judged on its own.
        return None


def retrain(
    *,
    settings: Settings,
    store: Store,
    progress: Progress = _quiet,
    promote: Callable[[str], None] | None = None,
) -> RetrainReport:
    """Train a candidate on YAML + accepted feedback, gate it against the current model, save it, maybe promote.

    Only one run at a time (RetrainLockedError otherwise). `promote` switches `current` (default
    ModelStore.promote); a failure there leaves `current` as it was and the candidate saved.
    """
    with model_change_lock(settings.model_dir, action="a second retrain"):
        return _retrain_locked(settings=settings, store=store, progress=progress, promote=promote)


def _judge(
    *, candidate: Classifier, current: Classifier | None, checks: Mapping[str, Dataset], settings: Settings
) -> tuple[GateResult, dict[str, tuple[dict[str, Any], dict[str, Any] | None]]]:
    """Gate the candidate on every named set; (combined result, set -> (candidate metrics, current metrics))."""
    label_info = candidate.label_info
    measured = {
        name: (_measure(candidate, data, label_info), _measure(current, data, label_info) if current else None)
        for name, data in checks.items()
    }
    results = {
        name: decide(
            candidate=cand, current=cur, tolerance=settings.gate_tolerance, recall_drop=settings.gate_recall_drop
        )
        for name, (cand, cur) in measured.items()
    }
    return combine(results), measured


def _retrain_locked(
    *, settings: Settings, store: Store, progress: Progress, promote: Callable[[str], None] | None
) -> RetrainReport:
    started = time.monotonic()
    model_store = ModelStore(settings.model_dir)
    progress(f"loading catalog, training phrasings ({settings.train_dir}) and dev set ({settings.dev_path})")
    catalog = load_catalog(settings.catalog_path)
    yaml_train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)
    split = split_feedback(store.accepted_feedback(), dev_texts=dev.texts, labels=catalog.labels)
    feedback_train = dataset_from_pairs(split.train, catalog=catalog, source="accepted feedback")
    held_out = dataset_from_pairs(split.held_out, catalog=catalog, source="held-out feedback")
    progress(
        f"{len(yaml_train)} YAML phrasings, {split.accepted} accepted feedback "
        f"({len(feedback_train)} for training, {len(held_out)} held out, {len(split.conflicts)} conflicts)"
    )

    current = _load_current(model_store)
    current_version = current.version if current is not None else None
    # The current model's hyperparameters: a nightly run must not pay for a cross-validated search.
    params = current.manifest.params if current is not None and current.manifest is not None else None
    trained = train_model(
        train=yaml_train + feedback_train,
        dev=dev,
        label_info=catalog.label_info(),
        tune=False,
        params=params,
        progress=progress,
    )

    # The evaluation set alone trusts held-out feedback as truth, so poisoned feedback would vouch for itself;
    # the curated dev set and YAML phrasings, which feedback cannot change, must hold up as well.
    checks = {EVAL_SET: dev + held_out, DEV_SET: dev, TRAINING_SET: yaml_train}
    if not len(held_out):
        del checks[DEV_SET]  # identical to the evaluation set
    progress(f"evaluating candidate and current model on {', '.join(f'{n} ({len(d)})' for n, d in checks.items())}")
    gate, measured = _judge(candidate=trained.classifier, current=current, checks=checks, settings=settings)
    trained.notes = {
        "source": "retrain",
        "gate": gate.to_dict(),
        "feedback_used": len(feedback_train),
        "feedback_held_out": len(held_out),
        "eval_examples": len(checks[EVAL_SET]),
    }
    # Saved before any switch: a rejected candidate stays for inspection, a crash below leaves `current` alone.
    manifest = save_trained(model_store, trained, parent_version=current_version)
    progress(f"saved candidate {manifest.version}; gate: {'pass' if gate.promoted else 'reject'}")
    if gate.promoted:
        (promote or model_store.promote)(manifest.version)
        progress(f"promoted {manifest.version} to current")
    pruned = model_store.prune(settings.keep_versions)

    candidate_metrics, current_metrics = measured[EVAL_SET]
    return RetrainReport(
        promoted=gate.promoted,
        candidate_version=manifest.version,
        current_version=current_version,
        reason=gate.reason,
        metrics={
            "candidate": summarize_metrics(candidate_metrics),
            "current": summarize_metrics(current_metrics) if current_metrics else None,
            "checks": {
                name: {"candidate": headline(cand), "current": headline(cur) if cur else None}
                for name, (cand, cur) in measured.items()
                if name != EVAL_SET
            },
        },
        counts={
            "yaml_examples": len(yaml_train),
            "dev_examples": len(dev),
            "eval_examples": len(checks[EVAL_SET]),
            "feedback_accepted": split.accepted,
            "feedback_used": len(feedback_train),
            "feedback_held_out": len(held_out),
            "feedback_in_dev_set": split.in_dev,
            "feedback_stale_label": split.stale,
            "conflicts": len(split.conflicts),
        },
        conflicts=split.conflicts,
        worse_rows=gate.worse_rows,
        pruned=pruned,
        seconds=round(time.monotonic() - started, 2),
    )


# --- text form -------------------------------------------------------------------------------------------------


def _pct(summary: Mapping[str, Any] | None, key: str) -> str:
    return f"{summary[key]:.1%}" if summary else "-"


def format_report(report: RetrainReport) -> str:
    """The report for people: data counts, current vs candidate per verdict and per row, decision and why."""
    c = report.counts
    cand, cur = report.metrics["candidate"], report.metrics["current"]
    decision = "PROMOTED" if report.promoted else "REJECTED (kept for inspection)"
    lines = [
        f"retrain: candidate {report.candidate_version} {decision}",
        f"current before: {report.current_version or '(none)'}; current now: {report.serving_version or '(none)'}",
        f"reason: {report.reason}",
        "",
        f"data: {c['yaml_examples']} YAML phrasings; {c['feedback_accepted']} accepted feedback: "
        f"{c['feedback_used']} for training, {c['feedback_held_out']} held out, {c['conflicts']} conflicting texts, "
        f"{c['feedback_in_dev_set']} skipped as dev-set phrasings, {c['feedback_stale_label']} with unknown labels",
        f"evaluation set: {c['dev_examples']} dev + {c['feedback_held_out']} held-out feedback = {c['eval_examples']} examples",
        "",
        f"{'':34} {'current':>9} {'candidate':>9}",
        f"{'verdict accuracy':34} {_pct(cur, 'verdict_accuracy'):>9} {_pct(cand, 'verdict_accuracy'):>9}",
        f"{'label accuracy':34} {_pct(cur, 'label_accuracy'):>9} {_pct(cand, 'label_accuracy'):>9}",
        f"{'unsure rate':34} {_pct(cur, 'unsure_rate'):>9} {_pct(cand, 'unsure_rate'):>9}",
        "per verdict (accuracy)",
    ]
    for verdict, m in cand["per_verdict"].items():
        before = f"{cur['per_verdict'][verdict]['accuracy']:.1%}" if cur and verdict in cur["per_verdict"] else "-"
        lines.append(f"  {verdict:32} {before:>9} {m['accuracy']:>9.1%}   n={m['support']}")
    lines.append(f"per row (recall on the {EVAL_SET}; ! = blocks promotion, - = worse)")
    marks = {r["row"]: "!" if r["blocking"] else "-" for r in report.worse_rows if r.get("set") == EVAL_SET}
    for label, m in cand["per_row"].items():
        before = f"{cur['per_row'][label]['recall']:.2f}" if cur and label in cur["per_row"] else "-"
        lines.append(f"{marks.get(label, ' ')} {label:32} {before:>9} {m['recall']:>9.2f}   n={m['support']}")
    checks = report.metrics.get("checks") or {}
    if checks:
        lines += ["", "curated sets feedback cannot change (verdict accuracy / label accuracy, current -> candidate)"]
        for name, pair in checks.items():
            now, was = pair["candidate"], pair["current"]
            lines.append(
                f"  {name:20} {_pct(was, 'verdict_accuracy'):>6} -> {_pct(now, 'verdict_accuracy'):>6}   "
                f"{_pct(was, 'label_accuracy'):>6} -> {_pct(now, 'label_accuracy'):>6}   n={now['n']}"
            )
    if report.worse_rows:
        lines += ["", "rows whose recall dropped (! = blocks promotion)"]
        for r in report.worse_rows:
            mark = "!" if r["blocking"] else " "
            lines.append(
                f"{mark} {r.get('set', ''):20} {r['row']:32} {r['before']:.2f} -> {r['after']:.2f}   n={r['support']}"
            )
    if report.conflicts:
        lines += ["", "conflicting feedback (the latest accepted label wins):"]
        for conflict in report.conflicts:
            lines.append(f"  {conflict['text'][:70]!r}: {' -> '.join(conflict['labels'])} => {conflict['winner']}")
    if report.pruned:
        lines += ["", f"pruned old versions: {', '.join(report.pruned)}"]
    lines += ["", f"took {report.seconds:.1f} s"]
    return "\n".join(lines)
