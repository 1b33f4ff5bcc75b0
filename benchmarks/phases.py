"""Benchmark phases that run in their own process, so each one's peak RSS is its own.

    python benchmarks/phases.py PHASE ARGS_JSON RESULT_JSON_PATH

The parent (harness.run_phase) starts this, reads the child's peak RSS with os.wait4 and the phase's figures from
RESULT_JSON_PATH. Phases: imports, classify, train, retrain.
"""

from __future__ import annotations

import functools
import json
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness import percentile  # (via _paths) also puts the project root on sys.path for the phases' imports


def _self_maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _load_data() -> tuple[Any, Any, Any, Any, Any]:
    from bot.settings import load_settings
    from model.catalog import load_catalog
    from model.data import load_dev_set, load_hard_set, load_training_dir

    settings = load_settings()
    catalog = load_catalog(settings.catalog_path)
    train = load_training_dir(settings.train_dir, catalog)
    dev = load_dev_set(settings.dev_path, catalog)
    return settings, catalog, train, dev, load_hard_set(settings.hard_dev_path, catalog)


# --- phases ------------------------------------------------------------------------------------------------------


def phase_imports(args: dict[str, Any]) -> dict[str, Any]:
    """Baseline: the interpreter with scikit-learn and the project's model + bot modules imported, nothing loaded."""
    import bot.services.retrain
    import bot.slack.app  # noqa: F401
    import model.classifier
    import model.training  # noqa: F401

    return {}


def _single_latencies(classifier: Any, texts: list[str], n: int) -> list[float]:
    """Milliseconds of classify() for each of the first `n` texts (cycling through them), one call at a time."""
    latencies = []
    for i in range(n):
        text = texts[i % len(texts)]
        t0 = time.perf_counter()
        classifier.classify(text)
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def phase_classify(args: dict[str, Any]) -> dict[str, Any]:
    """Load the current model, classify messages one by one, then in one big batch."""
    from model.artifacts import MODEL_FILE, resolve_model_path
    from model.classifier import Classifier

    _, _, train, dev, hard = _load_data()
    # The clean dev set and the hard set, shuffled together: short questions, logs, two-part messages.
    texts = list(dev.texts) + [e.text for e in hard]
    random.Random(0).shuffle(texts)
    model_dir = Path(args["model_dir"])
    started = time.perf_counter()
    classifier = Classifier.load(model_dir)
    load_s = time.perf_counter() - started
    version_dir = resolve_model_path(model_dir)

    for text in texts[:10]:  # warm-up: first calls pay for lazy imports and caches
        classifier.classify(text)
    latencies = _single_latencies(classifier, texts, args["n_single"])
    # A server that has run a while: the fast path's word cache (model.fast_counts) has seen the common words.
    # Warmed with the training phrasings, not with the messages measured; then the same messages again.
    classifier.classify_many(list(train.texts), explain=False)
    warm = _single_latencies(classifier, texts, args["n_single"])

    batch = [texts[i % len(texts)] for i in range(args["n_batch"])]
    t0 = time.perf_counter()
    predictions = classifier.classify_many(batch)
    batch_s = time.perf_counter() - t0
    assert len(predictions) == len(batch)

    # Where a batch's time goes: vectorising + predict_proba alone vs. the per-row Prediction objects.
    from model.normalize import normalize_many

    t0 = time.perf_counter()
    features = classifier.pipeline.named_steps["features"].transform(normalize_many(batch))
    classifier.pipeline.named_steps["classify"].predict_proba(features)
    vector_s = time.perf_counter() - t0
    return {
        "version": classifier.version,
        "model_bytes": (version_dir / MODEL_FILE).stat().st_size,
        "load_s": load_s,
        "n_single": len(latencies),
        "p50_ms": percentile(latencies, 50),
        "p99_ms": percentile(latencies, 99),
        "warm_p50_ms": percentile(warm, 50),
        "warm_p99_ms": percentile(warm, 99),
        "mean_ms": statistics.fmean(latencies),
        "max_ms": max(latencies),
        "n_batch": len(batch),
        "batch_s": batch_s,
        "batch_per_s": len(batch) / batch_s,
        "vector_only_per_s": len(batch) / vector_s,
        "n_features": int(features.shape[1]),
    }


