"""Where the model versions live: files under SCOPE_BOT_MODEL_DIR, or rows of the database every replica shares
(SCOPE_BOT_MODEL_STORE; the default follows SCOPE_BOT_DB: files with SQLite, the database with PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from filelock import FileLock, Timeout
from sqlalchemy.exc import IntegrityError

from bot.db import Store
from bot.db.dialects import MODEL_CHANGE_LOCK, advisory_lock
from bot.errors import RetrainLockedError, StoreError
from bot.settings import MODEL_STORE_DATABASE, Settings
from model.artifacts import ModelStore
from model.classifier import Classifier
from model.errors import ArtifactError, ModelNotFoundError
from model.manifest import Manifest
from model.version_store import Pointer, VersionStore

LOCK_FILE = "retrain.lock"


class DatabaseModelStore(VersionStore):
    """Model versions as rows (bot.db.model_versions); loaded with the same checks as a version directory."""

    def __init__(self, db: Store, *, key: bytes | None = None):
        super().__init__(key=key)
        self.db = db

    @property
    def location(self) -> str:
        return "the database"

    def _put(self, manifest: Manifest, payload: bytes) -> None:
        try:
            self.db.model_versions.add(
                version=manifest.version,
                created_at=datetime.fromisoformat(manifest.created_at),
                manifest=manifest.to_json(),
                artifact=payload,
            )
        except IntegrityError as exc:
            raise ArtifactError(f"model version {manifest.version} is already in the database") from exc

    def _read(self, version: str) -> tuple[Manifest, bytes]:
        row = self.db.model_versions.get(version)
        if row is None:
            raise ModelNotFoundError(f"model version {version!r} not found in the database")
        text, payload = row
        return Manifest.from_json(text, source=self.describe(version)), payload

    def manifest(self, version: str) -> Manifest:
        text = self.db.model_versions.manifest(version)
        if text is None:
            raise ModelNotFoundError(f"model version {version!r} not found in the database")
        return Manifest.from_json(text, source=self.describe(version))

    def versions(self) -> list[Manifest]:
        manifests = []
        for version, text in self.db.model_versions.manifests():
            try:
                manifests.append(Manifest.from_json(text, source=self.describe(version)))
            except ArtifactError:
                continue
        return sorted(manifests, key=lambda m: (m.created_at, m.version))

    def has(self, version: str) -> bool:
        return self.db.model_versions.exists(version)

    def _delete(self, version: str) -> None:
        self.db.model_versions.delete(version)

    def _read_pointer(self) -> Pointer | None:
        try:
            pointer = self.db.model_versions.pointer()
        except StoreError as exc:
            raise ArtifactError(f"the database's current-model pointer: {exc}") from exc
        return Pointer(pointer.version, pointer.history) if pointer else None

    def _write_pointer(self, pointer: Pointer) -> None:
        self.db.model_versions.set_pointer(version=pointer.version, history=pointer.history)


def open_model_store(settings: Settings, db: Store) -> VersionStore:
    """The configured model store (the database store reads and writes through `db`)."""
    if settings.model_store == MODEL_STORE_DATABASE:
        return DatabaseModelStore(db, key=settings.model_key)
    return ModelStore(settings.model_dir, key=settings.model_key)


def current_classifier(settings: Settings, db: Store) -> Classifier:
    """The current model of the configured store (ModelNotFoundError before the first training)."""
    return Classifier.from_store(open_model_store(settings, db))


@contextmanager
def model_change_lock(settings: Settings, db: Store, *, action: str) -> Iterator[None]:
    """Let one process at a time change the models (train, retrain, promote, roll back): RetrainLockedError at once
    if another holds the lock. Models in a PostgreSQL database take its advisory lock, so pods that share no
    filesystem exclude each other; otherwise a lock file in the model directory."""
    refused = f"another retrain is running or the models are being changed; not starting {action}"
    if settings.model_store == MODEL_STORE_DATABASE and db.engine.dialect.name == "postgresql":
        with advisory_lock(db.engine, MODEL_CHANGE_LOCK) as taken:
            if not taken:
                raise RetrainLockedError(f"{refused} (the database's model lock is held)")
            yield
        return
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(settings.model_dir / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RetrainLockedError(f"{refused} (lock {lock.lock_file} is held)") from exc
    try:
        yield
    finally:
        lock.release()
