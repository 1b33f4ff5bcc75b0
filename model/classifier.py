"""The Classifier: a fitted pipeline plus what its manifest says, turning texts into Predictions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from model.artifacts import Manifest, load_version_dir, resolve_model_path
from model.errors import ArtifactError, InputError
from model.language import FUNCTION_WORDS
from model.normalize import normalize_many
from model.prediction import Alternative, Prediction, decide

# Longer messages are cut before the model sees them: the first few thousand characters carry the request.
MAX_MODEL_CHARS = 4000
EXPLANATION_TERMS = 3
ALTERNATIVES = 3


class Classifier:
    """A fitted scope pipeline with its label verdicts and unsure threshold."""

    def __init__(self, pipeline: Any, *, label_info: Mapping[str, Mapping[str, str]], threshold: float, version: str):
        self.pipeline = pipeline
        self.label_info = dict(label_info)
        self.threshold = threshold
        self.version = version
        self.manifest: Manifest | None = None
        self._classes = list(pipeline.named_steps["classify"].classes_)
        unknown = set(self._classes) - set(self.label_info)
        if unknown:
            raise ArtifactError(f"model predicts labels without a verdict: {', '.join(sorted(unknown))}")
        names = pipeline.named_steps["features"].get_feature_names_out()
        # Only word features explain a decision readably; char n-grams are fragments.
        self._is_word = np.char.startswith(names.astype(str), "words__")
        self._names = np.char.replace(names.astype(str), "words__", "", count=1)
        # An n-gram made only of function words ("auf", "for my") explains nothing to a reader.
        self._is_word &= np.array([not set(n.split()) <= FUNCTION_WORDS for n in self._names])

    @classmethod
    def load(cls, path: Path | str) -> Classifier:
        """Load a version directory, or the current version under a model root; verifies the manifest's sha256."""
        pipeline, manifest = load_version_dir(resolve_model_path(path))
        classifier = cls(pipeline, label_info=manifest.labels, threshold=manifest.threshold, version=manifest.version)
        classifier.manifest = manifest
        return classifier

    def snapshot(self) -> Classifier:
        """The model serving now (itself; a hot-reloading wrapper returns the one it holds)."""
        return self

    def classify(self, text: str) -> Prediction:
        """Classify one message."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str], *, explain: bool = True) -> list[Prediction]:
        """Classify a batch (one vectorisation for all); InputError if any text is empty.

        explain=False skips the decisive terms (evaluation needs only labels and verdicts).
        """
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"text #{i + 1} is empty: nothing to classify")
        if not texts:
            return []
        normalized = normalize_many(t[:MAX_MODEL_CHARS] for t in texts)
        features = self.pipeline.named_steps["features"].transform(normalized)
        model = self.pipeline.named_steps["classify"]
        probabilities = model.predict_proba(features)
        features = features.tocsr()
        coef = model.coef_ if explain else None
        return [self._prediction(features[i], probabilities[i], coef) for i in range(len(texts))]

    def _prediction(self, row_features: Any, probs: np.ndarray, coef: np.ndarray | None) -> Prediction:
        by_label = {label: float(p) for label, p in zip(self._classes, probs, strict=True)}
        decision = decide(by_label, label_info=self.label_info, threshold=self.threshold)
        ranked = sorted(by_label.items(), key=lambda item: item[1], reverse=True)[:ALTERNATIVES]
        return Prediction(
            label=decision.label,
            product=self.label_info[decision.label]["product"],
            verdict=decision.verdict,
            confidence=decision.confidence,
            label_probability=by_label[decision.label],
            alternatives=tuple(Alternative(label=lbl, probability=p) for lbl, p in ranked),
            explanation=() if coef is None else self._explain(row_features, coef[self._classes.index(decision.label)]),
            model_version=self.version,
            low_confidence=decision.low_confidence,
        )

    def _explain(self, row_features: Any, class_coef: np.ndarray) -> tuple[str, ...]:
        """Word n-grams present in the message with the largest positive pull towards the chosen label."""
        mask = self._is_word[row_features.indices]
        present, weights = row_features.indices[mask], row_features.data[mask]
        values = weights * class_coef[present]
        order = np.argsort(values)[::-1][:EXPLANATION_TERMS]
        return tuple(str(self._names[present[i]]) for i in order if values[i] > 0)
