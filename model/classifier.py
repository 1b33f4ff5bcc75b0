"""The Classifier: a fitted pipeline plus what its manifest says, turning texts into Predictions.

A message is also split into the requests it may contain (model.segment); all texts of a batch, messages and
their parts, are vectorised at once.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV

from model.artifacts import Manifest, load_version_dir, resolve_model_path
from model.catalog import LOW_CONFIDENCE, MIXED, NONE_LABEL, NOT_A_REQUEST, UNSURE
from model.errors import ArtifactError, InputError, ModelNotFoundError
from model.fast_path import FastScorer
from model.features import is_context, is_request, message_cues
from model.language import FUNCTION_WORDS
from model.normalize import normalize_many, normalize_text
from model.prediction import Alternative, Decision, Part, Prediction, combine_parts, decide
from model.segment import requests, segment
from model.version_store import VersionStore
from model.vocabulary import known_share

# Longer messages are cut before the model sees them: the first few thousand characters carry the request.
MAX_MODEL_CHARS = 4000
EXPLANATION_TERMS = 3
ALTERNATIVES = 3
_SKLEARN_CALLS = threading.Lock()  # see score_texts


@dataclass(frozen=True)
class ScoredBatch:
    """Messages (cut to MAX_MODEL_CHARS), their parts and every text's class probabilities, before any decision."""

    texts: tuple[str, ...]
    part_rows: tuple[tuple[tuple[int, int, int], ...], ...]  # per message: (row, start, end) of each part
    context: tuple[bool, ...]  # per row (False for the messages): a part that only sets the scene, no request
    done: tuple[bool, ...]  # per message: it only says that things work (or thanks), or that nothing is asked
    asks: tuple[bool, ...]  # per message: it asks for something or reports a problem (features.asks_or_reports)
    features: Any
    probabilities: np.ndarray  # rows: the messages, then all parts


