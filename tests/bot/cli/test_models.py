"""`scope-bot models list/promote/rollback` through the real entry point."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.db import Store
from bot.services.model_store import DatabaseModelStore
from model.artifacts import ModelStore
from model.classifier import Classifier
from model.version_store import VersionStore
from tests.support.cli import assert_one_line_error, run


def _copy_of_current(models: Path | VersionStore) -> str:
    """A second version (same fitted pipeline, saved anew) whose parent is the current one: no training needed."""
    store = models if isinstance(models, VersionStore) else ModelStore(models)
    current = store.current_version()
    pipeline, m = store.load(current)
    fields = {k: getattr(m, k) for k in ("data_hash", "threshold", "labels", "metrics", "params", "train_counts")}
    return store.save(pipeline, {**fields, "parent_version": current}).version


def test_models_list_promote_and_rollback(env, capsys):
    first = ModelStore(env["models"]).current_version()
    second = _copy_of_current(env["models"])

    code, out, _ = run(capsys, "models", "list", "--json")
    assert code == 0
    listed = json.loads(out)
    assert [(v["version"], v["current"], v["parent_version"]) for v in listed] == [
        (first, True, None),
        (second, False, first),
    ]
    assert 0.8 < listed[0]["verdict_accuracy"] <= 1.0 and 0.0 < listed[0]["label_accuracy"] <= 1.0

    assert run(capsys, "models", "promote", second)[0] == 0
    assert Classifier.load(env["models"]).version == second
    code, out, _ = run(capsys, "models", "list")
    assert code == 0 and f"* {second}" in out

    code, out, _ = run(capsys, "models", "rollback")
    assert code == 0 and first in out
    assert Classifier.load(env["models"]).version == first

    code, _, err = run(capsys, "models", "rollback")
    assert_one_line_error(code, err, "no earlier version")
    code, _, err = run(capsys, "models", "promote", "20990101T000000Z-abcdef")
    assert_one_line_error(code, err, "20990101T000000Z-abcdef")
    assert Classifier.load(env["models"]).version == first


@pytest.mark.postgres
def test_with_models_in_the_database_the_first_start_publishes_and_the_commands_work_on_rows(
    env, db_url, capsys, monkeypatch
):
    monkeypatch.setenv("SCOPE_BOT_DB", db_url)
    monkeypatch.setenv("SCOPE_BOT_MODEL_STORE", "database")  # PostgreSQL's default; SQLite's on request
    first = ModelStore(env["models"]).current_version()
    code, out, _ = run(capsys, "train", "--if-missing")
    assert code == 0 and f"model {first} from {env['models']} is current in the database" in out  # no training
    code, out, _ = run(capsys, "train", "--if-missing")
    assert code == 0 and f"model {first} is current; nothing to train" in out

    # From here on the files are gone: what serves, lists, promotes and rolls back is the database's.
    shutil.rmtree(env["models"])
    store = Store.open(db_url)
    try:
        second = _copy_of_current(DatabaseModelStore(store))
    finally:
        store.close()
    listed = json.loads(run(capsys, "models", "list", "--json")[1])
    assert [(v["version"], v["current"], v["parent_version"]) for v in listed] == [
        (first, True, None),
        (second, False, first),
    ]
    assert run(capsys, "models", "promote", second)[0] == 0
    code, out, _ = run(capsys, "classify", "Rechnung fehlt")
    assert code == 0 and f"model        {second}" in out
    code, out, _ = run(capsys, "models", "rollback")
    assert code == 0 and f"model {first} is current (was {second})" in out
    code, _, err = run(capsys, "models", "promote", "20990101T000000Z-abcdef")
    assert_one_line_error(code, err, "20990101T000000Z-abcdef", "not found in the database")
    assert not env["models"].exists() or not any(env["models"].rglob("*.skops"))
