import copy

import numpy as np
import pytest

from model.classifier import Classifier
from model.fast_path import FastScorer
from model.normalize import normalize_many


@pytest.fixture(scope="module")
def texts(dev_set, tune_set):
    # Short questions, pasted logs, Slack markup, emoji-only and punctuation-only messages.
    return [*dev_set.texts, *(e.text for e in tune_set), ":+1:", "???", "ok"]


def test_the_fast_path_gives_scikit_learns_features_and_probabilities(classifier, texts):
    scorer = FastScorer.of(classifier.pipeline)
    assert scorer is not None
    normalized = normalize_many(texts)
    features = classifier.pipeline.named_steps["features"].transform(normalized)
    expected = classifier.pipeline.named_steps["classify"].predict_proba(features)

    fast = scorer.features(normalized)
    assert fast.shape == features.shape
    assert abs(fast - features).max() <= 1e-12
    np.testing.assert_allclose(scorer.probabilities(fast), expected, rtol=0, atol=1e-12)
    # A message and its parts (a small batch) are joined without sp.hstack: the same rows.
    for start in range(0, 40, 4):
        small = scorer.features(normalized[start : start + 4])
        assert abs(small - features[start : start + 4]).max() <= 1e-12


def test_the_classifier_scores_as_the_pipeline_predicts(classifier, texts):
    scored = classifier.score_texts(texts)
    np.testing.assert_allclose(
        scored.probabilities[: len(texts)], classifier.pipeline.predict_proba(texts), rtol=0, atol=1e-12
    )


def test_a_pipeline_of_another_shape_goes_through_scikit_learn(classifier, texts):
    # Weights on the feature union: a shape the fast path does not know (weights of 1 keep the figures).
    pipeline = copy.deepcopy(classifier.pipeline)
    pipeline.named_steps["features"].transformer_weights = {"words": 1.0, "chars": 1.0}
    assert FastScorer.of(pipeline) is None

    other = Classifier(pipeline, label_info=classifier.label_info, threshold=0.5, version="weighted")
    scored = other.score_texts(texts)
    np.testing.assert_allclose(scored.probabilities[: len(texts)], pipeline.predict_proba(texts), rtol=0, atol=1e-12)
