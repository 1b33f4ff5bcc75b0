"""The verdict log's review queue: what is a candidate, the order by margin, decisions; migration 6."""

import json

import pytest
import sqlalchemy as sa

from bot.db import Store
from bot.db.migrations import MIGRATIONS
from bot.errors import NotFoundError, StoreError
from tests.bot.db.test_migrations import table_columns
from tests.support.verdicts import queue_texts, raw_columns, seed_verdict

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

RULE = {
    "sources": ("mention", "command", "shortcut"),
    "verdicts_in": ("mixed",),
    "reasons_in": ("low_confidence", "not_covered"),
    "margin_below": 0.2,
}


def queue(store, *, days=7, limit=20):
    return store.verdicts.uncertain(days=days, limit=limit, **RULE)


def test_the_queue_holds_the_candidates_ordered_by_margin_ties_newest_first_old_rows_last(store):
    seed_verdict(store, "clear answer", margin=0.62)
    seed_verdict(store, "close call", margin=0.15)
    seed_verdict(store, "coin toss", margin=0.01)
    seed_verdict(store, "handed over, logged before margins", margin=None, verdict="unsure", reason="low_confidence")
    seed_verdict(store, "two requests", margin=0.42, verdict="mixed")
    seed_verdict(store, "no row covers it", margin=0.55, verdict="unsure", reason="not_covered", label="other")
    seed_verdict(store, "thanks!", margin=0.9, verdict="unsure", reason="not_a_request", label="none")
    seed_verdict(store, "thanks, but the VM?", margin=0.12, verdict="unsure", reason="not_a_request", label="none")
    seed_verdict(store, "older coin toss", margin=0.01)
    seed_verdict(store, "typed in the shell", margin=0.0, source="shell")
    seed_verdict(store, "last month's", margin=0.0, days_ago=8)

    assert queue_texts(queue(store)) == [
        "older coin toss",  # margin 0.01, and newer than "coin toss"
        "coin toss",
        "thanks, but the VM?",  # chatter only when the model hesitated
        "close call",
        "two requests",  # mixed: always, by its least sure part's margin
        "no row covers it",  # a hand-over: always
        "handed over, logged before margins",  # no margin: last
    ]
    assert queue_texts(queue(store, limit=2)) == ["older coin toss", "coin toss"]
    assert "last month's" in queue_texts(queue(store, days=9))


def test_texts_with_feedback_or_a_decision_are_not_asked_again_and_repeats_count_once(store):
    first = seed_verdict(store, "same question", margin=0.05)
    again = seed_verdict(store, "same question", margin=0.10)
    seed_verdict(store, "has feedback", margin=0.02)
    skipped = seed_verdict(store, "skipped once", margin=0.03)
    seed_verdict(store, "skipped once", margin=0.03)
    store.feedback.add(text="has feedback", label="cloudgpu.vm_setup", source="slack", status="pending")

    [item] = [v for v in queue(store) if v.text == "same question"]
    assert item.id == again != first  # the latest verdict of a text stands for it
    assert store.verdicts.decide(skipped, by="U0REVIEWER", outcome="skipped")
    assert queue_texts(queue(store)) == ["same question"]


def test_a_decision_is_made_once_and_an_unknown_verdict_is_refused(store):
    verdict_id = seed_verdict(store, "coin toss", margin=0.01)
    assert store.verdicts.decide(verdict_id, by="U0REVIEWER", outcome="answered", label="cloudgpu.vm_setup")
    assert not store.verdicts.decide(verdict_id, by="U0OTHER", outcome="skipped")
    decision = store.verdicts.decision(verdict_id)
    assert (decision.decided_by, decision.outcome, decision.label, decision.feedback_id) == (
        "U0REVIEWER",
        "answered",
        "cloudgpu.vm_setup",
        None,
    )
    with pytest.raises(NotFoundError):
        store.verdicts.decide(9999, by="U0REVIEWER", outcome="skipped")
    with pytest.raises(StoreError, match="outcome"):
        store.verdicts.decide(verdict_id, by="U0REVIEWER", outcome="maybe")
    assert store.verdicts.decision(9999) is None


def test_margin_and_alternatives_are_stored_and_read_back(store):
    verdict_id = seed_verdict(store, "coin toss", margin=0.05)
    stored = raw_columns(store, verdict_id)
    assert stored["margin"] == 0.05
    assert json.loads(stored["alternatives"])[:2] == [
        {"label": "cloudgpu.vm_setup", "probability": 0.46},
        {"label": "cloudgpu.third_party_frameworks", "probability": 0.41},
    ]
    record = store.verdicts.get(verdict_id)
    assert (record.margin, [a.label for a in record.alternatives]) == (
        0.05,
        ["cloudgpu.vm_setup", "cloudgpu.third_party_frameworks", "none"],
    )


def test_a_database_at_migration_5_gets_the_margin_columns_and_the_decisions_and_keeps_its_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'v5.db'}"
    Store.open(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # turn it back into what migration 5 left
        conn.execute(sa.text("DROP TABLE queue_decisions"))
        conn.execute(sa.text("ALTER TABLE verdicts DROP COLUMN margin"))
        conn.execute(sa.text("ALTER TABLE verdicts DROP COLUMN alternatives"))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE id = 6"))
        conn.execute(
            sa.text(
                "INSERT INTO verdicts (created_at, source, text, label, verdict, confidence, model_version, lang, "
                "reason) VALUES (:now, 'mention', 'old hand-over', 'cloudgpu.vm_setup', 'unsure', 0.5, 'v5', 'en', "
                "'low_confidence')"
            ),
            {"now": "2999-01-01T00:00:00+00:00"},  # "in the last 7 days" is a text comparison
        )
    assert "margin" not in table_columns(engine)["verdicts"]
    engine.dispose()

    store = Store.open(url)
    try:
        columns = table_columns(store.engine)
        assert {"margin", "alternatives"} <= set(columns["verdicts"])
        assert "queue_decisions" in columns
        [old] = queue(store)
        assert (old.text, old.margin, old.alternatives) == ("old hand-over", None, ())
        assert store.verdicts.decide(old.id, by="U0REVIEWER", outcome="skipped")
        assert queue(store) == []
        with store.engine.connect() as conn:
            applied = [r[0] for r in conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id"))]
        assert applied == [m.number for m in MIGRATIONS] == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    finally:
        store.close()
