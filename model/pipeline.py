"""The one place that defines the scikit-learn Pipeline (normalise -> word+char TF-IDF -> logistic regression)."""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from model.normalize import normalize_many

# Searched by cross-validation in `scope-bot train`; the defaults of build_pipeline() are a good point in it.
PARAM_GRID = {
    "classify__C": [5.0, 20.0, 50.0],
    "features__words__ngram_range": [(1, 1), (1, 2)],
}


def build_pipeline() -> Pipeline:
    """Return the unfitted pipeline; the fitted one is saved whole, normaliser included."""
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w\-.]*\w\b|\b\w\b"
    )
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_many)),
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("classify", LogisticRegression(C=20.0, max_iter=5000, class_weight="balanced")),
        ]
    )
