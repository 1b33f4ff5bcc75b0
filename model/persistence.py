"""Turning a fitted pipeline into bytes and back without running code: skops with an explicit list of trusted types,
a sha256 that the manifest vouches for, and (with a key) an HMAC signature over the manifest.

A joblib or pickle file can run any code when it is loaded; a skops file is loaded by reconstructing only the
types it is allowed to contain. A model file with any other type is refused before anything is built.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import zipfile
from typing import Any

import skops.io as sio

# The types of scope-bot's pipeline that skops does not trust by itself: the project's own normalisation and
# marking functions, and scikit-learn's calibration internals. Everything else a model file holds must be a type
# skops trusts by default (scikit-learn estimators, numpy and scipy arrays, builtins).
TRUSTED_TYPES = (
    "model.features.prepare_many",
    "model.normalize.normalize_many",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._TemperatureScaling",
    "sklearn.frozen._frozen.FrozenEstimator",
)


class UntrustedModelError(ValueError):
    """The bytes hold a type outside TRUSTED_TYPES, or are no skops file at all."""


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def serialize(pipeline: Any) -> bytes:
    """The skops bytes of a fitted pipeline (zip-compressed)."""
    return sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def deserialize(payload: bytes) -> Any:
    """Rebuild the pipeline from skops bytes, refusing any type that is not trusted (nothing is built then)."""
    try:
        untrusted = set(sio.get_untrusted_types(data=payload)) - set(TRUSTED_TYPES)
    except (zipfile.BadZipFile, KeyError, ValueError, json.JSONDecodeError) as exc:
        raise UntrustedModelError(f"not a skops model file ({exc.__class__.__name__})") from exc
    if untrusted:
        raise UntrustedModelError(f"holds types that are not trusted: {', '.join(sorted(untrusted))}")
    try:
        return sio.loads(payload, trusted=list(TRUSTED_TYPES))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError) as exc:
        raise UntrustedModelError(f"cannot be rebuilt ({exc.__class__.__name__}: {exc})") from exc


def sign(manifest: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 over the manifest's fields (the sha256 of the model file among them), without the signature."""
    unsigned = {k: v for k, v in manifest.items() if k != "signature"}
    message = json.dumps(unsigned, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_matches(manifest: dict[str, Any], key: bytes) -> bool:
    """Whether the manifest carries a signature made with `key`."""
    return isinstance(manifest.get("signature"), str) and hmac.compare_digest(
        manifest["signature"], sign(manifest, key)
    )