def _feature_names(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """(names, is_word) of the feature union's columns, in order."""
    names, is_word = [], []
    for name, branch in features.transformer_list:
        out = branch.named_steps["tfidf"].get_feature_names_out().astype(str)
        names.append(out)
        is_word.append(np.full(len(out), name == "words"))
    return np.concatenate(names), np.concatenate(is_word)


class _Normalized(dict[str, str]):
    """normalize_text of the pieces of one batch, each distinct piece once: a message that is one span, or a part
    that is one segment, is normalised when segmentation asks whether it is a request, and not again."""

    def __missing__(self, raw: str) -> str:
        normalized = self[raw] = normalize_text(raw)
        return normalized

    def asks(self, raw: str) -> bool:
        """features.is_request of a raw piece; a question mark asks, so that needs no normalising."""
        return "?" in raw or is_request(self[raw], raw=raw)


def _explainable(term: str) -> bool:
    """A word n-gram a reader learns from: no marker prefix, and neither end a function word."""
    tokens = term.split()
    return not any(t.startswith(("neg_", "done_")) for t in tokens) and not (
        tokens[0] in FUNCTION_WORDS or tokens[-1] in FUNCTION_WORDS
    )


class Classifier:
    """A fitted scope pipeline with its label verdicts and unsure threshold."""

    def __init__(
        self,
        pipeline: Any,
        *,
        label_info: Mapping[str, Mapping[str, str]],
        threshold: float,
        version: str,
        segmentation: bool = True,
    ):
        self.pipeline = pipeline
        self.label_info = dict(label_info)
        self.threshold = threshold
        self.version = version
        self.manifest: Manifest | None = None
        self.segmentation = segmentation  # split messages into their requests
        model = pipeline.named_steps["classify"]
        self._classes = list(model.classes_)
        unknown = set(self._classes) - set(self.label_info)
        if unknown:
            raise ArtifactError(f"model predicts labels without a verdict: {', '.join(sorted(unknown))}")
        # Temperature scaling does not change which terms pull towards a label: explain with the regression.
        regression = model.calibrated_classifiers_[0].estimator if isinstance(model, CalibratedClassifierCV) else model
        regression = getattr(regression, "estimator", regression)  # calibrated on held-out data: a FrozenEstimator
        self._coef = regression.coef_
        self._names, self._is_word = _feature_names(pipeline.named_steps["features"])
        self._vocabulary = pipeline.named_steps["features"].transformer_list[0][1].named_steps["tfidf"].vocabulary_
        self._is_word &= np.array([_explainable(n) for n in self._names])
        self._fast = FastScorer.of(pipeline)  # None: a pipeline of another shape goes through scikit-learn

    @classmethod
    def load(cls, path: Path | str, *, key: bytes | None = None) -> Classifier:
        """Load a version directory, or the current version under a model root; verifies it first (with `key`,
        also the manifest's signature)."""
        return cls.from_artifact(*load_version_dir(resolve_model_path(path), key=key))

    @classmethod
    def from_store(cls, store: VersionStore, version: str | None = None) -> Classifier:
        """Load `version` (default: the current one) from a version store, verified as from files."""
        version = version or store.current_version()
        if version is None:
            raise ModelNotFoundError(f"{store.location}: no trained model (run 'scope-bot train')")
        return cls.from_artifact(*store.load(version))

    @classmethod
    def from_artifact(cls, pipeline: Any, manifest: Manifest) -> Classifier:
        """A classifier over a verified pipeline and its manifest."""
        classifier = cls(
            pipeline,
            label_info=manifest.labels,
            threshold=manifest.threshold,
            version=manifest.version,
            segmentation=bool(manifest.options.get("segment", True)),
        )
        classifier.manifest = manifest
        if classifier._fast is not None:
            # A model loaded to serve: its first messages count as fast as once it has run a while (about 0.1 s).
            classifier._fast.warm()
        return classifier

    def snapshot(self) -> Classifier:
        """The model serving now (itself; a hot-reloading wrapper returns the one it holds)."""
        return self

    def classify(self, text: str) -> Prediction:
        """Classify one message."""
        return self.classify_many([text])[0]

    def classify_many(self, texts: Sequence[str], *, explain: bool = True) -> list[Prediction]:
        """Classify a batch (one vectorisation for all messages and their parts); InputError if a text is empty.

        explain=False skips the decisive terms (evaluation needs only labels and verdicts).
        """
        return self.predictions(self.score_texts(texts), explain=explain)

    def known_word_shares(self, texts: Sequence[str]) -> list[float]:
        """Per text, the share of its content words that the model saw in training (model.vocabulary)."""
        return [known_share(n, vocabulary=self._vocabulary) for n in normalize_many(list(texts))]

    def score_texts(self, texts: Sequence[str]) -> ScoredBatch:
        """Vectorise a batch and compute its class probabilities (what predictions() decides on)."""
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise InputError(f"text #{i + 1} is empty: nothing to classify")
        cut = [t[:MAX_MODEL_CHARS] for t in texts]
        batch: list[str] = list(cut)
        part_rows: list[list[tuple[int, int, int]]] = []  # per message: (row in batch, start, end) of each part
        normalized_of = _Normalized()
        for text in cut:
            spans = requests(text, segment(text), is_request=normalized_of.asks) if self.segmentation else ()
            rows = []
            if len(spans) > 1:
                for span in spans:
                    rows.append((len(batch), span.start, span.end))
                    batch.append(text[span.start : span.end])
            part_rows.append(rows)
        if not cut:
            return ScoredBatch(
                texts=(), part_rows=(), context=(), done=(), asks=(), features=None, probabilities=np.zeros((0, 0))
            )
        normalized = [normalized_of[piece] for piece in batch]
        # Messages come first in the batch, their parts after; `done` and `asks` decide whole messages only.
        cues = [message_cues(n, raw=raw) for n, raw in zip(normalized[: len(cut)], cut, strict=True)]
        parts = zip(normalized[len(cut) :], batch[len(cut) :], strict=True)
        if self._fast is not None:
            features = self._fast.features(normalized)
            probabilities = self._fast.probabilities(features)
        else:
            features, probabilities = self._score_with_sklearn(normalized)
        return ScoredBatch(
            texts=tuple(cut),
            part_rows=tuple(tuple(r) for r in part_rows),
            context=(False,) * len(cut) + tuple(is_context(n, raw=raw) for n, raw in parts),
            done=tuple(c.done for c in cues),
            asks=tuple(c.asks for c in cues),
            features=features,
            probabilities=probabilities,
        )

    def _score_with_sklearn(self, normalized: list[str]) -> tuple[Any, np.ndarray]:
        # The parameters were validated at fit and the vectoriser's output is finite: re-checking both on every call
        # was a third to a half of a single message's time. One thread at a time: FeatureUnion's Parallel resets
        # and restores the process-wide warning filters around each call, so two threads at once race on them and
        # print a stray warning (scikit-learn issue #32631); the GIL serialises this work anyway.
        with _SKLEARN_CALLS, sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            features = self.pipeline.named_steps["features"].transform(normalized).tocsr()
            return features, self.pipeline.named_steps["classify"].predict_proba(features)

    def predictions(
        self, scored: ScoredBatch, *, explain: bool = True, threshold: float | None = None
    ) -> list[Prediction]:
        """Decide every message of a scored batch (with this model's threshold unless one is given)."""
        threshold = self.threshold if threshold is None else threshold
        decisions = [self._decide(p, threshold) for p in scored.probabilities]
        for i in range(len(scored.texts)):
            unsure_and_asks_nothing = decisions[i].reason == LOW_CONFIDENCE and not scored.asks[i]
            if scored.done[i] or unsure_and_asks_nothing:
                # The whole message only says that things work, or thanks, or the model is unsure and nothing is
                # asked or reported broken (a joke, a benchmark shared): not a request, rather than a hand-over.
                decisions[i] = Decision(
                    label=NONE_LABEL, verdict=UNSURE, confidence=decisions[i].confidence, reason=NOT_A_REQUEST
                )
        return [
            self._prediction(
                text,
                whole=decisions[i],
                probs=scored.probabilities[i],
                parts=[(decisions[row], s, e) for row, s, e in scored.part_rows[i] if not scored.context[row]],
                row_features=_row(scored.features, i) if explain and scored.features is not None else None,
            )
            for i, text in enumerate(scored.texts)
        ]

    def _decide(self, probs: np.ndarray, threshold: float) -> Decision:
        by_label = {label: float(p) for label, p in zip(self._classes, probs, strict=True)}
        return decide(by_label, label_info=self.label_info, threshold=threshold)

    def _prediction(
        self,
        text: str,
        *,
        whole: Decision,
        probs: np.ndarray,
        parts: list[tuple[Decision, int, int]],
        row_features: tuple[np.ndarray, np.ndarray] | None,
    ) -> Prediction:
        candidates = [
            Part(
                text=text[s:e],
                start=s,
                end=e,
                label=d.label,
                verdict=d.verdict,
                confidence=d.confidence,
                reason=d.reason,
            )
            for d, s, e in parts
        ]
        mixed = combine_parts(text, candidates) if len(candidates) > 1 else None
        ranked = sorted(zip(self._classes, probs, strict=True), key=lambda item: item[1], reverse=True)
        label = mixed[0].label if mixed else whole.label
        return Prediction(
            label=label,
            product=self.label_info[label]["product"],
            verdict=MIXED if mixed else whole.verdict,
            confidence=min(p.confidence for p in mixed) if mixed else whole.confidence,
            label_probability=float(probs[self._classes.index(label)]),
            alternatives=tuple(Alternative(label=lbl, probability=float(p)) for lbl, p in ranked[:ALTERNATIVES]),
            explanation=() if row_features is None else self._explain(row_features, label),
            model_version=self.version,
            parts=mixed
            or (
                Part(
                    text=text,
                    start=0,
                    end=len(text),
                    label=whole.label,
                    verdict=whole.verdict,
                    confidence=whole.confidence,
                    reason=whole.reason,
                ),
            ),
            reason=None if mixed else whole.reason,
        )

    def _explain(self, row_features: tuple[np.ndarray, np.ndarray], label: str) -> tuple[str, ...]:
        """Word n-grams present in the message with the largest positive pull towards `label`."""
        class_coef = self._coef[self._classes.index(label)]
        indices, data = row_features
        mask = self._is_word[indices]
        present, weights = indices[mask], data[mask]
        values = weights * class_coef[present]
        order = np.argsort(values)[::-1][:EXPLANATION_TERMS]
        return tuple(str(self._names[present[i]]) for i in order if values[i] > 0)


def _row(features: Any, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Row `i` of a CSR matrix as (column indices, values): slicing the arrays, not the matrix, which builds a
    new sparse matrix per row and was a tenth of a batch's time."""
    start, end = features.indptr[i], features.indptr[i + 1]
    return features.indices[start:end], features.data[start:end]
