import hashlib
import json
import pickle
import shutil

import pytest
import skops.io

from model.artifacts import LEGACY_MODEL_FILE, MANIFEST_FILE, MODEL_FILE, ModelStore
from model.classifier import Classifier
from model.errors import ArtifactError, ModelFormatError, ModelNotFoundError
from model.training import save_trained
from tests.support.evil import Tripwire


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
    manifest = save_trained(store, trained, parent_version=before)
    (store.version_dir(manifest.version) / MODEL_FILE).write_bytes(b"garbage")
    with pytest.raises(ArtifactError):
        store.promote(manifest.version)
    assert store.current_version() == before
    assert Classifier.load(model_root).version == before


def test_promote_rollback_and_prune_protect_current_and_parent(model_root, trained):
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


# --- no code from a model file ------------------------------------------------------------------------------------


def plant(version_dir, payload: bytes, *, file_name: str = MODEL_FILE) -> None:
    """Put `payload` where the model file is and make the manifest vouch for it, as an attacker with write access
    to the model volume could."""
    (version_dir / file_name).write_bytes(payload)
    manifest_path = version_dir / MANIFEST_FILE
    manifest = json.loads(manifest_path.read_text())
    manifest["sha256"] = hashlib.sha256(payload).hexdigest()
    manifest_path.write_text(json.dumps(manifest))


def test_a_crafted_skops_file_is_refused_before_anything_is_built(model_root, tmp_path):
    marker = tmp_path / "pwned"
    plant(current_dir(model_root), skops.io.dumps({"pipeline": Tripwire(str(marker))}))
    with pytest.raises(ArtifactError, match=r"not trusted: .*Tripwire"):
        Classifier.load(model_root)
    assert not marker.exists()


def test_a_pickle_under_the_model_files_name_is_refused_and_never_unpickled(model_root, tmp_path):
    marker = tmp_path / "pwned"
    plant(current_dir(model_root), pickle.dumps(Tripwire(str(marker))))
    with pytest.raises(ArtifactError, match="not a skops model file"):
        Classifier.load(model_root)
    assert not marker.exists()


def test_an_old_joblib_version_is_refused_with_how_to_retrain(model_root, tmp_path):
    directory = current_dir(model_root)
    marker = tmp_path / "pwned"
    plant(directory, pickle.dumps(Tripwire(str(marker))), file_name=LEGACY_MODEL_FILE)
    (directory / MODEL_FILE).unlink()
    with pytest.raises(ModelFormatError, match=r"joblib pickle .* retrain with 'scope-bot train'"):
        Classifier.load(model_root)
    assert not marker.exists()


def test_a_version_directory_linked_out_of_the_model_root_is_refused(model_root, tmp_path):
    store = ModelStore(model_root)
    outside = tmp_path / "outside"
    shutil.move(str(current_dir(model_root)), outside)
    (store.versions_dir / store.current_version()).symlink_to(outside, target_is_directory=True)
    with pytest.raises(ArtifactError, match="link out of the model root"):
        Classifier.load(model_root)


def test_with_a_key_only_manifests_it_signed_are_loaded(model_root, trained):
    key, other = b"k" * 32, b"o" * 32
    unsigned = ModelStore(model_root).current_version()
    with pytest.raises(ArtifactError, match="no valid signature"):
        ModelStore(model_root, key=key).load(unsigned)
    signed_store = ModelStore(model_root, key=key)
    manifest = save_trained(signed_store, trained, parent_version=unsigned)
    assert manifest.signature
    assert Classifier.load(signed_store.version_dir(manifest.version), key=key).version == manifest.version
    with pytest.raises(ArtifactError, match="no valid signature"):
        Classifier.load(signed_store.version_dir(manifest.version), key=other)
    # Whoever can write the model volume but has no key cannot vouch for a change.
    path = signed_store.version_dir(manifest.version) / MANIFEST_FILE
    data = json.loads(path.read_text())
    data["threshold"] = 0.31
    path.write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="no valid signature"):
        signed_store.load(manifest.version)
