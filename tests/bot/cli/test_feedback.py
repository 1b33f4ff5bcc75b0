"""`scope-bot feedback add/list/import/export/review` through the real entry point."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.db import Store
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
