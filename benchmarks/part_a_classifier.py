"""Part A: the classifier: latency, throughput, model load and size, training time, peak memory per phase."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness import Config, PhaseRun, cell, log, run_phase, table


@dataclass(frozen=True)
class ClassifierFigures:
    """Part A's figures: one phase run (its own process) per row group."""

    model_dir: Path
    imports: PhaseRun  # baseline: the interpreter with the imports only
    classify: PhaseRun
    train: PhaseRun  # train_model(tune=False)
    tune: PhaseRun | None  # train_model(tune=True); None: not run (--quick)
    tune_limit_s: float


def measure(cfg: Config, workdir: Path, model_dir: Path) -> ClassifierFigures:
    log("A: baseline interpreter + imports")
    base = run_phase("imports", {}, timeout=120, workdir=workdir)
    log(f"A: classify ({cfg.n_single} single, batch of {cfg.n_batch})")
    cls = run_phase(
        "classify",
        {"model_dir": str(model_dir), "n_single": cfg.n_single, "n_batch": cfg.n_batch},
        timeout=300,
        workdir=workdir,
    )
    log("A: train_model(tune=False)")
    train = run_phase("train", {"tune": False}, timeout=600, workdir=workdir)
    tune: PhaseRun | None = None
    if cfg.tune:
        log(f"A: train_model(tune=True), stopped after {cfg.tune_limit_s:.0f} s")
        tune = run_phase("train", {"tune": True}, timeout=cfg.tune_limit_s, workdir=workdir)
    return ClassifierFigures(
        model_dir=model_dir, imports=base, classify=cls, train=train, tune=tune, tune_limit_s=cfg.tune_limit_s
    )


def report(figures: ClassifierFigures) -> None:
    """Print table A."""
    base, cls, tune, limit = figures.imports, figures.classify, figures.tune, figures.tune_limit_s
    c, t = cls.result or {}, figures.train.result or {}
    rows: list[list[Any]] = [
        [f"single classify() latency p50 (ms), n={c.get('n_single', '-')}", c.get("p50_ms")],
        ["single classify() latency p99 (ms)", c.get("p99_ms")],
        ["single classify() latency mean / max (ms)", _pair(c.get("mean_ms"), c.get("max_ms"))],
        [
            "  the same, word cache warmed by the training phrasings: p50 / p99 (ms)",
            _pair(c.get("warm_p50_ms"), c.get("warm_p99_ms")),
        ],
        [f"batch classify_many() throughput (msg/s), n={c.get('n_batch', '-')}", c.get("batch_per_s")],
        ["  same batch, vectorise + predict_proba only (msg/s)", c.get("vector_only_per_s")],
        ["model load, Classifier.load (s)", c.get("load_s")],
        ["model file size, model.skops (bytes)", c.get("model_bytes")],
        ["model feature count", c.get("n_features")],
        [
            f"training, train_model(tune=False) (s), {t.get('n_train', '?')} train / {t.get('n_dev', '?')} dev",
            t.get("seconds"),
        ],
    ]
    notes = [f"model version {c.get('version', '?')} from {figures.model_dir}"]
    if tune is None:
        rows.append(["training, train_model(tune=True) (s)", "skipped (--quick)"])
    elif tune.status == "ok" and tune.result:
        rows.append(["training, train_model(tune=True) (s)", tune.result["seconds"]])
        notes.append(f"tune=True picked {tune.result['params']} (CV macro-F1 {tune.result['cv_score']:.3f})")
    elif tune.status == "timeout":
        rows.append(["training, train_model(tune=True) (s)", f"> {limit:.0f} (stopped)"])
        notes.append(
            f"tune=True did not finish within {limit:.0f} s and was stopped "
            "(limit from the brief: report only if < 2 min)"
        )
    else:
        rows.append(["training, train_model(tune=True) (s)", tune.status])
    rows += [
        ["peak RSS: python + imports only (MiB)", _peak(base)],
        ["peak RSS: load model + classify (MiB)", _peak(cls)],
        ["peak RSS: train_model(tune=False) (MiB)", _peak(figures.train)],
    ]
    if tune is not None and tune.status == "ok":
        rows.append(["peak RSS: train_model(tune=True), largest process (MiB)", tune.peak_mib])
    if t.get("n_iter"):
        notes.append(
            f"tune=False fit: LogisticRegression n_iter_ {t['n_iter']}, "
            f"dev verdict accuracy {t['verdict_accuracy']:.1%}"
        )
    notes.append("each row group runs in its own fresh interpreter; peak RSS = that process's ru_maxrss (os.wait4)")
    table("A. Classifier", ["metric", "value"], rows, notes)


def run(cfg: Config, workdir: Path, model_dir: Path) -> None:
    report(measure(cfg, workdir, model_dir))


def _peak(phase: PhaseRun) -> float | str:
    return phase.peak_mib if phase.status == "ok" else phase.status


def _pair(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None else f"{cell(a)} / {cell(b)}"
