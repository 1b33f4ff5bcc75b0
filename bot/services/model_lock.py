"""One process at a time may change the models: train, retrain, promote or roll back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from bot.errors import RetrainLockedError

LOCK_FILE = "retrain.lock"


@contextmanager
def model_change_lock(model_dir: Path, *, action: str) -> Iterator[None]:
    """Hold the model directory's lock for `action`; RetrainLockedError at once if another run holds it."""
    model_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(model_dir / LOCK_FILE, timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise RetrainLockedError(
            f"another retrain is running or the models are being changed (lock {lock.lock_file} is held); "
            f"not starting {action}"
        ) from exc
    try:
        yield
    finally:
        lock.release()
