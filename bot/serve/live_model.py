"""A classifier that follows the model store's `current` pointer: hot reload without restart or failed request."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Sequence

from bot.errors import StoreError
from bot.metrics import count_reload_failure, model_in_use
from model.classifier import Classifier
from model.errors import ArtifactError, ModelNotFoundError
from model.prediction import Prediction
from model.version_store import VersionStore

log = logging.getLogger(__name__)


class LiveClassifier:
    """Serves the current model; maybe_reload() (run by a background task) swaps in a newly promoted one.

    Requests never load a model themselves, so an acknowledgement is never held up by unpickling. A version
    that fails to load, or predicts labels the serving catalog does not know, is logged once and skipped; the
    model that was serving keeps serving.
    """

    def __init__(self, store: VersionStore, *, labels: Iterable[str] | None = None):
        self.store = store
        self.labels = frozenset(labels) if labels is not None else None
        self._lock = threading.Lock()
        self._failed_version: str | None = None
        # Why the model serving is not the one `current` names (None when it is): /healthz reports it.
        self.degraded: str | None = None
        try:
            self._classifier = self._checked(Classifier.from_store(store))
        except ModelNotFoundError:
            raise
        except ArtifactError as exc:
            self._classifier = self._fall_back(exc)

    def _fallback_candidates(self) -> list[str]:
        try:
            return self.store.history()
        except ArtifactError:
            # The pointer itself is unreadable, and with it the history: any version no gate rejected, newest first.
            manifests = reversed(self.store.versions())
            return [m.version for m in manifests if (m.notes.get("gate") or {}).get("promoted", True)]

    def _fall_back(self, failure: ArtifactError) -> Classifier:
        """A worker must come up even when `current` is damaged: serve the newest earlier version that verifies."""
        for version in self._fallback_candidates():
            try:
                classifier = self._checked(Classifier.from_store(self.store, version))
            except ArtifactError as exc:
                log.error("model fallback: version %s does not load either: %s", version, exc)
                continue
            try:
                self._failed_version = self.store.current_version()
            except ArtifactError:
                self._failed_version = None
            self.degraded = f"the current model does not load ({failure}); serving {version} instead"
            log.error("model: %s", self.degraded)
            return classifier
        raise failure

    def _checked(self, classifier: Classifier) -> Classifier:
        unknown = set(classifier.label_info) - self.labels if self.labels is not None else set()
        if unknown:
            raise ArtifactError(
                f"model {classifier.version} predicts labels the catalog does not have: {', '.join(sorted(unknown))}"
            )
        return classifier

    def snapshot(self) -> Classifier:
        """The classifier in use: take it once per request, so version, manifest and verdict come from one model."""
        return self._classifier

    @property
    def version(self) -> str:
        """Version of the model in use."""
        return self._classifier.version

    @property
    def threshold(self) -> float:
        """Unsure threshold of the model in use."""
        return self._classifier.threshold

    @property
    def manifest(self):
        """Manifest of the model in use."""
        return self._classifier.manifest

    def classify(self, text: str) -> Prediction:
        """Classify with the current model."""
        return self._classifier.classify(text)

    def classify_many(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify a batch with the current model."""
        return self._classifier.classify_many(texts)

    def maybe_reload(self) -> bool:
        """Swap in the version `current` points at if it changed; True when a new model was loaded."""
        if not self._lock.acquire(blocking=False):
            return False  # another thread is checking; keep serving the loaded model meanwhile
        try:
            try:
                wanted = self.store.current_version()
            except (ArtifactError, StoreError) as exc:  # the database may be away for a moment: retried next time
                log.error("model reload: cannot read current pointer: %s", exc)
                count_reload_failure()
                return False
            if wanted == self._classifier.version:
                self.degraded = None  # e.g. rolled back to the version the fallback chose
                return False
            if wanted is None or wanted == self._failed_version:
                return False
            try:
                fresh = self._checked(Classifier.from_store(self.store, wanted))
            except StoreError as exc:
                count_reload_failure()
                log.error("model reload: cannot read version %s, keeping %s: %s", wanted, self._classifier.version, exc)
                return False
            except ArtifactError as exc:
                self._failed_version = wanted
                count_reload_failure()
                log.error(
                    "model reload: version %s does not load, keeping %s: %s", wanted, self._classifier.version, exc
                )
                return False
            log.info("model reload: %s -> %s", self._classifier.version, fresh.version)
            model_in_use(fresh.version, previous=self._classifier.version, reloaded=True)
            self._classifier = fresh
            self._failed_version = None
            self.degraded = None
            return True
        finally:
            self._lock.release()
