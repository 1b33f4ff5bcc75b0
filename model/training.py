"""Training: cross-validated hyperparameters, fit, the unsure threshold chosen on the dev set, save."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.model_selection import GridSearchCV, StratifiedKFold

from model.artifacts import Manifest, ModelStore
from model.catalog import NONE_LABEL, UNSURE
from model.classifier import Classifier
from model.data import Dataset
from model.evaluation import evaluate
from model.metrics import Metrics
from model.pipeline import PARAM_GRID, build_pipeline
from model.prediction import Prediction

Progress = Callable[[str], None]

# A wrong verdict misleads a customer; a handover only costs an agent a minute. The threshold weighs them so.
WRONG_VERDICT_COST = 3.0
MAX_UNSURE_RATE = 0.10
# A verdict must hold at least half of the probability mass; the dev set picks how much more.
THRESHOLD_GRID = [round(0.50 + 0.01 * i, 2) for i in range(46)]  # 0.50 .. 0.95


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
    notes: dict[str, Any] = field(default_factory=dict)


def _quiet(_: str) -> None:
    pass


def tune_params(train: Dataset, *, folds: int = 5, n_jobs: int = 2) -> tuple[dict[str, Any], float]:
    """Grid-search PARAM_GRID with stratified k-fold CV (macro F1); returns the best params and their score."""
    folds = max(2, min(folds, min(train.counts().values())))
    search = GridSearchCV(
        build_pipeline(),
        PARAM_GRID,
        scoring="f1_macro",
        cv=StratifiedKFold(n_splits=folds, shuffle=True, random_state=0),
        n_jobs=n_jobs,
    )
    search.fit(list(train.texts), list(train.labels))
    params = {k: list(v) if isinstance(v, tuple) else v for k, v in search.best_params_.items()}
    return params, float(search.best_score_)


def fit_pipeline(train: Dataset, params: Mapping[str, Any] | None = None) -> Any:
    """Fit build_pipeline() with `params` on the whole training set."""
    pipeline = build_pipeline()
    if params:
        pipeline.set_params(**{k: tuple(v) if isinstance(v, list) else v for k, v in params.items()})
    pipeline.fit(list(train.texts), list(train.labels))
    return pipeline


def apply_threshold(prediction: Prediction, threshold: float) -> str:
    """The verdict `prediction` (made with threshold 0) gets under `threshold`."""
    if prediction.label != NONE_LABEL and prediction.confidence < threshold:
        return UNSURE
    return prediction.verdict


def choose_threshold(
    raw: Sequence[Prediction], truths: Sequence[str], *, label_info: Mapping[str, Mapping[str, str]]
) -> float:
    """Lowest-cost threshold on the dev set (wrong verdict = 3, handover = 1), keeping handovers <= 10 %."""
    requests = sum(t != NONE_LABEL for t in truths) or 1
    best: tuple[float, float] | None = None
    for threshold in THRESHOLD_GRID:
        wrong = handovers = 0
        for prediction, truth in zip(raw, truths, strict=True):
            verdict = apply_threshold(prediction, threshold)
            if truth != NONE_LABEL and verdict == UNSURE:
                handovers += 1
            elif verdict != label_info[truth]["verdict"]:
                wrong += 1
        if handovers / requests > MAX_UNSURE_RATE:
            continue
        cost = WRONG_VERDICT_COST * wrong + handovers
        if best is None or cost < best[0]:
            best = (cost, threshold)
    return best[1] if best else THRESHOLD_GRID[0]


def train_model(
    *,
    train: Dataset,
    dev: Dataset,
    label_info: Mapping[str, Mapping[str, str]],
    tune: bool = True,
    params: Mapping[str, Any] | None = None,
    progress: Progress = _quiet,
) -> TrainedModel:
    """Tune (optional), fit on `train`, pick the unsure threshold on `dev` and measure on `dev`."""
    cv_score = None
    if tune:
        progress(f"cross-validating {len(PARAM_GRID)} hyperparameters on {len(train)} examples ...")
        params, cv_score = tune_params(train)
        progress(f"cross-validation: best macro-F1 {cv_score:.3f} with {params}")
    params = dict(params or {})
    progress(f"fitting on {len(train)} examples ...")
    pipeline = fit_pipeline(train, params)
    raw = Classifier(pipeline, label_info=label_info, threshold=0.0, version="candidate").classify_many(
        list(dev.texts), explain=False
    )
    threshold = choose_threshold(raw, dev.labels, label_info=label_info)
    progress(f"unsure threshold chosen on the dev set: {threshold:.2f}")
    classifier = Classifier(pipeline, label_info=label_info, threshold=threshold, version="candidate")
    metrics = evaluate(classifier.classify_many(list(dev.texts), explain=False), dev.labels, label_info=label_info)
    progress(
        f"dev set: verdict accuracy {metrics.verdict_accuracy:.1%}, label accuracy "
        f"{metrics.label_accuracy:.1%}, unsure rate {metrics.unsure_rate:.1%}"
    )
    return TrainedModel(
        classifier=classifier,
        params=params,
        cv_score=cv_score,
        threshold=threshold,
        metrics=metrics,
        train_counts=train.counts(),
        data_hash=train.fingerprint(),
    )


def save_trained(store: ModelStore, trained: TrainedModel, *, parent_version: str | None = None) -> Manifest:
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
            "parent_version": parent_version,
            "notes": trained.notes,
        },
    )
    trained.classifier.version = manifest.version
    trained.classifier.manifest = manifest
    return manifest