def phase_train(args: dict[str, Any]) -> dict[str, Any]:
    """train_model on the YAML training set (threshold picked on the dev set), with or without the CV search."""
    from model.training import train_model

    _, catalog, train, dev, hard = _load_data()
    tune_set = [e for e in hard if e.split == "tune"]
    lines: list[str] = []
    t0 = time.perf_counter()
    trained = train_model(
        train=train,
        dev=dev,
        tune_set=tune_set,
        label_info=catalog.label_info(),
        tune=args["tune"],
        progress=lines.append,
    )
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "n_train": len(train),
        "n_dev": len(dev),
        "params": trained.params,
        "cv_score": trained.cv_score,
        "verdict_accuracy": trained.metrics.verdict_accuracy,
        "n_iter": [int(n) for n in _regression(trained.classifier.pipeline).n_iter_],
    }


def _regression(pipeline: Any) -> Any:
    """The logistic regression inside the (calibrated) classify step."""
    model = pipeline.named_steps["classify"]
    inner = model.calibrated_classifiers_[0].estimator if hasattr(model, "calibrated_classifiers_") else model
    return getattr(inner, "estimator", inner)


class _Timers:
    """Cumulative wall time and call counts of wrapped functions (instrumentation only; behaviour unchanged)."""

    def __init__(self) -> None:
        self.data: dict[str, list[float]] = {}

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)
        record = self.data.setdefault(label, [0.0, 0])

        @functools.wraps(original)
        def timed(*a: Any, **kw: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return original(*a, **kw)
            finally:
                record[0] += time.perf_counter() - t0
                record[1] += 1

        setattr(owner, name, timed)


def phase_retrain(args: dict[str, Any]) -> dict[str, Any]:
    """bot.services.retrain.retrain against a prepared feedback DB and a private model root."""
    import bot.services.retrain as retrain_module
    import model.training as training_module
    from bot.db import Store
    from bot.db.feedback import Feedback
    from bot.settings import load_settings
    from model.artifacts import ModelStore
    from model.classifier import Classifier

    timers = _Timers()
    timers.wrap(Feedback, "accepted", "store.feedback.accepted")
    timers.wrap(retrain_module, "split_feedback", "split_feedback")
    timers.wrap(training_module, "fit_pipeline", "fit_pipeline (TF-IDF + LogReg fit)")
    timers.wrap(Classifier, "load", "Classifier.load (current model)")
    timers.wrap(Classifier, "classify_many", "classify_many (dev + eval, both models)")
    timers.wrap(ModelStore, "save", "ModelStore.save (skops + fsync)")
    timers.wrap(ModelStore, "promote", "ModelStore.promote (re-loads + verifies)")
    timers.wrap(ModelStore, "prune", "ModelStore.prune")

    settings = load_settings().with_overrides(
        db_url=args["db_url"], model_dir=Path(args["model_dir"]), reports_dir=Path(args["reports_dir"])
    )
    store = Store.open(settings.db_url)
    progress: list[tuple[float, str]] = []
    t0 = time.perf_counter()
    try:
        report = retrain_module.retrain(
            settings=settings, store=store, progress=lambda line: progress.append((time.perf_counter() - t0, line))
        )
    finally:
        store.close()
    seconds = time.perf_counter() - t0
    evaluation = report.evaluation  # on the evaluation set (dev set + held-out feedback)
    return {
        "seconds": seconds,
        "promoted": report.promoted,
        "reason": report.reason,
        "counts": asdict(report.counts),
        "candidate_acc": evaluation.candidate.verdict_accuracy,
        "current_acc": evaluation.current.verdict_accuracy if evaluation.current else None,
        "timers": timers.data,
        "progress": progress,
    }


PHASES = {"imports": phase_imports, "classify": phase_classify, "train": phase_train, "retrain": phase_retrain}


def main() -> int:
    phase, raw_args, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
    result = PHASES[phase](json.loads(raw_args))
    result["self_maxrss_mib"] = _self_maxrss_mib()
    Path(out_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
