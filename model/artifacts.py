"""Model versions on disk: one directory per version (skops file + JSON manifest) and an atomic `current` pointer.

Layout under the model root:
    versions/<version>/model.skops
    versions/<version>/manifest.json
    current            JSON {"version": ..., "history": [older current versions, newest first]}

Loading runs no code from the file (model.persistence): the file must match the manifest's sha256, the manifest
must carry a valid signature when a key is configured, and no version directory may be a link out of the root.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from model.errors import ArtifactError, ModelFormatError, ModelNotFoundError
from model.metrics import Metrics
from model.persistence import UntrustedModelError, deserialize, serialize, sha256_bytes, sign, signature_matches

MODEL_FILE = "model.skops"
LEGACY_MODEL_FILE = "model.joblib"  # format 1 and 2: pickles, which can run code when loaded; never loaded now
# The pipeline's shape and file: 3 = skops, calibrated, with contrast marking and the `other` label. Older versions
# are refused with a message to retrain (`scope-bot train --if-missing` retrains them).
MODEL_FORMAT = 3
MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "current"
VERSIONS_DIR = "versions"
HISTORY_LIMIT = 20


@dataclass(frozen=True)
class Manifest:
    version: str
    created_at: str
    sklearn_version: str
    data_hash: str
    sha256: str
    threshold: float
    labels: dict[str, dict[str, str]]  # label -> {product, verdict}
    metrics: Metrics | None = None  # on the dev set
    params: dict[str, Any] = field(default_factory=dict)
    cv_score: float | None = None
    train_counts: dict[str, int] = field(default_factory=dict)
    parent_version: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)
    options: dict[str, bool | str] = field(default_factory=dict)  # model.pipeline.FeatureOptions
    format: int = 1
    signature: str | None = None  # HMAC-SHA256 of the other fields with SCOPE_BOT_MODEL_KEY, when one is set

    def to_json(self) -> str:
        """Serialise for manifest.json."""
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True)

    def to_dict(self) -> dict[str, Any]:
        """The fields as they are stored (what a signature covers)."""
        data: dict[str, Any] = json.loads(self.to_json())
        return data

    @classmethod
    def from_file(cls, path: Path) -> Manifest:
        """Read and check a manifest.json; ArtifactError names the file on any problem."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ModelNotFoundError(f"{path}: manifest missing") from exc
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{path}: unreadable manifest ({exc})") from exc
        try:
            metrics = data.pop("metrics", None)
            return cls(**data, metrics=Metrics.from_dict(metrics) if metrics else None)
        except (TypeError, KeyError, AttributeError) as exc:
            raise ArtifactError(f"{path}: malformed manifest ({exc})") from exc


