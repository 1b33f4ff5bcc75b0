"""Model versions as database rows: artifact bytes, the manifest (JSON text) and the one-row `current` pointer.

Plain values in and out; bot.services.model_store turns them into a model store (checked as files are).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.db.runner import Runner
from bot.db.schema import model_current, model_versions
from bot.db.timestamps import utc_now
from bot.errors import StoreError

_POINTER_ID = 1


@dataclass(frozen=True)
class StoredPointer:
    version: str
    history: tuple[str, ...]


class ModelVersions:
    def __init__(self, run: Runner):
        self._run = run

    def add(self, *, version: str, created_at: datetime, manifest: str, artifact: bytes) -> None:
        """Store a new version in one row: readers see all of it or none (IntegrityError if it exists)."""
        self._run(
            lambda conn: conn.execute(
                model_versions.insert().values(
                    version=version, created_at=created_at, manifest=manifest, artifact=artifact
                )
            )
        )

    def get(self, version: str) -> tuple[str, bytes] | None:
        """(manifest, artifact) of `version`, None if it is not stored."""
        row = self._run(
            lambda conn: conn.execute(
                sa.select(model_versions.c.manifest, model_versions.c.artifact).where(
                    model_versions.c.version == version
                )
            ).first()
        )
        return (row.manifest, bytes(row.artifact)) if row else None

    def manifest(self, version: str) -> str | None:
        """The manifest of `version` (without reading its artifact), None if it is not stored."""
        return self._run(
            lambda conn: conn.execute(
                sa.select(model_versions.c.manifest).where(model_versions.c.version == version)
            ).scalar_one_or_none()
        )

    def manifests(self) -> list[tuple[str, str]]:
        """(version, manifest) of every version, oldest first."""
        query = sa.select(model_versions.c.version, model_versions.c.manifest).order_by(
            model_versions.c.created_at, model_versions.c.version
        )
        return self._run(lambda conn: [(r.version, r.manifest) for r in conn.execute(query)])

    def exists(self, version: str) -> bool:
        """True if `version` is stored."""
        query = sa.select(sa.literal(1)).where(model_versions.c.version == version)
        return self._run(lambda conn: conn.execute(query).first() is not None)

    def delete(self, version: str) -> None:
        """Remove `version` (StoreError if `current` points at it: the foreign key keeps it)."""
        self._run(lambda conn: conn.execute(model_versions.delete().where(model_versions.c.version == version)))

    def pointer(self) -> StoredPointer | None:
        """The `current` row, None before the first promotion; StoreError if its history is not a JSON list."""
        row = self._run(
            lambda conn: conn.execute(
                sa.select(model_current.c.version, model_current.c.history).where(model_current.c.id == _POINTER_ID)
            ).first()
        )
        if row is None:
            return None
        try:
            history = json.loads(row.history)
        except ValueError as exc:
            raise StoreError(f"model_current: unreadable history ({exc})") from exc
        if not isinstance(history, list) or not all(isinstance(v, str) for v in history):
            raise StoreError("model_current: history is not a list of versions")
        return StoredPointer(row.version, tuple(history))

    def set_pointer(self, *, version: str, history: tuple[str, ...]) -> None:
        """Point `current` at `version` (one row, replaced in one statement)."""
        values = {"version": version, "history": json.dumps(list(history)), "updated_at": utc_now()}

        def work(conn: Connection) -> None:
            updated = conn.execute(model_current.update().where(model_current.c.id == _POINTER_ID).values(**values))
            if not updated.rowcount:
                conn.execute(model_current.insert().values(id=_POINTER_ID, **values))

        self._run(work)
