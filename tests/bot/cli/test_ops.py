"""`scope-bot retrain | feedback | models` through the real entry point, with settings from the environment."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from filelock import FileLock

from bot.cli import main
from bot.db import Store
from bot.services.model_lock import LOCK_FILE
from model.artifacts import ModelStore
from model.classifier import Classifier


@pytest.fixture
def env(tmp_path, model_root, monkeypatch):
    """Point the CLI at a private database and model root (and away from any developer .env or Slack tokens)."""
    monkeypatch.chdir(tmp_path)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SCOPE_BOT_KEEP_VERSIONS"):
        monkeypatch.delenv(name, raising=False)
    db = tmp_path / "cli.db"
    monkeypatch.setenv("SCOPE_BOT_DB", str(db))
    monkeypatch.setenv("SCOPE_BOT_MODEL_DIR", str(model_root))
    return {"db": db, "models": model_root}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code: int, err: str, *fragments: str) -> None:
    assert code == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scope-bot: error: "), err
    for fragment in fragments:
        assert fragment in lines[0]


def feedback_json(capsys, *extra: str) -> list[dict]:
    code, out, _ = run(capsys, "feedback", "list", "--json", *extra)
    assert code == 0
    return json.loads(out)


# --- feedback --------------------------------------------------------------------------------------------------


def test_feedback_add_is_accepted_and_listed(env, capsys):
    code, out, _ = run(capsys, "feedback", "add", "--label", "cstack.account", "--text", "  Mein 2FA-Token ist weg  ")
    assert code == 0 and "accepted" in out
    [item] = feedback_json(capsys)
    assert (item["text"], item["label"], item["status"], item["source"], item["reviewed_by"]) == (
        "Mein 2FA-Token ist weg",
        "cstack.account",
        "accepted",
        "cli",
        "cli",
    )
    assert feedback_json(capsys, "--status", "pending") == []


def test_feedback_add_rejects_unknown_label(env, capsys):
    code, _, err = run(capsys, "feedback", "add", "--label", "cstack.nope", "--text", "hello")
    assert_one_line_error(code, err, "unknown label 'cstack.nope'", "cstack.account")
    assert feedback_json(capsys) == []


def test_import_jsonl_and_csv(env, tmp_path, capsys):
    jsonl = tmp_path / "fb.jsonl"
    jsonl.write_text(
        '{"text": "invoice missing", "label": "cstack.orders"}\n'
        "\n"
        '{"text": "GPU driver crash", "label": "cloudgpu.vm_setup", "extra": 1}\n'
    )
    csv_file = tmp_path / "fb.csv"
    csv_file.write_text('text,label\n"Hallo, wo ist mein Projekt?",cstack.plan_setup\n"multi\nline text",none\n')
    assert run(capsys, "feedback", "import", str(jsonl))[0] == 0
    code, out, _ = run(capsys, "feedback", "import", str(csv_file))
    assert code == 0 and "imported 2" in out
    items = feedback_json(capsys, "--status", "accepted")
    assert [(i["text"], i["label"]) for i in items] == [
        ("invoice missing", "cstack.orders"),
        ("GPU driver crash", "cloudgpu.vm_setup"),
        ("Hallo, wo ist mein Projekt?", "cstack.plan_setup"),
        ("multi\nline text", "none"),
    ]
    assert {i["source"] for i in items} == {"import"}


@pytest.mark.parametrize(
    ("name", "content", "fragments"),
    [
        (
            "bad.jsonl",
            '{"text": "ok", "label": "cstack.ui"}\n{"text": "x", "label": "cstack.nope"}\n',
            ["line 2", "unknown label 'cstack.nope'"],
        ),
        ("bad.jsonl", '{"text": "ok", "label": "cstack.ui"}\n\n{not json}\n', ["line 3", "invalid JSON"]),
        ("bad.jsonl", '{"text": "  ", "label": "cstack.ui"}\n', ["line 1", "empty text"]),
        ("bad.csv", "text,label\nok,cstack.ui\nfine,none\noops,\n", ["line 4", "unknown label ''"]),
        ("bad.csv", "message,row\nok,cstack.ui\n", ["line 1", "text,label"]),
    ],
)
def test_import_validates_every_line_and_imports_nothing_on_error(env, tmp_path, capsys, name, content, fragments):
    path = tmp_path / name
    path.write_text(content)
    code, _, err = run(capsys, "feedback", "import", str(path))
    assert_one_line_error(code, err, *fragments)
    assert feedback_json(capsys) == []


def test_import_missing_file_is_a_clean_error(env, tmp_path, capsys):
    code, _, err = run(capsys, "feedback", "import", str(tmp_path / "nope.jsonl"))
    assert_one_line_error(code, err, "nope.jsonl", "cannot read")


def test_export_round_trips_through_import(env, tmp_path, capsys, monkeypatch):
    run(capsys, "feedback", "add", "--label", "cstack.ui", "--text", "Dashboard zeigt nichts \u2028 an")
    run(capsys, "feedback", "add", "--label", "none", "--text", 'thanks, "all good"')
    code, out, _ = run(capsys, "feedback", "export")
    assert code == 0
    exported = [json.loads(line) for line in out.splitlines() if line]
    assert [(e["text"], e["label"]) for e in exported] == [
        ("Dashboard zeigt nichts \u2028 an", "cstack.ui"),
        ('thanks, "all good"', "none"),
    ]

    dump = tmp_path / "export.jsonl"
    dump.write_text(out, encoding="utf-8")
    monkeypatch.setenv("SCOPE_BOT_DB", str(tmp_path / "other.db"))
    assert run(capsys, "feedback", "import", str(dump))[0] == 0
    assert [(i["text"], i["label"]) for i in feedback_json(capsys)] == [(e["text"], e["label"]) for e in exported]


def _pending(db: Path, *texts: str) -> list[int]:
    store = Store.open(f"sqlite:///{db}")
    try:
        return [
            store.feedback.add(text=t, label="cstack.ui", source="slack", status="pending", user_id="U1")[0].id
            for t in texts
        ]
    finally:
        store.close()


def test_review_accept_and_discard_by_id(env, capsys):
    first, second = _pending(env["db"], "one", "two")
    assert run(capsys, "feedback", "review", "--accept", str(first))[0] == 0
    assert run(capsys, "feedback", "review", "--discard", str(second))[0] == 0
    code, out, _ = run(capsys, "feedback", "review", "--discard", str(first))
    assert code == 0 and "already accepted" in out
    items = {i["id"]: i for i in feedback_json(capsys)}
    assert (items[first]["status"], items[first]["reviewed_by"]) == ("accepted", "cli")
    assert items[second]["status"] == "discarded"
    code, _, err = run(capsys, "feedback", "review", "--accept", "999")
    assert_one_line_error(code, err, "#999")


def test_interactive_review(env, capsys, monkeypatch):
    ids = _pending(env["db"], "one", "two", "three", "four")
    # "x" is not an answer and is asked again; "q" stops before the fourth item.
    monkeypatch.setattr("sys.stdin", io.StringIO("a\nx\nd\ns\nq\n"))
    code, out, _ = run(capsys, "feedback", "review")
    assert code == 0
    assert "reviewed 2 of 4" in out
    statuses = {i["id"]: i["status"] for i in feedback_json(capsys)}
    assert [statuses[i] for i in ids] == ["accepted", "discarded", "pending", "pending"]


def test_interactive_review_stops_at_end_of_input(env, capsys, monkeypatch):
    ids = _pending(env["db"], "one", "two")
    monkeypatch.setattr("sys.stdin", io.StringIO("a\n"))
    assert run(capsys, "feedback", "review")[0] == 0
    statuses = {i["id"]: i["status"] for i in feedback_json(capsys)}
    assert [statuses[i] for i in ids] == ["accepted", "pending"]


# --- models ----------------------------------------------------------------------------------------------------


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


# --- retrain ---------------------------------------------------------------------------------------------------


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
