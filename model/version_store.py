"""Model versions and the `current` pointer, whatever holds them: files under a model root (model.artifacts) or
database rows (bot.db.model_versions). The rules live here once: what is saved, what may become current, what a
rollback returns to, what pruning keeps."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any

import sklearn

from model.errors import ArtifactError, ModelNotFoundError
from model.manifest import MODEL_FORMAT, Manifest, new_version_id, utc_now_iso, verified_pipeline
from model.persistence import serialize, sha256_bytes, sign

HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Pointer:
    """What `current` says: the version in use, and the versions current before it, newest first."""

    version: str
    history: tuple[str, ...] = ()


class VersionStore(ABC):
    """Saved versions (artifact bytes plus manifest) and the `current` pointer."""

    def __init__(self, *, key: bytes | None = None):
        self.key = key  # signs saved manifests and is required of loaded ones

    # --- what a storage provides ---------------------------------------------------------------------------------

    @property
    @abstractmethod
    def location(self) -> str:
        """Where the versions are, for messages (a directory, a database)."""

    @abstractmethod
    def _put(self, manifest: Manifest, payload: bytes) -> None:
        """Store a new, complete version at once (a reader never sees half of it)."""

    @abstractmethod
    def _read(self, version: str) -> tuple[Manifest, bytes]:
        """The manifest and artifact bytes of `version`; ModelNotFoundError if it is not there."""

    @abstractmethod
    def manifest(self, version: str) -> Manifest:
        """The manifest of `version`; ModelNotFoundError if it is not there."""

    @abstractmethod
    def versions(self) -> list[Manifest]:
        """Manifests of all complete versions, oldest first (unreadable ones are skipped)."""

    @abstractmethod
    def has(self, version: str) -> bool:
        """True if `version` is stored."""

    @abstractmethod
    def _delete(self, version: str) -> None: ...

    @abstractmethod
    def _read_pointer(self) -> Pointer | None:
        """The pointer, None before the first promotion; ArtifactError if it is unreadable."""

    @abstractmethod
    def _write_pointer(self, pointer: Pointer) -> None:
        """Replace the pointer atomically."""

    # --- the rules -----------------------------------------------------------------------------------------------

    def save(self, pipeline: Any, manifest_fields: dict[str, Any]) -> Manifest:
        """Store a new version and return its manifest; `current` is untouched."""
        payload = serialize(pipeline)
        manifest = Manifest(
            **{
                **manifest_fields,
                "version": manifest_fields.get("version") or new_version_id(),
                "created_at": manifest_fields.get("created_at") or utc_now_iso(),
                "sklearn_version": sklearn.__version__,
                "format": MODEL_FORMAT,
                "sha256": sha256_bytes(payload),
                "signature": None,
            }
        )
        if self.key is not None:
            manifest = replace(manifest, signature=sign(manifest.to_dict(), self.key))
        self._put(manifest, payload)
        return manifest

    def load(self, version: str) -> tuple[Any, Manifest]:
        """The pipeline of `version` and its manifest, after every check of model.manifest.verified_pipeline."""
        manifest, payload = self._read(version)
        return verified_pipeline(manifest, payload, source=self.describe(version), key=self.key), manifest

    def copy_from(self, other: VersionStore, version: str) -> Manifest:
        """Store `other`'s `version` here unchanged (its signature stays valid), once it verifies with this
        store's key; `current` is untouched."""
        manifest, payload = other._read(version)
        verified_pipeline(manifest, payload, source=other.describe(version), key=self.key)
        self._put(manifest, payload)
        return manifest

    def describe(self, version: str) -> str:
        """How messages name `version`."""
        return f"model version {version} in {self.location}"

    def current_version(self) -> str | None:
        """The version `current` points at, or None before the first promotion."""
        pointer = self._read_pointer()
        return pointer.version if pointer else None

    def history(self) -> list[str]:
        """Versions that were current before, newest first."""
        pointer = self._read_pointer()
        return list(pointer.history) if pointer else []

    def promote(self, version: str) -> None:
        """Point `current` at `version`; the version must load and verify first."""
        self.load(version)
        pointer = self._read_pointer()
        history: list[str] = []
        if pointer and pointer.version != version:
            history = [pointer.version, *pointer.history]
        self._write_pointer(Pointer(version, tuple(v for v in history if v != version)[:HISTORY_LIMIT]))

    def rollback(self) -> str:
        """Point `current` back at the version that was current before it; returns that version."""
        pointer = self._read_pointer()
        if not pointer:
            raise ModelNotFoundError(f"{self.location}: no current model to roll back from")
        history = [v for v in pointer.history if self.has(v)]
        if not history:
            raise ArtifactError(f"{self.location}: no earlier version to roll back to")
        previous = history[0]
        self.load(previous)
        self._write_pointer(Pointer(previous, tuple(history[1:])))
        return previous

    def prune(self, keep: int) -> list[str]:
        """Delete all but the newest `keep` versions, never `current`, its parent or the rollback target."""
        versions = self.versions()
        protected: set[str] = set()
        current = self.current_version()
        if current:
            protected.add(current)
            history = self.history()
            if history:
                protected.add(history[0])
            try:
                parent = self.manifest(current).parent_version
            except ArtifactError:
                parent = None
            if parent:
                protected.add(parent)
        newest = {m.version for m in versions[-keep:]} if keep > 0 else set()
        removed = []
        for m in versions:
            if m.version not in newest and m.version not in protected:
                self._delete(m.version)
                removed.append(m.version)
        return removed
