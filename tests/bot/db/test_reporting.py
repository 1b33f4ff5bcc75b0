"""bot.db.reporting on real SQLite: the window's edges, parts of mixed messages, the quote funnel, feedback review."""

from datetime import UTC, datetime

import pytest

from bot.db.reporting import QuoteCounts, ReviewCounts
from tests.support.report_seed import ADMIN, FW, NET, seed_week

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

START, END = datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC)


def test_the_window_includes_its_start_and_excludes_its_end(store):
    seed_week(store)
    rows = store.reporting.verdicts_per_day(start=START, end=END)
    # 17 seeded verdicts: one a second before the start, one exactly at the end
    assert sum(n for _, _, n in rows) == 15
    assert {day for day, _, _ in rows} == {f"2026-11-{d}" for d in (23, 24, 25, 26, 27, 29)}
    assert ("2026-11-24", "unsure", 1) in rows  # 23:59:59 is still Tuesday


def test_a_mixed_message_counts_once_per_part_among_the_requests(store):
    seed_week(store)
    requests = store.reporting.requests(start=START, end=END)
    assert len(requests) == 17  # 13 single messages + 2 mixed messages of 2 parts
    parts = [r for r in requests if r.text == "migrate our WordPress database"]
    assert [(p.label, p.verdict, p.reason) for p in parts] == [("other", "unsure", "not_covered")]


def test_the_quote_funnel_counts_a_quote_sent_then_accepted_or_declined_in_both(store):
    seed_week(store)
    assert store.reporting.quote_funnel(start=START, end=END) == [
        QuoteCounts(label=None, requests=1, quotes_sent=0, accepted=0, declined=0),
        QuoteCounts(label=FW, requests=2, quotes_sent=1, accepted=1, declined=1),
        QuoteCounts(label=ADMIN, requests=1, quotes_sent=1, accepted=0, declined=0),
        QuoteCounts(label=NET, requests=1, quotes_sent=1, accepted=0, declined=1),
    ]


def test_reviewed_feedback_and_the_review_queue(store):
    seed_week(store)
    assert store.reporting.reviewed_feedback(start=START, end=END) == ReviewCounts(
        accepted=3, correct=2, no_prediction=1, discarded=1
    )
    assert store.reporting.waiting_feedback() == (3, 1)


def test_an_empty_database_reports_zeros(store):
    assert store.reporting.verdicts_per_day(start=START, end=END) == []
    assert store.reporting.reviewed_feedback(start=START, end=END) == ReviewCounts(0, 0, 0, 0)
    assert store.reporting.waiting_feedback() == (0, 0)
