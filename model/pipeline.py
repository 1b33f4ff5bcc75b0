"""The one place that defines the scikit-learn Pipeline:
normalise -> (contrast/done/negation marking -> word TF-IDF) + (contrast/done marking -> char TF-IDF) -> logistic
regression, calibrated by temperature scaling fitted by cross-validation (or on the hard set's tune split)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.features import prepare_many
from model.normalize import normalize_many

# Searched by cross-validation in `scope-bot train` (on the uncalibrated pipeline; calibration is fitted after).
PARAM_GRID: dict[str, list[Any]] = {
    "classify__C": [5.0, 20.0, 50.0],
    "features__words__tfidf__ngram_range": [(1, 1), (1, 2)],
}
CALIBRATION_FOLDS = 5
WORD_TOKENS = r"(?u)\b\w[\w\-.']*\w\b|\b\w\b"


@dataclass(frozen=True)
class FeatureOptions:
    """The steps that the ablation switches on and off (recorded in the manifest)."""

    # Kept only where they help on the hard set's tune split (see the README's ablation).
    negation: bool = True
    contrast: bool = True
    done: bool = False  # done-clause marking: 9 points dearer on the 832-message tune split (README, ablation)
    segment: bool = True  # answer a message with several requests part by part
    calibrate: str = "cv"  # cv (temperature by 5-fold CV on the phrasings) | tune (on the tune split) | none

    def to_dict(self) -> dict[str, bool | str]:
        """JSON-ready form."""
        return asdict(self)


DEFAULT_OPTIONS = FeatureOptions()


def _marking(options: FeatureOptions, *, for_words: bool) -> FunctionTransformer:
    kw_args = {"negation": options.negation, "contrast": options.contrast, "done": options.done}
    return FunctionTransformer(prepare_many, kw_args={**kw_args, "for_words": for_words})


def build_pipeline(options: FeatureOptions = DEFAULT_OPTIONS, *, calibrate: bool | None = None) -> Pipeline:
    """The unfitted pipeline; the fitted one is saved whole, normaliser included.

    calibrate=False gives the bare logistic regression (cross-validated tuning searches that one).
    """
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=WORD_TOKENS)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    features = FeatureUnion(
        [
            ("words", Pipeline([("mark", _marking(options, for_words=True)), ("tfidf", words)])),
            ("chars", Pipeline([("mark", _marking(options, for_words=False)), ("tfidf", chars)])),
        ]
    )
    classifier: Any = LogisticRegression(C=20.0, max_iter=5000, class_weight="balanced")
    if (options.calibrate == "cv") if calibrate is None else calibrate:
        classifier = CalibratedClassifierCV(
            classifier, method="temperature", cv=CALIBRATION_FOLDS, ensemble=False, n_jobs=2
        )
    return Pipeline(
        [("normalize", FunctionTransformer(normalize_many)), ("features", features), ("classify", classifier)]
    )


def calibrate_on(pipeline: Pipeline, texts: list[str], labels: list[str]) -> Pipeline:
    """Temperature-scale the fitted `pipeline`'s regression on held-out `texts` (the regression stays as it is)."""
    features = Pipeline(pipeline.steps[:-1]).transform(texts)
    regression = pipeline.named_steps["classify"]
    calibrated = CalibratedClassifierCV(FrozenEstimator(regression), method="temperature", ensemble=False)
    calibrated.fit(features, labels)
    return Pipeline([*pipeline.steps[:-1], ("classify", calibrated)])


def calibrated_params(params: dict[str, Any]) -> dict[str, Any]:
    """Tuned parameters of the bare regression as parameters of the calibrated pipeline."""
    return {
        k.replace("classify__", "classify__estimator__", 1) if k.startswith("classify__") else k: v
        for k, v in params.items()
    }