def new_version_id(now: datetime | None = None) -> str:
    """Sortable, unique version id such as 20261121T053400Z-1a2b3c."""
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def utc_now_iso() -> str:
    """Current UTC time as ISO 8601; microseconds keep versions made in one second in order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _atomic_write(path: Path, data: bytes) -> None:
    """Write, fsync, rename: a reader sees the old content or the new, never half."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    _write_synced(tmp, data)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class ModelStore:
    """The versions under one model root directory."""

    def __init__(self, root: Path | str, *, key: bytes | None = None):
        self.root = Path(root)
        self.versions_dir = self.root / VERSIONS_DIR
        self.key = key  # signs saved manifests and is required of loaded ones

    def version_dir(self, version: str) -> Path:
        """Directory of `version` (it may not exist); ArtifactError if it is a link out of the model root."""
        if not version or "/" in version or version.startswith("."):
            raise ArtifactError(f"invalid model version {version!r}")
        directory = self.versions_dir / version
        if directory.exists() and not directory.resolve().is_relative_to(self.versions_dir.resolve()):
            raise ArtifactError(f"{directory}: a link out of the model root {self.root}; refusing to load it")
        return directory

    def save(self, pipeline: Any, manifest_fields: dict[str, Any]) -> Manifest:
        """Write a new version directory (temp dir, fsync, rename) and return its manifest; `current` is untouched."""
        version = manifest_fields.get("version") or new_version_id()
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        payload = serialize(pipeline)
        manifest = Manifest(
            **{
                **manifest_fields,
                "version": version,
                "created_at": manifest_fields.get("created_at") or utc_now_iso(),
                "sklearn_version": sklearn.__version__,
                "format": MODEL_FORMAT,
                "sha256": sha256_bytes(payload),
                "signature": None,
            }
        )
        if self.key is not None:
            manifest = Manifest(**{**manifest.__dict__, "signature": sign(manifest.to_dict(), self.key)})
        tmp = self.versions_dir / f".tmp-{version}"
        tmp.mkdir()
        _write_synced(tmp / MODEL_FILE, payload)
        _write_synced(tmp / MANIFEST_FILE, manifest.to_json().encode("utf-8"))
        _fsync_dir(tmp)
        os.rename(tmp, self.version_dir(version))
        _fsync_dir(self.versions_dir)
        return manifest

    def manifest(self, version: str) -> Manifest:
        """The manifest of `version`."""
        directory = self.version_dir(version)
        if not directory.is_dir():
            raise ModelNotFoundError(f"model version {version!r} not found in {self.versions_dir}")
        return Manifest.from_file(directory / MANIFEST_FILE)

    def load(self, version: str) -> tuple[Any, Manifest]:
        """Load the pipeline of `version` after checking it against its manifest (see load_version_dir)."""
        return load_version_dir(self.version_dir(version), key=self.key)

    def versions(self) -> list[Manifest]:
        """Manifests of all complete versions, oldest first (unreadable ones are skipped)."""
        if not self.versions_dir.is_dir():
            return []
        manifests = []
        for path in sorted(self.versions_dir.iterdir()):
            if path.name.startswith(".") or not path.is_dir():
                continue
            try:
                manifests.append(Manifest.from_file(path / MANIFEST_FILE))
            except ArtifactError:
                continue
        return sorted(manifests, key=lambda m: (m.created_at, m.version))

    def _read_pointer(self) -> dict[str, Any] | None:
        path = self.root / CURRENT_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{path}: unreadable current-model pointer ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise ArtifactError(f"{path}: malformed current-model pointer")
        return data

    def current_version(self) -> str | None:
        """The version `current` points at, or None before the first promotion."""
        pointer = self._read_pointer()
        return pointer["version"] if pointer else None

    def history(self) -> list[str]:
        """Versions that were current before, newest first."""
        pointer = self._read_pointer()
        return list(pointer.get("history", [])) if pointer else []

    def promote(self, version: str) -> None:
        """Point `current` at `version` atomically; the version must load and verify first."""
        self.load(version)
        pointer = self._read_pointer()
        history: list[str] = []
        if pointer and pointer["version"] != version:
            history = [pointer["version"], *pointer.get("history", [])]
        history = [v for v in history if v != version][:HISTORY_LIMIT]
        self.root.mkdir(parents=True, exist_ok=True)
        _atomic_write(self.root / CURRENT_FILE, json.dumps({"version": version, "history": history}).encode())

    def rollback(self) -> str:
        """Point `current` back at the version that was current before it; returns that version."""
        pointer = self._read_pointer()
        if not pointer:
            raise ModelNotFoundError(f"{self.root}: no current model to roll back from")
        history = [v for v in pointer.get("history", []) if self.version_dir(v).is_dir()]
        if not history:
            raise ArtifactError(f"{self.root}: no earlier version to roll back to")
        previous = history[0]
        self.load(previous)
        _atomic_write(self.root / CURRENT_FILE, json.dumps({"version": previous, "history": history[1:]}).encode())
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
                shutil.rmtree(self.version_dir(m.version))
                removed.append(m.version)
        return removed


def load_version_dir(directory: Path, *, key: bytes | None = None) -> tuple[Any, Manifest]:
    """Verify and rebuild the model in a version directory.

    Refused: an older format (joblib), another scikit-learn version, a file that does not match the manifest's
    sha256, a manifest without a valid signature when `key` is given, a file with types that are not trusted.
    """
    if not directory.is_dir():
        raise ModelNotFoundError(f"{directory}: no such model directory")
    manifest = Manifest.from_file(directory / MANIFEST_FILE)
    if (directory / LEGACY_MODEL_FILE).exists() or manifest.format < MODEL_FORMAT:
        raise ModelFormatError(
            f"{directory}: saved as a joblib pickle by an older scope-bot, which can run code when loaded; "
            "retrain with 'scope-bot train'"
        )
    if manifest.format != MODEL_FORMAT:
        raise ModelFormatError(
            f"{directory}: model format {manifest.format}, this scope-bot reads format {MODEL_FORMAT}; "
            "retrain it with 'scope-bot train'"
        )
    if manifest.sklearn_version != sklearn.__version__:
        raise ArtifactError(
            f"{directory}: model was trained with scikit-learn {manifest.sklearn_version}, "
            f"this is {sklearn.__version__}; retrain it with 'scope-bot train'"
        )
    model_path = directory / MODEL_FILE
    try:
        payload = model_path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelNotFoundError(f"{model_path}: model file missing") from exc
    if sha256_bytes(payload) != manifest.sha256:
        raise ArtifactError(
            f"{model_path}: sha256 does not match its manifest; refusing to load a file it does not vouch for"
        )
    if key is not None and not signature_matches(manifest.to_dict(), key):
        raise ArtifactError(
            f"{directory / MANIFEST_FILE}: no valid signature for SCOPE_BOT_MODEL_KEY; refusing a model it did not sign"
        )
    try:
        pipeline = deserialize(payload)
    except UntrustedModelError as exc:
        raise ArtifactError(f"{model_path}: refused, {exc}") from exc
    return pipeline, manifest


def resolve_model_path(path: Path | str) -> Path:
    """A version directory as given, or the current version's directory under a model root."""
    path = Path(path)
    if (path / MANIFEST_FILE).exists():
        return path
    store = ModelStore(path)
    version = store.current_version()
    if version is None:
        raise ModelNotFoundError(f"{path}: no trained model (run 'scope-bot train')")
    return store.version_dir(version)
