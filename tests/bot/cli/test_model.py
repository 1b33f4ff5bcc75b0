"""The CLI's model commands as a user runs them: the real console script in a subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from model.artifacts import MODEL_FILE

SCOPE_BOT = str(Path(sys.executable).parent / "scope-bot")


def run(args, *, env, stdin=""):
    return subprocess.run([SCOPE_BOT, *args], input=stdin, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def env(tmp_path, model_root):
    return {
        **os.environ,
        "SCOPE_BOT_MODEL_DIR": str(model_root),
        "SCOPE_BOT_DB": str(tmp_path / "db.sqlite"),
        "SCOPE_BOT_REPORTS_DIR": str(tmp_path / "reports"),
    }


def assert_one_line_error(result, pattern):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("scope-bot: error: "), result.stderr
    assert pattern in lines[0]


def test_jsonl_answers_every_line_in_order(env):
    texts = [
        "Bitte installiert uns Ollama auf der H100",
        "hello team, happy friday!",
        "Wie kündige ich meinen cStack Vertrag?",
    ]
    stdin = "".join(json.dumps({"text": t, "id": i}) + "\n" for i, t in enumerate(texts))
    result = run(["classify", "--jsonl"], env=env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 3
    for row in rows:
        assert {"label", "product", "verdict", "confidence", "alternatives"} <= row.keys()
    assert [r["label"] for r in rows] == ["cloudgpu.third_party_frameworks", "none", "cstack.orders"]
    assert [r["verdict"] for r in rows] == ["out_of_scope", "unsure", "in_scope"]


def test_jsonl_invalid_line_reports_its_number_and_prints_nothing(env):
    result = run(["classify", "--jsonl"], env=env, stdin='{"text": "ok"}\n{"text": broken}\n')
    assert_one_line_error(result, "stdin line 2: invalid JSON")
    assert result.stdout == ""
    result = run(["classify", "--jsonl"], env=env, stdin='{"text": "ok"}\n{"message": "x"}\n')
    assert_one_line_error(result, 'stdin line 2: expected an object with a string "text" key')


def test_classify_text_is_human_readable_in_the_message_language(env):
    result = run(["classify", "Wer richtet mir die virtuelle Maschine mit GPU ein?"], env=env)
    assert result.returncode == 0, result.stderr
    assert "in_scope" in result.stdout
    assert "Einrichtung Ihrer virtuellen Maschine mit Cloud GPUs" in result.stdout


def test_empty_text_is_a_clear_error(env):
    assert_one_line_error(run(["classify", "  "], env=env), "nothing to classify")
    assert_one_line_error(run(["classify", "--jsonl"], env=env, stdin='{"text": " "}\n'), "stdin line 1: empty text")


def test_missing_and_corrupt_model(env, tmp_path, model_root):
    assert_one_line_error(
        run(["classify", "hi"], env={**env, "SCOPE_BOT_MODEL_DIR": str(tmp_path / "none")}), "no trained model"
    )
    for path in model_root.glob(f"versions/*/{MODEL_FILE}"):
        path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    assert_one_line_error(run(["classify", "hi"], env=env), "sha256 does not match")


@pytest.fixture
def data_copy(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "training_data", target)
    return target


def test_unknown_label_in_training_data(env, data_copy):
    (data_copy / "train" / "zzz.yml").write_text("label: cstack.espresso\nexamples: [coffee please]\n")
    result = run(["train", "--no-tune"], env={**env, "SCOPE_BOT_DATA_DIR": str(data_copy)})
    assert_one_line_error(result, "unknown label 'cstack.espresso'")


def test_duplicate_row_ids_in_catalog(env, data_copy):
    catalog = data_copy / "catalog.yml"
    text = catalog.read_text(encoding="utf-8")
    catalog.write_text(text.replace("  - id: cstack.account\n", "  - id: cstack.ui\n", 1), encoding="utf-8")
    result = run(["train", "--no-tune"], env={**env, "SCOPE_BOT_DATA_DIR": str(data_copy)})
    assert_one_line_error(result, "duplicate row id 'cstack.ui'")


def test_evaluate_prints_targets_and_writes_png(env, tmp_path):
    result = run(["evaluate"], env=env)
    assert result.returncode == 0, result.stderr
    for heading in ("verdict accuracy", "label accuracy", "unsure rate", "confusion matrix"):
        assert heading in result.stdout
    pngs = list((tmp_path / "reports").glob("confusion-*.png"))
    assert len(pngs) == 1 and pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(run(["evaluate", "--json"], env=env).stdout)
    assert data["verdict_accuracy"] >= 0.95 and data["label_accuracy"] >= 0.90 and data["unsure_rate"] <= 0.10


def test_train_if_missing_keeps_a_working_current_model(env, model_root):
    before = (model_root / "current").read_text()
    result = run(["train", "--if-missing"], env=env)
    assert result.returncode == 0 and "nothing to train" in result.stdout
    assert (model_root / "current").read_text() == before


def test_train_refuses_to_run_beside_a_retrain(env, model_root):
    from filelock import FileLock

    from bot.services.model_store import LOCK_FILE

    before = (model_root / "current").read_text()
    with FileLock(model_root / LOCK_FILE, timeout=0):
        assert_one_line_error(run(["train", "--no-tune"], env=env), "not starting training")
    assert (model_root / "current").read_text() == before


def test_jsonl_carries_the_reason_and_the_parts_of_every_message(env):
    texts = [
        "Unsere Rechnung vom Mai kam doppelt. Außerdem bräuchten wir jemanden, der uns Ollama installiert.",
        "Is there an outage in your Frankfurt data center right now?",
        "thanks, that worked!",
        "Bitte installiert uns PyTorch auf der H100.",
    ]
    stdin = "".join(json.dumps({"text": t}) + "\n" for t in texts)
    result = run(["classify", "--jsonl"], env=env, stdin=stdin)
    assert result.returncode == 0, result.stderr
    mixed, other, chatter, single = (json.loads(line) for line in result.stdout.splitlines())
    assert (mixed["verdict"], mixed["reason"]) == ("mixed", None)
    assert [p["verdict"] for p in mixed["parts"]] == ["in_scope", "out_of_scope"]
    for part in mixed["parts"]:
        assert texts[0][part["start"] : part["end"]] == part["text"]
        assert {"label", "confidence", "reason"} <= part.keys()
    assert (other["verdict"], other["reason"], other["label"], other["row"]) == ("unsure", "not_covered", "other", None)
    assert (chatter["verdict"], chatter["reason"]) == ("unsure", "not_a_request")
    assert single["reason"] is None and len(single["parts"]) == 1 and single["parts"][0]["text"] == texts[3]
