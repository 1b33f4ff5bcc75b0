"""`scope-bot retrain` (and the model lock it shares with train and promote) through the real entry point."""

from __future__ import annotations

import json

import pytest
from filelock import FileLock

from bot.db import Store
from bot.services.model_store import LOCK_FILE
from model.artifacts import ModelStore
from model.classifier import Classifier
from tests.support.cli import assert_one_line_error, run


def test_retrain_refuses_while_another_run_holds_the_lock(env, capsys):
    versions = [m.version for m in ModelStore(env["models"]).versions()]
    with FileLock(env["models"] / LOCK_FILE, timeout=0):
        code, out, err = run(capsys, "retrain", "--json")
    assert_one_line_error(code, err, "another retrain is running")
    assert out == ""
    assert [m.version for m in ModelStore(env["models"]).versions()] == versions


def test_retrain_json_without_a_current_model_promotes_a_sane_first_model(env, tmp_path, capsys, monkeypatch):
    empty = tmp_path / "fresh-models"
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(empty))
    run(capsys, "feedback", "add", "--label", "cstack.orders", "--text", "Where is my invoice?")
    run(capsys, "feedback", "add", "--label", "cloudgpu.orders", "--text", "  where IS my invoice? ")

    code, out, _ = run(capsys, "retrain", "--json")

    assert code == 0
    report = json.loads(out)
    assert report["promoted"] is True
    assert report["current_version"] is None
    assert report["candidate_version"] == ModelStore(empty).current_version()
    assert "no current model" in report["reason"]
    assert report["metrics"]["current"] is None
    assert report["metrics"]["candidate"]["verdict_accuracy"] >= 0.8
    assert report["counts"]["feedback_accepted"] == 2 and report["counts"]["conflicts"] == 1
    assert report["conflicts"][0]["winner"] == "cloudgpu.orders"
    assert Classifier.load(empty).version == report["candidate_version"]
    listed = json.loads(run(capsys, "models", "list", "--json")[1])
    assert [(v["version"], v["current"], v["gate"]) for v in listed] == [(report["candidate_version"], True, "passed")]


def test_retrain_report_is_posted_to_the_report_channel(env, capsys, monkeypatch):
    from tests.support.fake_slack import FakeSlack

    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)
        monkeypatch.setenv("SCOPE_BOT_REPORT_CHANNEL", "C0REPORTS")
        code, out, _ = run(capsys, "retrain")
        assert code == 0
        [post] = slack.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0REPORTS"
    assert "nightly retraining" in post.params["text"]
    assert out.strip().splitlines()[0] in post.params["text"]
    assert Store.open(f"sqlite:///{env['db']}").outbox.pending_count() == 0


def test_train_and_promote_wait_for_no_one_while_the_lock_is_held(env, capsys):
    versions_before = ModelStore(env["models"]).versions()
    with FileLock(env["models"] / LOCK_FILE, timeout=0):
        code, _, err = run(capsys, "models", "rollback")
        assert_one_line_error(code, err, "not starting a rollback")
        code, _, err = run(capsys, "models", "promote", versions_before[-1].version)
        assert_one_line_error(code, err, "not starting a promotion")
    assert ModelStore(env["models"]).versions() == versions_before


def test_train_uses_accepted_feedback_and_goes_through_the_gate_unless_forced(env, capsys):
    from bot.db import AcceptedFeedback
    from tests.support import poison

    store = Store.open(f"sqlite:///{env['db']}")
    try:
        # Accepted before the audit existed (or waved through): only the gate stands between them and `current`.
        store.feedback.add_many(
            AcceptedFeedback(text=t, label=lbl, source="import", user_id="cli", reviewed_by="cli")
            for t, lbl in poison.ollama_relabelling(200)
        )
    finally:
        store.close()
    current = ModelStore(env["models"]).current_version()

    code, out, err = run(capsys, "train", "--no-tune")

    assert_one_line_error(code, err, "the gate rejected model", f"{current} stays current", "use --force")
    assert "REJECTED" in out
    assert ModelStore(env["models"]).current_version() == current
    listed = {v["version"]: v for v in json.loads(run(capsys, "models", "list", "--json")[1])}
    rejected = next(v for v in listed.values() if v["gate"] == "rejected")
    assert not rejected["current"]

    code, out, _ = run(capsys, "train", "--no-tune", "--force")

    assert code == 0 and "PROMOTED past the gate (--force)" in out
    forced = ModelStore(env["models"]).current_version()
    assert forced not in (current, rejected["version"])
    manifest = ModelStore(env["models"]).manifest(forced)
    assert manifest.notes["source"] == "train" and manifest.notes["forced"] is True
    assert manifest.notes["feedback_used"] + manifest.notes["feedback_held_out"] == 200
    listed = {v["version"]: v for v in json.loads(run(capsys, "models", "list", "--json")[1])}
    assert (listed[forced]["gate"], listed[forced]["current"]) == ("forced", True)


@pytest.mark.postgres
def test_retrain_with_models_in_the_database_shares_nothing_but_the_database(
    env, db_url, tmp_path, capsys, monkeypatch
):
    """The retrain CronJob's set-up: its own empty model directory, the models in the database."""
    monkeypatch.setenv("SCOPE_BOT_DB", db_url)
    monkeypatch.setenv("SCOPE_BOT_MODEL_STORE", "database")
    assert run(capsys, "train", "--if-missing")[0] == 0  # the replicas' first start: publishes the image's model
    first = json.loads(run(capsys, "models", "list", "--json")[1])[0]["version"]
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(tmp_path / "job-scratch"))
    run(capsys, "feedback", "add", "--label", "cstack.orders", "--text", "Where is my invoice for last month?")

    code, out, _ = run(capsys, "retrain", "--json")

    assert code == 0
    report = json.loads(out)
    assert report["current_version"] == first
    listed = json.loads(run(capsys, "models", "list", "--json")[1])
    assert [v["version"] for v in listed] == [first, report["candidate_version"]]
    assert [v["current"] for v in listed] == [not report["promoted"], report["promoted"]]
    assert not (tmp_path / "job-scratch").exists() or not any((tmp_path / "job-scratch").rglob("*.skops"))
