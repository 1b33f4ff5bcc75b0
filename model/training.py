"""Training: cross-validated hyperparameters, fit with calibration, the unsure threshold chosen by cost, save."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.model_selection import GridSearchCV, StratifiedKFold

from model.calibration import choose_threshold
from model.classifier import Classifier
from model.data import Dataset, HardExample
from model.evaluation import evaluate
from model.manifest import Manifest
from model.metrics import Metrics
from model.pipeline import (
    DEFAULT_OPTIONS,
    PARAM_GRID,
    FeatureOptions,
    build_pipeline,
    calibrate_on,
    calibrated_params,
)
from model.scoring import score, total_cost
from model.version_store import VersionStore

Progress = Callable[[str], None]


@dataclass
class TrainedModel:
    """A fitted classifier with everything its manifest will record."""

    classifier: Classifier
    params: dict[str, Any]
    cv_score: float | None
    threshold: float
    metrics: Metrics
    train_counts: dict[str, int]
    data_hash: str
    options: FeatureOptions = DEFAULT_OPTIONS
    notes: dict[str, Any] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def tune_params(
    train: Dataset, *, options: FeatureOptions = DEFAULT_OPTIONS, folds: int = 5, n_jobs: int = 2
) -> tuple[dict[str, Any], float]:
    """Grid-search PARAM_GRID on the bare regression with stratified k-fold CV (macro F1); best params, score."""
    folds = max(2, min(folds, min(train.counts().values())))
    search = GridSearchCV(
        build_pipeline(options, calibrate=False),
        PARAM_GRID,
        scoring="f1_macro",
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )
    search.fit(list(train.texts), list(train.labels))
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in search.best_params_.items()}
    return params, float(search.best_score_)


def fit_pipeline(
    train: Dataset, params: Mapping[str, Any] | None = None, *, options: FeatureOptions = DEFAULT_OPTIONS
) -> Any:
    """Fit build_pipeline(options) with `params` (as tune_params names them) on the whole training set."""
    pipeline = build_pipeline(options)
    if params:
        tuples = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
        pipeline.set_params(**(calibrated_params(tuples) if options.calibrate == "cv" else tuples))
    pipeline.fit(list(train.texts), list(train.labels))
    return pipeline


def threshold_on(
    classifier: Classifier, examples: Sequence[HardExample], *, label_info: Mapping[str, Mapping[str, str]]
) -> float:
    """The unsure threshold with the lowest cost on `examples` (model.scoring: a wrong verdict costs 5 handovers)."""
    scored = classifier.score_texts([e.text for e in examples])

    def cost_at(threshold: float) -> float:
        predictions = classifier.predictions(scored, explain=False, threshold=threshold)
        return total_cost([score(p, e, label_info) for p, e in zip(predictions, examples, strict=True)])

    return choose_threshold(cost_at)


def train_model(
    *,
    train: Dataset,
    dev: Dataset,
    tune_set: Sequence[HardExample],
    label_info: Mapping[str, Mapping[str, str]],
    tune: bool = True,
    params: Mapping[str, Any] | None = None,
    options: FeatureOptions = DEFAULT_OPTIONS,
    progress: Progress = _quiet,
) -> TrainedModel:
    """Tune (optional), fit on `train` with calibration, pick the threshold on `tune_set`, measure on `dev`."""
    cv_score = None
    if tune:
        progress(f"cross-validating {len(PARAM_GRID)} hyperparameters on {len(train)} examples ...")
        params, cv_score = tune_params(train, options=options)
        progress(f"cross-validation: best macro-F1 {cv_score:.3f} with {params}")
    params = dict(params or {})
    progress(f"fitting on {len(train)} examples (calibration: {options.calibrate}) ...")
    pipeline = fit_pipeline(train, params, options=options)
    if options.calibrate == "tune":
        single = [(e.text, e.label) for e in tune_set if e.label is not None]
        pipeline = calibrate_on(pipeline, [t for t, _ in single], [label for _, label in single])
    classifier = Classifier(
        pipeline, label_info=label_info, threshold=0.0, version="candidate", segmentation=options.segment
    )
    classifier.threshold = threshold_on(classifier, tune_set, label_info=label_info)
    progress(f"unsure threshold chosen on the hard set's tune split ({len(tune_set)}): {classifier.threshold:.2f}")
    metrics = evaluate(classifier.classify_many(list(dev.texts), explain=False), dev.labels, label_info=label_info)
    progress(
        f"dev set: verdict accuracy {metrics.verdict_accuracy:.1%}, label accuracy "
        f"{metrics.label_accuracy:.1%}, unsure rate {metrics.unsure_rate:.1%}"
    )
    return TrainedModel(
        classifier=classifier,
        params=params,
        cv_score=cv_score,
        threshold=classifier.threshold,
        metrics=metrics,
        train_counts=train.counts(),
        data_hash=train.fingerprint(),
        options=options,
    )


def save_trained(store: VersionStore, trained: TrainedModel, *, parent_version: str | None = None) -> Manifest:
    """Write `trained` as a new version under `store` (not promoted) and return its manifest."""
    manifest = store.save(
        trained.classifier.pipeline,
        {
            "data_hash": trained.data_hash,
            "threshold": trained.threshold,
            "labels": dict(trained.classifier.label_info),
            "metrics": trained.metrics,
            "params": trained.params,
            "cv_score": trained.cv_score,
            "train_counts": trained.train_counts,
            "options": trained.options.to_dict(),
            "parent_version": parent_version,
            "notes": trained.notes,
        },
    )
    trained.classifier.version = manifest.version
    trained.classifier.manifest = manifest
    return manifest
