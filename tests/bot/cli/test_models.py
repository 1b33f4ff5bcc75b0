"""`scope-bot models list/promote/rollback` through the real entry point."""

from __future__ import annotations

import json
from pathlib import Path

from model.artifacts import ModelStore
from model.classifier import Classifier
from tests.support.cli import assert_one_line_error, run


def _copy_of_current(models: Path) -> str:
    """A second version (same fitted pipeline, saved anew) whose parent is the current one: no training needed."""
    store = ModelStore(models)
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
