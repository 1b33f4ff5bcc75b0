"""Hot reload: a promoted model is picked up by maybe_reload; one the serving catalog cannot answer is refused."""

import json

import pytest

from bot.serve.live_model import LiveClassifier
from model.artifacts import ModelStore
from model.errors import ArtifactError
from model.training import save_trained


def test_reload_swaps_in_a_promoted_version(model_root, trained, catalog):
    live = LiveClassifier(ModelStore(model_root), labels=catalog.labels)
    before = live.version
    new = save_trained(ModelStore(model_root), trained, parent_version=before).version
    ModelStore(model_root).promote(new)
    assert live.version == before  # requests never reload by themselves
    assert live.maybe_reload() is True
    assert live.snapshot().version == live.version == new


def test_a_model_with_labels_the_catalog_lacks_is_refused_and_the_old_one_serves(model_root, trained, catalog, caplog):
    live = LiveClassifier(ModelStore(model_root), labels=catalog.labels)
    before = live.version
    store = ModelStore(model_root)
    newer = save_trained(store, trained, parent_version=before).version
    # As if trained after a row was added to a catalog the running bot has not loaded yet.
    manifest_path = store.version_dir(newer) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["labels"]["cstack.new_row"] = {"product": "cstack", "verdict": "in_scope"}
    manifest_path.write_text(json.dumps(manifest))
    store.promote(newer)
    assert live.maybe_reload() is False
    assert live.version == before
    assert "cstack.new_row" in caplog.text
    assert live.classify("mein 2FA im ccenter geht nicht").model_version == before


def test_the_running_bot_refuses_models_with_rows_its_catalog_lacks(settings, fake, catalog):
    from bot.serve.runtime import build_runtime

    runtime = build_runtime(settings.with_overrides(slack_bot_token="xoxb-test", slack_api_url=fake.api_url))
    try:
        assert runtime.classifier.labels == frozenset(catalog.labels)
    finally:
        runtime.stop()


def damage_a_new_current(model_root, trained) -> tuple[str, str]:
    """Promote a fresh version, then break its model file; (the version before, the damaged one)."""
    store = ModelStore(model_root)
    before = store.current_version()
    damaged = save_trained(store, trained, parent_version=before).version
    store.promote(damaged)
    model_file = next(store.version_dir(damaged).glob("model.*"))
    model_file.write_bytes(model_file.read_bytes()[: model_file.stat().st_size // 2])
    return before, damaged


def test_a_damaged_current_at_boot_falls_back_to_the_version_before_and_says_so(model_root, trained, catalog):
    before, damaged = damage_a_new_current(model_root, trained)
    live = LiveClassifier(ModelStore(model_root), labels=catalog.labels)  # a worker boots: it must come up
    assert live.version == before
    assert damaged in live.degraded and before in live.degraded
    assert live.maybe_reload() is False  # the damaged version is not retried every round
    ModelStore(model_root).rollback()  # the admin points current back at what serves
    live.maybe_reload()
    assert live.degraded is None


def test_a_damaged_current_without_an_earlier_version_still_stops_the_boot(tmp_path, trained, catalog):
    store = ModelStore(tmp_path / "models")
    only = save_trained(store, trained).version
    store.promote(only)
    model_file = next(store.version_dir(only).glob("model.*"))
    model_file.write_bytes(b"not a model")
    with pytest.raises(ArtifactError):
        LiveClassifier(ModelStore(tmp_path / "models"), labels=catalog.labels)


def test_healthz_is_degraded_while_serving_a_fallback_model(settings, fake, trained):
    from bot.serve.health import check_health
    from bot.serve.runtime import build_runtime

    before, _ = damage_a_new_current(settings.model_dir, trained)
    runtime = build_runtime(settings.with_overrides(slack_bot_token="xoxb-test", slack_api_url=fake.api_url))
    try:
        health = check_health(store=runtime.store, classifier=runtime.classifier, tasks={})
        assert (health.status, health.model_version) == ("degraded", before)
        assert any("does not load" in r for r in health.reasons)
    finally:
        runtime.stop()
