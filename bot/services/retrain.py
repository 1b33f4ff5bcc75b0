"""Retraining (nightly, and `scope-bot train`): YAML phrasings plus accepted feedback -> a candidate, gated
against the current model."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

from bot.db import Store
from bot.services.feedback_audit import Auditor
from bot.services.feedback_split import split_feedback
from bot.services.model_store import model_change_lock, open_model_store
from bot.services.retrain_report import (
    CONTESTED_SET,
    DEV_SET,
    EVAL_SET,
    TUNE_SET,
    Comparison,
    RetrainCounts,
    RetrainReport,
)
from bot.settings import Settings
from model.catalog import load_catalog
from model.classifier import Classifier
from model.data import Dataset, HardExample, dataset_from_pairs, load_dev_set, load_hard_set, load_training_dir
from model.errors import ModelFormatError, ModelNotFoundError
from model.evaluation import evaluate
from model.gate import (
    FlipCounts,
    GateResult,
    combine,
    compare_examples,
    decide,
    hard_rows,
    right_on_hard,
    right_on_labels,
    same_answers,
)
from model.metrics import Metrics
from model.training import save_trained, train_model
from model.version_store import VersionStore

Progress = Callable[[str], None]
# What the lock message says the refused run was (train: "not starting training").
_LOCK_ACTION = {"retrain": "a second retrain", "train": "training"}
# The set-wide limit of right answers turned wrong, as a multiple of the per-row limit: a column shifted by one
# line moves a few examples of every row, never many of one.
TOTAL_FLIPS_PER_ROW_LIMIT = 3


def _quiet(_: str) -> None:
    pass


# --- the service -----------------------------------------------------------------------------------------------


def _measure(classifier: Classifier, data: Dataset, label_info: Mapping[str, Mapping[str, str]]) -> Metrics:
    return evaluate(classifier.classify_many(list(data.texts), explain=False), data.labels, label_info=label_info)


def _load_current(model_store: VersionStore) -> Classifier | None:
    try:
        return Classifier.from_store(model_store)
    except (ModelNotFoundError, ModelFormatError):
        # No model yet (or current points at a deleted version, or at one saved in a format this scope-bot no
        # longer reads): the candidate is judged on its own.
        return None


def retrain(
    *,
    settings: Settings,
    store: Store,
    progress: Progress = _quiet,
    promote: Callable[[str], None] | None = None,
    tune: bool = False,
    force: bool = False,
    source: str = "retrain",
) -> RetrainReport:
    """Train a candidate on YAML + accepted feedback, gate it against the current model, save it, maybe promote.

    Only one run at a time (RetrainLockedError otherwise). `promote` switches `current` (default
    the model store's promote); a failure there leaves `current` as it was and the candidate saved. `tune` runs the
    cross-validated search (default: the current model's hyperparameters); `force` promotes whatever the gate
    says (the report still says it); `source` (retrain | train) is recorded in the manifest.
    """
    with model_change_lock(settings, store, action=_LOCK_ACTION.get(source, source)):
        return _retrain_locked(
            settings=settings, store=store, progress=progress, promote=promote, tune=tune, force=force, source=source
        )


def _flips(
    *,
    rows: Sequence[str],
    current: Sequence[bool],
    candidate: Sequence[bool],
    settings: Settings,
    recall_drop: float | None = None,
) -> GateResult:
    return compare_examples(
        rows=rows,
        current=current,
        candidate=candidate,
        max_flips=settings.gate_max_flips,
        recall_drop=settings.gate_recall_drop if recall_drop is None else recall_drop,
        max_total_flips=settings.gate_max_flips * TOTAL_FLIPS_PER_ROW_LIMIT,
    )


def _curated(
    *,
    candidate: Classifier,
    current: Classifier,
    dev: Dataset,
    tune_set: Sequence[HardExample],
    settings: Settings,
) -> dict[str, GateResult]:
    """Both models example by example on the sets feedback cannot vouch for (the dev set, the hard tune split)."""
    info = candidate.label_info
    texts = list(dev.texts)
    hard = [e.text for e in tune_set]
    return {
        DEV_SET: _flips(
            rows=dev.labels,
            current=right_on_labels(current.classify_many(texts, explain=False), dev.labels, label_info=info),
            candidate=right_on_labels(candidate.classify_many(texts, explain=False), dev.labels, label_info=info),
            settings=settings,
        ),
        TUNE_SET: _flips(
            rows=hard_rows(tune_set),
            current=right_on_hard(current.classify_many(hard, explain=False), tune_set, label_info=info),
            candidate=right_on_hard(candidate.classify_many(hard, explain=False), tune_set, label_info=info),
            settings=settings,
        ),
    }


def _contested(
    *, candidate: Classifier, current: Classifier, feedback: Sequence[tuple[str, str]], settings: Settings
) -> dict[str, GateResult]:
    """The accepted feedback that contradicts a confident prediction of the current model, judged with the current
    model's answer as the reference: a candidate that adopts more than a few such corrections of one row is held
    back, however many reviewers confirmed them. Too few to move the curated sets, 20 relabelled messages still
    teach the model; only this check sees them."""
    audits = Auditor(current, min_confidence=settings.audit_confidence).audit_many(feedback)
    texts = [text for (text, _), audit in zip(feedback, audits, strict=True) if audit.flagged]
    if not texts:
        return {}
    was = current.classify_many(texts, explain=False)
    now = candidate.classify_many(texts, explain=False)
    # Only counts matter here: two contested items of a row, both adopted, are a 100-point "drop" but just two.
    return {
        CONTESTED_SET: _flips(
            rows=[str(p.label) for p in was],
            current=[True] * len(texts),
            candidate=same_answers(was, now),
            settings=settings,
            recall_drop=1.0,
        )
    }


def _judge(
    *,
    candidate: Classifier,
    current: Classifier | None,
    evaluation: Dataset,
    dev: Dataset,
    tune_set: Sequence[HardExample],
    feedback: Sequence[tuple[str, str]],
    settings: Settings,
) -> tuple[GateResult, Comparison, dict[str, FlipCounts]]:
    """Gate the candidate: figures on the evaluation set, example by example on the curated sets and on the
    feedback the current model contradicts.

    (combined result, both models' figures on the evaluation set, per curated set the flip counts).
    """
    label_info = candidate.label_info
    measured = Comparison(
        candidate=_measure(candidate, evaluation, label_info),
        current=_measure(current, evaluation, label_info) if current else None,
    )
    results = {
        EVAL_SET: decide(
            candidate=measured.candidate,
            current=measured.current,
            tolerance=settings.gate_tolerance,
            recall_drop=settings.gate_recall_drop,
        )
    }
    if current is not None:  # without a current model there is nothing to compare example by example
        results.update(_curated(candidate=candidate, current=current, dev=dev, tune_set=tune_set, settings=settings))
        results.update(_contested(candidate=candidate, current=current, feedback=feedback, settings=settings))
    flips = {name: r.flips for name, r in results.items() if r.flips is not None}
    return combine(results), measured, flips


def _retrain_locked(
    *,
    settings: Settings,
    store: Store,
    progress: Progress,
    promote: Callable[[str], None] | None,
    tune: bool,
    force: bool,
    source: str,
) -> RetrainReport:
    started = time.monotonic()
    model_store = open_model_store(settings, store)
    progress(f"loading catalog, training phrasings ({settings.train_dir}) and dev set ({settings.dev_path})")
    catalog = load_catalog(settings.catalog_path)
    yaml_train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)
    tune_set = load_hard_set(settings.hard_dev_path, catalog, split="tune")
    split = split_feedback(
        store.feedback.accepted(),
        dev_texts=dev.texts,
        labels=catalog.labels,
        phrasings=zip(yaml_train.texts, yaml_train.labels, strict=True),
    )
    feedback_train = dataset_from_pairs(list(split.train), catalog=catalog, source="accepted feedback")
    held_out = dataset_from_pairs(list(split.held_out), catalog=catalog, source="held-out feedback")
    progress(
        f"{len(yaml_train)} YAML phrasings, {split.accepted} accepted feedback "
        f"({len(feedback_train)} for training, {len(held_out)} held out, {len(split.conflicts)} conflicts, "
        f"{split.duplicates} duplicates merged)"
    )

    current = _load_current(model_store)
    current_version = current.version if current is not None else None
    # The current model's hyperparameters: a nightly run must not pay for a cross-validated search.
    params = current.manifest.params if current is not None and current.manifest is not None else None
    trained = train_model(
        train=yaml_train + feedback_train,
        dev=dev,
        tune_set=tune_set,
        label_info=catalog.label_info(),
        tune=tune,
        params=params,
        progress=progress,
    )

    # The evaluation set trusts held-out feedback as truth, so poisoned feedback vouches for itself there; the
    # curated dev set and hard tune split, which feedback cannot change, are compared example by example.
    evaluation = dev + held_out
    progress(
        f"evaluating candidate and current model on the {EVAL_SET} ({len(evaluation)}), "
        f"{DEV_SET} ({len(dev)}) and {TUNE_SET} ({len(tune_set)})"
    )
    gate, measured, flips = _judge(
        candidate=trained.classifier,
        current=current,
        evaluation=evaluation,
        dev=dev,
        tune_set=tune_set,
        feedback=split.train + split.held_out,
        settings=settings,
    )
    promoted = gate.promoted or force
    trained.notes = {
        "source": source,
        "gate": gate.to_dict(),
        "forced": force and not gate.promoted,
        "feedback_used": len(feedback_train),
        "feedback_held_out": len(held_out),
        "eval_examples": len(evaluation),
    }
    # Saved before any switch: a rejected candidate stays for inspection, a crash below leaves `current` alone.
    manifest = save_trained(model_store, trained, parent_version=current_version)
    progress(f"saved candidate {manifest.version}; gate: {'pass' if gate.promoted else 'reject'}")
    if promoted:
        (promote or model_store.promote)(manifest.version)
        progress(f"promoted {manifest.version} to current" + ("" if gate.promoted else " (forced past the gate)"))
    pruned = model_store.prune(settings.keep_versions)

    return RetrainReport(
        promoted=promoted,
        forced=force and not gate.promoted,
        candidate_version=manifest.version,
        current_version=current_version,
        reason=gate.reason,
        evaluation=measured,
        checks=flips,
        counts=RetrainCounts(
            yaml_examples=len(yaml_train),
            dev_examples=len(dev),
            eval_examples=len(evaluation),
            feedback_accepted=split.accepted,
            feedback_used=len(feedback_train),
            feedback_held_out=len(held_out),
            feedback_in_dev_set=split.in_dev,
            feedback_stale_label=split.stale,
            conflicts=len(split.conflicts),
            feedback_duplicates=split.duplicates,
        ),
        conflicts=split.conflicts,
        worse_rows=gate.worse_rows,
        pruned=tuple(pruned),
        seconds=round(time.monotonic() - started, 2),
    )
