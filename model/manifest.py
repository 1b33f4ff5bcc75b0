"""A model version's manifest, and the checks every saved model passes before it is rebuilt, wherever it is stored.

Loading runs no code from the artifact (model.persistence): the bytes must match the manifest's sha256, the
manifest must carry a valid signature when a key is configured, and only trusted types are rebuilt.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import sklearn

from model.errors import ArtifactError, ModelFormatError
from model.metrics import Metrics
from model.persistence import UntrustedModelError, deserialize, sha256_bytes, signature_matches

# The pipeline's shape and file: 3 = skops, calibrated, with contrast marking and the `other` label. Older versions
# are refused with a message to retrain (`scope-bot train --if-missing` retrains them).
MODEL_FORMAT = 3


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
    def from_json(cls, text: str | bytes, *, source: str) -> Manifest:
        """Parse a stored manifest; ArtifactError names `source` (a file, a database row) on any problem."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ArtifactError(f"{source}: unreadable manifest ({exc})") from exc
        try:
            metrics = data.pop("metrics", None)
            return cls(**data, metrics=Metrics.from_dict(metrics) if metrics else None)
        except (TypeError, KeyError, AttributeError) as exc:
            raise ArtifactError(f"{source}: malformed manifest ({exc})") from exc


def new_version_id(now: datetime | None = None) -> str:
    """Sortable, unique version id such as 20261121T053400Z-1a2b3c."""
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:6]}"


def utc_now_iso() -> str:
    """Current UTC time as ISO 8601; microseconds keep versions made in one second in order."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def pickled_format_error(source: str) -> ModelFormatError:
    """What a version saved as a pickle (formats 1 and 2) gets: refused unread, with how to replace it."""
    return ModelFormatError(
        f"{source}: saved as a joblib pickle by an older scope-bot, which can run code when loaded; "
        "retrain with 'scope-bot train'"
    )


def verified_pipeline(manifest: Manifest, payload: bytes, *, source: str, key: bytes | None) -> Any:
    """Rebuild the pipeline in `payload` once it passes every check; ArtifactError names `source` otherwise.

    Refused: an older format, another scikit-learn version, bytes that do not match the manifest's sha256, a
    manifest without a valid signature when `key` is given, an artifact with types that are not trusted.
    """
    if manifest.format < MODEL_FORMAT:
        raise pickled_format_error(source)
    if manifest.format != MODEL_FORMAT:
        raise ModelFormatError(
            f"{source}: model format {manifest.format}, this scope-bot reads format {MODEL_FORMAT}; "
            "retrain it with 'scope-bot train'"
        )
    if manifest.sklearn_version != sklearn.__version__:
        raise ArtifactError(
            f"{source}: model was trained with scikit-learn {manifest.sklearn_version}, "
            f"this is {sklearn.__version__}; retrain it with 'scope-bot train'"
        )
    if sha256_bytes(payload) != manifest.sha256:
        raise ArtifactError(
            f"{source}: sha256 does not match its manifest; refusing to load a file it does not vouch for"
        )
    if key is not None and not signature_matches(manifest.to_dict(), key):
        raise ArtifactError(f"{source}: no valid signature for SCOPE_BOT_MODEL_KEY; refusing a model it did not sign")
    try:
        return deserialize(payload)
    except UntrustedModelError as exc:
        raise ArtifactError(f"{source}: refused, {exc}") from exc
