"""Models published through the database: saved, verified at load exactly as files are, promoted, rolled back,
pruned, followed by hot reload, and changed by one process at a time. Marked `postgres`: each test runs on SQLite
(with SCOPE_BOT_MODEL_STORE=database) and on a live PostgreSQL server."""

from __future__ import annotations

import json

import pytest
import skops.io
import sqlalchemy as sa

from bot.db import Store
from bot.db.schema import model_current, model_versions
from bot.errors import RetrainLockedError
from bot.serve.live_model import LiveClassifier
from bot.services.model_store import DatabaseModelStore, model_change_lock, open_model_store
from bot.settings import MODEL_STORE_DATABASE
from model.artifacts import ModelStore
from model.classifier import Classifier
from model.errors import ArtifactError, ModelNotFoundError
from model.persistence import sha256_bytes
from tests.support.evil import Tripwire

pytestmark = pytest.mark.postgres
KEY = b"a-model-key-of-32-characters-ok!"
PROBE = "Could you install Ollama with Llama 3 on our GPU VM for us?"


@pytest.fixture
def db_settings(settings):
    return settings.with_overrides(model_store=MODEL_STORE_DATABASE)


@pytest.fixture
def published(db_settings, store) -> DatabaseModelStore:
    """The session model copied into the database and made current there."""
    files = ModelStore(db_settings.model_dir)
    models = open_model_store(db_settings, store)
    assert isinstance(models, DatabaseModelStore)
    version = files.current_version()
    models.copy_from(files, version)
    models.promote(version)
    return models


def _again(models, *, parent: str | None = None, key: bytes | None = None) -> str:
    """A new version: the current pipeline saved anew (no training)."""
    pipeline, m = models.load(models.current_version())
    fields = {k: getattr(m, k) for k in ("data_hash", "threshold", "labels", "metrics", "params", "options")}
    target = models if key is None else DatabaseModelStore(models.db, key=key)
    return target.save(pipeline, {**fields, "parent_version": parent or m.version}).version


def _set(store: Store, version: str, **values) -> None:
    with store.engine.begin() as conn:
        conn.execute(model_versions.update().where(model_versions.c.version == version).values(**values))


def test_a_published_version_classifies_as_the_files_do(published, db_settings, classifier):
    loaded = Classifier.from_store(published)
    assert loaded.version == classifier.version == published.current_version()
    assert loaded.classify(PROBE).to_dict() == classifier.classify(PROBE).to_dict()
    assert [m.version for m in published.versions()] == [classifier.version]
    assert published.manifest(classifier.version).sha256 == classifier.manifest.sha256


def test_changed_bytes_a_crafted_file_and_an_unsigned_manifest_are_refused(published, store, tmp_path):
    version = published.current_version()
    _, payload = store.model_versions.get(version)
    _set(store, version, artifact=payload[:-1] + bytes([payload[-1] ^ 1]))
    with pytest.raises(ArtifactError, match=f"model version {version} in the database: sha256 does not match"):
        Classifier.from_store(published)

    marker = tmp_path / "pwned"
    evil = skops.io.dumps({"pipeline": Tripwire(str(marker))})
    manifest = published.manifest(version).to_dict() | {"sha256": sha256_bytes(evil)}
    _set(store, version, artifact=evil, manifest=json.dumps(manifest))
    with pytest.raises(ArtifactError, match=r"not trusted: .*Tripwire"):
        Classifier.from_store(published)
    assert not marker.exists()

    signed = DatabaseModelStore(store, key=KEY)
    with pytest.raises(ArtifactError, match="no valid signature"):
        signed.load(version)  # saved without the key


def test_signed_versions_load_only_with_the_key_and_copy_with_their_signature(published, store, tmp_path):
    version = _again(published, key=KEY)
    signed = DatabaseModelStore(store, key=KEY)
    assert signed.load(version)[1].signature
    files = ModelStore(tmp_path / "models", key=KEY)
    files.copy_from(signed, version)  # the same bytes and manifest: the signature stays valid
    assert files.load(version)[1].signature == signed.manifest(version).signature


def test_promote_rollback_and_prune_keep_what_may_be_needed(published, store):
    first = published.current_version()
    second = _again(published)
    third = _again(published, parent=second)
    published.promote(second)
    published.promote(third)
    assert (published.current_version(), published.history()) == (third, [second, first])
    assert published.rollback() == second
    assert published.current_version() == second
    with pytest.raises(ModelNotFoundError):
        published.promote("20990101T000000Z-nope00")
    assert published.current_version() == second

    newer = [_again(published, parent=first) for _ in range(2)]
    removed = published.prune(keep=1)
    # Kept: the newest, current (second), its parent and the rollback target (both `first`).
    assert set(removed) == {third, newer[0]}
    assert {m.version for m in published.versions()} == {first, second, newer[1]}
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(model_current)).scalar() == 1


def test_hot_reload_follows_the_database_and_keeps_serving_a_broken_version(published, store, catalog):
    live = LiveClassifier(published, labels=catalog.labels)
    before = live.version
    good = _again(published)
    published.promote(good)
    assert live.maybe_reload() and live.version == good

    broken = _again(published)
    published.promote(broken)
    _set(store, broken, artifact=b"not a model")
    assert not live.maybe_reload()
    assert live.version == good and live.classify(PROBE).model_version == good
    published.rollback()
    assert not live.maybe_reload() and live.version == good
    assert before != good


def test_only_one_process_changes_the_models(db_settings, db_url):
    first, second = Store.open(db_url), Store.open(db_url)  # two pods: two connection pools
    try:
        with (
            model_change_lock(db_settings, first, action="a promotion"),
            pytest.raises(RetrainLockedError, match="not starting a rollback"),
            model_change_lock(db_settings, second, action="a rollback"),
        ):
            pass
        with model_change_lock(db_settings, second, action="a rollback"):
            pass  # released with the block
    finally:
        first.close()
        second.close()
