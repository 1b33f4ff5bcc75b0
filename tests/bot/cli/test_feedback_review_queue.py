"""`scope-bot feedback review --uncertain` through the real entry point: the queue in margin order, answers by
number or row id, skips, bad input and the end of input."""

from __future__ import annotations

import io
import re
from contextlib import contextmanager

import pytest

from bot.db import Store
from tests.support.cli import assert_one_line_error, feedback_json, run
from tests.support.verdicts import seed_verdict


@contextmanager
def cli_store(env):
    store = Store.open(f"sqlite:///{env['db']}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def queue(env):
    """Three uncertain messages and a clear one; returns their verdict ids by text."""
    with cli_store(env) as store:
        return {
            "close call": seed_verdict(store, "close call", margin=0.15),
            "coin toss": seed_verdict(store, "coin toss", margin=0.01),
            "handed over": seed_verdict(
                store, "handed over", margin=0.4, verdict="unsure", reason="not_covered", label="other"
            ),
            "clear": seed_verdict(store, "clear", margin=0.8),
        }


def review(capsys, monkeypatch, answers: str, *extra: str) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(answers))
    return run(capsys, "feedback", "review", "--uncertain", *extra)


def test_the_queue_comes_lowest_margin_first_and_each_choice_becomes_accepted_feedback(env, capsys, monkeypatch, queue):
    code, out, err = review(capsys, monkeypatch, "2\ns\ncstack.account\n", "--by", "alice")
    assert code == 0, err
    assert re.findall(r"text:\s+(.*)", out) == ["coin toss", "close call", "handed over"]
    assert re.findall(r"margin (\S+)\n", out) == ["0.01", "0.15", "0.40"]
    assert "  2) 41%  cloudgpu.third_party_frameworks" in out
    assert f"verdict #{queue['close call']} skipped by alice" in out
    assert "answered 2, skipped 1 of 3" in out
    items = feedback_json(capsys)
    assert [(i["text"], i["label"], i["status"], i["reviewed_by"], i["source"]) for i in items] == [
        ("coin toss", "cloudgpu.third_party_frameworks", "accepted", "alice", "review_queue"),
        ("handed over", "cstack.account", "accepted", "alice", "review_queue"),
    ]
    code, out, _ = review(capsys, monkeypatch, "")
    assert (code, out.strip()) == (0, "no uncertain messages to review in the last 7 day(s)")


def test_bad_answers_get_one_line_each_and_next_and_quit_record_nothing(env, capsys, monkeypatch, queue):
    code, out, err = review(capsys, monkeypatch, "9\nbogus.row\n\nn\nq\n")
    assert code == 0 and "Traceback" not in out + err
    assert "no row 9: answer 1-3, a row id" in out
    assert "unknown row 'bogus.row': answer 1-3" in out
    assert "unknown row '': answer 1-3" in out
    assert "answered 0, skipped 0 of 3" in out
    assert feedback_json(capsys) == []


def test_the_end_of_input_ends_the_review_cleanly(env, capsys, monkeypatch, queue):
    code, out, err = review(capsys, monkeypatch, "1\n", "--limit", "2")
    assert code == 0 and err == ""
    assert "answered 1, skipped 0 of 2" in out
    [item] = feedback_json(capsys)
    assert (item["text"], item["label"], item["status"]) == ("coin toss", "cloudgpu.vm_setup", "accepted")


def test_days_must_be_positive(env, capsys, monkeypatch, queue):
    code, _, err = review(capsys, monkeypatch, "", "--days", "0")
    assert_one_line_error(code, err, "days and limit must be at least 1")
