"""Model versions on disk: one directory per version (skops file + JSON manifest) and an atomic `current` pointer.

Layout under the model root:
    versions/<version>/model.skops
    versions/<version>/manifest.json
    current            JSON {"version": ..., "history": [older current versions, newest first]}

Every version is checked as model.manifest.verified_pipeline says before it is rebuilt, and no version directory
may be a link out of the root. bot.db.model_versions keeps the same versions in a database instead.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from model.errors import ArtifactError, ModelNotFoundError
from model.manifest import (
    MODEL_FORMAT,
    Manifest,
    new_version_id,
    pickled_format_error,
    utc_now_iso,
    verified_pipeline,
)
from model.version_store import HISTORY_LIMIT, Pointer, VersionStore

__all__ = [
    "CURRENT_FILE",
    "HISTORY_LIMIT",
    "LEGACY_MODEL_FILE",
    "MANIFEST_FILE",
    "MODEL_FILE",
    "MODEL_FORMAT",
    "VERSIONS_DIR",
    "Manifest",
    "ModelStore",
    "load_version_dir",
    "new_version_id",
    "read_manifest",
    "resolve_model_path",
    "utc_now_iso",
]

MODEL_FILE = "model.skops"
LEGACY_MODEL_FILE = "model.joblib"  # format 1 and 2: pickles, which can run code when loaded; never loaded now
MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "current"
VERSIONS_DIR = "versions"


def read_manifest(path: Path) -> Manifest:
    """Read and check a manifest.json; ArtifactError names the file on any problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelNotFoundError(f"{path}: manifest missing") from exc
    except OSError as exc:
        raise ArtifactError(f"{path}: unreadable manifest ({exc})") from exc
    return Manifest.from_json(text, source=str(path))


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


class ModelStore(VersionStore):
    """The versions under one model root directory."""

    def __init__(self, root: Path | str, *, key: bytes | None = None):
        super().__init__(key=key)
        self.root = Path(root)
        self.versions_dir = self.root / VERSIONS_DIR

    @property
    def location(self) -> str:
        return str(self.versions_dir)

    def describe(self, version: str) -> str:
        return str(self.version_dir(version))

    def version_dir(self, version: str) -> Path:
        """Directory of `version` (it may not exist); ArtifactError if it is a link out of the model root."""
        if not version or "/" in version or version.startswith("."):
            raise ArtifactError(f"invalid model version {version!r}")
        directory = self.versions_dir / version
        if directory.exists() and not directory.resolve().is_relative_to(self.versions_dir.resolve()):
            raise ArtifactError(f"{directory}: a link out of the model root {self.root}; refusing to load it")
        return directory

    def _put(self, manifest: Manifest, payload: bytes) -> None:
        """A temp dir, fsync, rename: the version directory appears complete or not at all."""
        self.versions_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.versions_dir / f".tmp-{manifest.version}"
        tmp.mkdir()
        _write_synced(tmp / MODEL_FILE, payload)
        _write_synced(tmp / MANIFEST_FILE, manifest.to_json().encode("utf-8"))
        _fsync_dir(tmp)
        os.rename(tmp, self.version_dir(manifest.version))
        _fsync_dir(self.versions_dir)

    def _read(self, version: str) -> tuple[Manifest, bytes]:
        return _read_version_dir(self.version_dir(version))

    def manifest(self, version: str) -> Manifest:
        directory = self.version_dir(version)
        if not directory.is_dir():
            raise ModelNotFoundError(f"model version {version!r} not found in {self.versions_dir}")
        return read_manifest(directory / MANIFEST_FILE)

    def versions(self) -> list[Manifest]:
        if not self.versions_dir.is_dir():
            return []
        manifests = []
        for path in sorted(self.versions_dir.iterdir()):
            if path.name.startswith(".") or not path.is_dir():
                continue
            try:
                manifests.append(read_manifest(path / MANIFEST_FILE))
            except ArtifactError:
                continue
        return sorted(manifests, key=lambda m: (m.created_at, m.version))

    def has(self, version: str) -> bool:
        return self.version_dir(version).is_dir()

    def _delete(self, version: str) -> None:
        shutil.rmtree(self.version_dir(version))

    def _read_pointer(self) -> Pointer | None:
        path = self.root / CURRENT_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"{path}: unreadable current-model pointer ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("version"), str):
            raise ArtifactError(f"{path}: malformed current-model pointer")
        return Pointer(data["version"], tuple(data.get("history", [])))

    def _write_pointer(self, pointer: Pointer) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {"version": pointer.version, "history": list(pointer.history)}
        _atomic_write(self.root / CURRENT_FILE, json.dumps(data).encode())


def _read_version_dir(directory: Path) -> tuple[Manifest, bytes]:
    if not directory.is_dir():
        raise ModelNotFoundError(f"{directory}: no such model directory")
    manifest = read_manifest(directory / MANIFEST_FILE)
    if (directory / LEGACY_MODEL_FILE).exists() or manifest.format < MODEL_FORMAT:
        raise pickled_format_error(str(directory))
    model_path = directory / MODEL_FILE
    try:
        return manifest, model_path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelNotFoundError(f"{model_path}: model file missing") from exc


def load_version_dir(directory: Path, *, key: bytes | None = None) -> tuple[Any, Manifest]:
    """Verify and rebuild the model in a version directory (see model.manifest.verified_pipeline)."""
    manifest, payload = _read_version_dir(directory)
    return verified_pipeline(manifest, payload, source=str(directory), key=key), manifest


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
