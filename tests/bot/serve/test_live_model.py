"""Hot reload: a promoted model is picked up by maybe_reload; one the serving catalog cannot answer is refused."""

import json

from bot.serve.live_model import LiveClassifier
from model.artifacts import ModelStore
from model.training import save_trained


def test_reload_swaps_in_a_promoted_version(model_root, trained, catalog):
    live = LiveClassifier(model_root, labels=catalog.labels)
    before = live.version
    new = save_trained(ModelStore(model_root), trained, parent_version=before).version
    ModelStore(model_root).promote(new)
    assert live.version == before  # requests never reload by themselves
    assert live.maybe_reload() is True
    assert live.snapshot().version == live.version == new


def test_a_model_with_labels_the_catalog_lacks_is_refused_and_the_old_one_serves(model_root, trained, catalog, caplog):
    live = LiveClassifier(model_root, labels=catalog.labels)
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
