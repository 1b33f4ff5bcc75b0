import json

import pytest

from model.artifacts import MANIFEST_FILE, MODEL_FILE, ModelStore
from model.classifier import Classifier
from model.errors import ArtifactError, ModelNotFoundError


def current_dir(root):
    store = ModelStore(root)
    return store.version_dir(store.current_version())


def test_round_trip_keeps_predictions_and_manifest(model_root, classifier):
    loaded = Classifier.load(model_root)
    manifest = loaded.manifest
    assert loaded.version == classifier.version
    for key in ("version", "created_at", "sklearn_version", "data_hash", "sha256", "threshold", "metrics"):
        assert getattr(manifest, key) not in (None, "", {}), key
    text = "wer richtet mir DNS-Einträge für meine Domain ein?"
    assert loaded.classify(text) == classifier.classify(text)


def test_a_changed_byte_is_refused(model_root):
    path = current_dir(model_root) / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match="sha256 does not match"):
        Classifier.load(model_root)


def test_other_scikit_learn_version_is_refused(model_root):
    manifest_path = current_dir(model_root) / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["sklearn_version"] = "0.24.2"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"scikit-learn 0\.24\.2"):
        Classifier.load(model_root)


def test_missing_model_and_corrupt_manifest(tmp_path, model_root):
    with pytest.raises(ModelNotFoundError, match="no trained model"):
        Classifier.load(tmp_path / "empty")
    (current_dir(model_root) / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(ArtifactError, match="unreadable manifest"):
        Classifier.load(model_root)


def test_promote_refuses_a_broken_version_and_keeps_current(model_root, trained):
    store = ModelStore(model_root)
    before = store.current_version()
    from model.training import save_trained

    manifest = save_trained(store, trained, parent_version=before)
    (store.version_dir(manifest.version) / MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(ArtifactError):
        store.promote(manifest.version)
    assert store.current_version() == before
    assert Classifier.load(model_root).version == before


def test_promote_rollback_and_prune_protect_current_and_parent(model_root, trained):
    from model.training import save_trained

    store = ModelStore(model_root)
    first = store.current_version()
    versions = [first]
    for _ in range(3):
        manifest = save_trained(store, trained, parent_version=versions[-1])
        store.promote(manifest.version)
        versions.append(manifest.version)
    assert store.current_version() == versions[-1]
    assert store.rollback() == versions[-2]
    assert store.current_version() == versions[-2]
    removed = store.prune(keep=1)
    remaining = {m.version for m in store.versions()}
    assert store.current_version() in remaining
    assert store.manifest(store.current_version()).parent_version in remaining
    assert set(removed) and not set(removed) & remaining
