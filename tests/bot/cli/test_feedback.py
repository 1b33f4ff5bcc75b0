"""`scope-bot feedback add/list/import/export/review/discard` through the real entry point."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest

from bot.db import Store
from model.artifacts import ModelStore
from model.data import load_hard_set
from tests.conftest import DATA
from tests.support import poison
from tests.support.cli import assert_one_line_error, feedback_json, run


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


# --- the audit: feedback that contradicts a confident prediction of the current model ---------------------------


def _write_csv(path: Path, pairs: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        writer.writerows(pairs)
    return path


def _contradicting(err: str, n: int) -> int:
    found = re.search(rf"(\d+) of {n} items contradict", err)
    assert found, err
    return int(found.group(1))


@pytest.mark.parametrize("n", [200, 20])
def test_import_relabelling_ollama_requests_is_refused(env, tmp_path, capsys, n):
    path = _write_csv(tmp_path / "relabel.csv", poison.ollama_relabelling(n))
    code, _, err = run(capsys, "feedback", "import", str(path))
    assert_one_line_error(code, err, "is the label column shifted?", "Nothing imported", "--force")
    assert _contradicting(err, n) >= 0.95 * n  # the model is at least 90 % sure they are frameworks
    assert feedback_json(capsys) == []


def test_import_with_a_shifted_label_column_is_refused(env, tmp_path, capsys, catalog):
    fresh = [e for e in load_hard_set(DATA / "hard_dev.yml", catalog, split="test") if e.label]
    path = _write_csv(tmp_path / "shifted.csv", poison.shifted([e.text for e in fresh], [e.label for e in fresh], 190))
    code, _, err = run(capsys, "feedback", "import", str(path))
    assert_one_line_error(code, err, "is the label column shifted?")
    assert _contradicting(err, 190) > 0.75 * 190
    assert feedback_json(capsys) == []


def test_genuine_new_phrasings_are_imported_as_accepted(env, tmp_path, capsys):
    path = _write_csv(tmp_path / "genuine.csv", list(poison.GENUINE))
    code, out, _ = run(capsys, "feedback", "import", str(path))
    assert code == 0 and "15 accepted, 0 flagged for review" in out
    items = feedback_json(capsys)
    assert [(i["status"], i["flagged"]) for i in items] == [("accepted", False)] * 15


def test_a_contradicting_correction_is_flagged_and_counts_only_once_confirmed(env, capsys):
    text = "Könnt ihr uns Ollama mit Mistral auf die neue GPU-VM installieren?"
    code, out, _ = run(capsys, "feedback", "add", "--label", "cloudgpu.vm_setup", "--text", text)
    assert code == 0 and "flagged for review" in out and "cloudgpu.third_party_frameworks" in out
    [item] = feedback_json(capsys, "--flagged")
    assert (item["status"], item["predicted_label"], item["reviewed_by"]) == (
        "pending",
        "cloudgpu.third_party_frameworks",
        None,
    )
    assert "sure it is cloudgpu.third_party_frameworks" in item["flag_reason"]
    assert run(capsys, "feedback", "export")[1] == ""  # not accepted: not trained on
    assert run(capsys, "feedback", "review", "--accept", str(item["id"]))[0] == 0
    [item] = feedback_json(capsys, "--status", "accepted")
    assert item["flagged"] and item["reviewed_by"] == "cli"


def test_discard_withdraws_accepted_feedback_and_records_who_and_when(env, capsys, monkeypatch):
    run(capsys, "feedback", "add", "--label", "cstack.orders", "--text", "Wo finde ich die Rechnung vom Mai?")
    run(capsys, "feedback", "add", "--label", "cstack.account", "--text", "2FA-Gerät verloren, bitte zurücksetzen")
    first, second = (i["id"] for i in feedback_json(capsys))
    code, out, _ = run(capsys, "feedback", "discard", str(first), "--by", "alice")
    assert code == 0 and f"#{first} discarded by alice" in out
    monkeypatch.setenv("USER", "bob")
    assert run(capsys, "feedback", "discard", str(second))[0] == 0
    code, out, _ = run(capsys, "feedback", "discard", str(first))
    assert code == 0 and "already discarded" in out
    items = {i["id"]: i for i in feedback_json(capsys)}
    assert [(items[i]["status"], items[i]["discarded_by"]) for i in (first, second)] == [
        ("discarded", "alice"),
        ("discarded", "bob"),
    ]
    assert all(items[i]["discarded_at"] for i in (first, second))
    assert items[first]["reviewed_by"] == "cli"  # who accepted it stays on record
    assert run(capsys, "feedback", "export")[1] == ""
    code, _, err = run(capsys, "feedback", "discard", "999")
    assert_one_line_error(code, err, "#999")


def test_forced_relabelling_confirmed_by_a_reviewer_is_still_rejected_by_the_gate(env, tmp_path, capsys):
    current = ModelStore(env["models"]).current_version()
    path = _write_csv(tmp_path / "relabel.csv", poison.ollama_relabelling(200))
    code, out, _ = run(capsys, "feedback", "import", str(path), "--force")
    flagged = [str(i["id"]) for i in feedback_json(capsys, "--flagged", "--status", "pending")]
    assert code == 0 and f"{200 - len(flagged)} accepted, {len(flagged)} flagged for review" in out
    assert len(flagged) >= 190
    assert run(capsys, "feedback", "review", "--accept", *flagged)[0] == 0  # a reviewer waves them all through

    code, out, _ = run(capsys, "retrain", "--json")

    assert code == 0
    report = json.loads(out)
    assert report["promoted"] is False and report["counts"]["feedback_accepted"] == 200
    assert ModelStore(env["models"]).current_version() == current
    blocking = {(r["set"], r["row"]) for r in report["worse_rows"] if r["blocking"]}
    assert ("contested feedback", poison.TRUE_LABEL) in blocking, report["reason"]
    print(f"\n200 Ollama rows forced in: {report['reason']}; checks {report['metrics']['checks']}")
