"""bot.store under concurrency: two gunicorn workers share one SQLite file (two Store instances here)."""

import threading
import time

import pytest
import sqlalchemy as sa

from bot.errors import NotFoundError
from bot.store import FEEDBACK_BATCH_ROWS, Store

QUOTE_FIELDS = dict(
    requester_id="U0REQ",
    origin_channel_id="C0SUPPORT",
    original_text="Please install Ollama on our GPU VM",
    detected_label="cloudgpu.third_party_frameworks",
    product="cloudgpu",
    what="Install Ollama with Llama 3 on the H100",
    timeline="next week",
    contact="ops@example.com",
    lang="en",
)


@pytest.fixture
def workers(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    stores = [Store.open(url), Store.open(url)]
    yield stores
    for store in stores:
        store.close()


def run_together(jobs):
    """Run the callables at the same moment on their own threads; their results (or exceptions) in order."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(i, job):
        barrier.wait()
        try:
            results[i] = job()
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_different_submissions_are_all_stored_with_distinct_references(workers):
    for round_ in range(4):
        jobs = [
            (
                lambda store=workers[i % 2], key=f"view:V{round_}-{i}": store.create_quote(
                    submission_key=key, **QUOTE_FIELDS
                )
            )
            for i in range(8)
        ]
        results = run_together(jobs)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert all(created for _, created in results)
    quotes = workers[0].quotes()
    assert len(quotes) == 32
    refs = sorted(q.ref for q in quotes)
    year = refs[0].split("-")[1]
    assert refs == [f"Q-{year}-{n:04d}" for n in range(1, 33)]


def test_simultaneous_repeats_of_one_submission_store_it_once(workers):
    results = run_together(
        [lambda store=workers[i % 2]: store.create_quote(submission_key="view:VSAME", **QUOTE_FIELDS) for i in range(6)]
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(created for _, created in results) == 1
    assert {quote.ref for quote, _ in results} == {workers[1].quotes()[0].ref}
    assert len(workers[0].quotes()) == 1


def test_an_outbox_call_claimed_by_one_worker_is_not_due_for_another_during_its_lease(workers):
    first, second = workers
    # Sub-second leases, at different points of the clock's second (whole-second timestamps once cut them to zero).
    for _ in range(6):
        item_id = first.enqueue(
            method="chat.postMessage", payload={"channel": "C0QUOTES", "text": "hi"}, purpose="quote_staff_post"
        )
        claimed = first.claim_outbox_item(item_id, lease_seconds=0.3)
        assert claimed is not None and claimed.id == item_id
        assert second.claim_outbox_item(item_id, lease_seconds=0.3) is None
        assert item_id not in [item.id for item in second.claim_due_outbox(lease_seconds=0.3)]
        first.outbox_done(item_id)
        time.sleep(0.17)
    assert second.pending_outbox_count() == 0


def test_an_outbox_call_whose_sender_vanished_is_taken_over_after_the_lease(workers):
    first, second = workers
    item_id = first.enqueue(method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post")
    assert first.claim_outbox_item(item_id, lease_seconds=0.2) is not None
    deadline = time.monotonic() + 10
    taken_over = []
    while not taken_over and time.monotonic() < deadline:
        taken_over = second.claim_due_outbox(lease_seconds=30)
        time.sleep(0.05)
    assert [item.id for item in taken_over] == [item_id]
    assert second.claim_due_outbox(lease_seconds=30) == []


def test_a_failed_outbox_call_counts_the_attempt_and_waits_for_its_retry(workers):
    store = workers[0]
    item_id = store.enqueue(
        method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post", purpose_id=3
    )
    item = store.claim_outbox_item(item_id, lease_seconds=30)
    store.outbox_failed(item.id, error="fatal_error", retry_in=30)
    assert store.claim_due_outbox(lease_seconds=30) == []
    assert store.pending_outbox_count() == 1
    store.outbox_failed(item.id, error="fatal_error", retry_in=0)
    retried = store.claim_due_outbox(lease_seconds=30)
    assert [(i.id, i.attempts, i.purpose_id, i.payload) for i in retried] == [(item_id, 2, 3, {"channel": "C0QUOTES"})]


# --- quote requests and their announcements: one transaction --------------------------------------------------------


def announce(quote):
    return [
        {
            "method": "chat.postMessage",
            "payload": {"channel": "C0QUOTES", "text": f"staff {quote.ref} {quote.status}"},
            "purpose": "quote_staff_post",
        },
        {
            "method": "chat.postMessage",
            "payload": {"channel": quote.requester_id, "text": f"confirm {quote.ref}"},
            "purpose": "quote_confirmation",
        },
    ]


def due_calls(store):
    return [(i.method, i.payload, i.purpose, i.purpose_id) for i in store.claim_due_outbox(lease_seconds=30)]


def test_a_new_quote_request_is_stored_with_its_announcements_and_a_repeat_queues_nothing(workers):
    store = workers[0]
    quote, created = store.create_quote(submission_key="view:VANN", announcements=announce, **QUOTE_FIELDS)
    assert created
    assert store.pending_outbox_count() == 2  # queued before anything was sent: a crash now loses nothing
    again, created = store.create_quote(submission_key="view:VANN", announcements=announce, **QUOTE_FIELDS)
    assert (again.ref, created) == (quote.ref, False)
    assert due_calls(workers[1]) == [
        ("chat.postMessage", {"channel": "C0QUOTES", "text": f"staff {quote.ref} new"}, "quote_staff_post", quote.id),
        ("chat.postMessage", {"channel": "U0REQ", "text": f"confirm {quote.ref}"}, "quote_confirmation", quote.id),
    ]


def test_a_quote_request_whose_announcements_cannot_be_queued_is_not_stored_either(workers):
    store = workers[0]

    def unserializable(quote):
        return [
            {
                "method": "chat.postMessage",
                "payload": {"channel": "C0QUOTES", "ts": {quote.ref}},
                "purpose": "quote_staff_post",
            }
        ]

    with pytest.raises(TypeError):
        store.create_quote(submission_key="view:VBROKEN", announcements=unserializable, **QUOTE_FIELDS)
    assert store.quotes() == []
    assert store.pending_outbox_count() == 0


def test_simultaneous_clicks_on_one_status_change_it_once(workers):
    for round_ in range(5):
        quote, _ = workers[0].create_quote(submission_key=f"view:VCLICK{round_}", **QUOTE_FIELDS)
        results = run_together(
            [
                lambda store=workers[i % 2]: store.set_quote_status(
                    quote.ref, status="feasible", user_id=f"U0STAFF{i}", announcements=announce
                )
                for i in range(6)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(changed for _, changed in results) == 1, f"round {round_}: {results}"
        assert [h["status"] for h in workers[1].quote_history(quote.id)] == ["new", "feasible"]
        assert workers[1].quote(quote.ref).decided_by in {q.decided_by for q, changed in results if changed}
    assert workers[0].pending_outbox_count() == 5 * 2


def test_a_status_change_queues_announcements_of_the_updated_request(workers):
    store = workers[0]
    quote, _ = store.create_quote(submission_key="view:VSTATUS", **QUOTE_FIELDS)
    decided, changed = store.set_quote_status(
        quote.ref.lower(), status="declined", user_id="U0STAFF", announcements=announce
    )
    assert changed and (decided.status, decided.decided_by) == ("declined", "U0STAFF")
    assert [payload["text"] for _, payload, _, _ in due_calls(store)] == [
        f"staff {quote.ref} declined",
        f"confirm {quote.ref}",
    ]
    with pytest.raises(NotFoundError):
        store.set_quote_status("Q-1999-0001", status="declined", user_id="U0STAFF", announcements=announce)


def test_quote_count_counts_the_recent_requests(workers):
    store = workers[0]
    assert store.quote_count(days=7) == 0
    for n in range(3):
        store.create_quote(submission_key=f"view:VCOUNT{n}", **QUOTE_FIELDS)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE quote_requests SET created_at = '2020-01-01T00:00:00+00:00' WHERE submission_key = 'view:VCOUNT0'"
            )
        )
    assert store.quote_count(days=7) == 2
    assert workers[1].quote_count(days=365 * 100) == 3


# --- feedback ----------------------------------------------------------------------------------------------------


def test_simultaneous_reviews_of_one_item_change_it_once(workers):
    for round_ in range(5):
        item, _ = workers[0].add_feedback(
            text=f"install ollama {round_}", label="cloudgpu.custom_code", source="slack", status="pending"
        )
        results = run_together(
            [
                lambda store=workers[i % 2], i=i: store.review_feedback(
                    item.id, accept=i % 2 == 0, reviewer=f"U0REV{i}"
                )
                for i in range(6)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(changed for _, changed in results) == 1, f"round {round_}: {results}"
        [(winner, _)] = [(fb, changed) for fb, changed in results if changed]
        stored = workers[1].feedback_item(item.id)
        assert (stored.status, stored.reviewed_by) == (winner.status, winner.reviewed_by)


def test_a_big_feedback_import_commits_batch_by_batch(workers):
    importer, other_worker = workers
    seen_by_other_worker = {}

    def items():
        for n in range(2 * FEEDBACK_BATCH_ROWS + 500):
            if n == FEEDBACK_BATCH_ROWS + 500:
                # Mid-import, another worker already sees the first batch: the write lock was released in between.
                seen_by_other_worker["count"] = len(other_worker.feedback_items())
            yield {
                "text": f"text {n}",
                "label": "cstack.account",
                "source": "import",
                "user_id": "cli",
                "reviewed_by": "cli",
            }

    assert importer.add_feedback_many(items()) == 2 * FEEDBACK_BATCH_ROWS + 500
    assert seen_by_other_worker == {"count": FEEDBACK_BATCH_ROWS}
    assert len(other_worker.accepted_feedback()) == 2 * FEEDBACK_BATCH_ROWS + 500
    assert importer.add_feedback_many([]) == 0


# --- processed events ------------------------------------------------------------------------------------------


def test_old_processed_events_are_pruned_and_recent_ones_kept(workers):
    store = workers[0]
    for key in ("event:old1", "event:old2", "event:recent"):
        assert store.claim_event(key)
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE processed_events SET received_at = '2020-01-01T00:00:00+00:00' WHERE event_key LIKE 'event:old%'"
            )
        )
    assert workers[1].prune_processed_events(older_than_days=7) == 2
    assert store.claim_event("event:old1")  # forgotten
    assert not store.claim_event("event:recent")  # still a repeat
    assert store.prune_processed_events(older_than_days=7) == 0


# --- outbox calls given up for good ----------------------------------------------------------------------------


def test_a_call_given_up_is_neither_pending_nor_claimed_again(workers):
    store = workers[0]
    gone = store.enqueue(method="chat.postMessage", payload={"channel": "C0GONE"}, purpose="quote_staff_post")
    kept = store.enqueue(method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post")
    store.claim_outbox_item(gone, lease_seconds=30)
    store.outbox_given_up(gone, error="channel_not_found")
    assert (store.pending_outbox_count(), store.failed_outbox_count()) == (1, 1)
    assert workers[1].claim_outbox_item(gone, lease_seconds=0) is None
    assert [i.id for i in workers[1].claim_due_outbox(lease_seconds=30)] == [kept]


def test_claims_can_be_limited_to_one_records_calls(workers):
    store = workers[0]
    mine = store.enqueue(method="chat.postMessage", payload={}, purpose="quote_confirmation", purpose_id=7)
    store.enqueue(method="chat.postMessage", payload={}, purpose="quote_confirmation", purpose_id=8)
    store.enqueue(method="chat.postMessage", payload={}, purpose="other", purpose_id=7)
    assert [i.id for i in store.claim_due_outbox(lease_seconds=30, purpose_id=7, purposes=["quote_confirmation"])] == [
        mine
    ]


def test_an_existing_database_is_migrated_to_record_failed_calls(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store.open(url)
    old_id = store.enqueue(method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post")
    with store.engine.begin() as conn:  # back to the schema of an install from before migration 2
        conn.execute(sa.text("ALTER TABLE outbox DROP COLUMN failed_at"))
        conn.execute(sa.text("DELETE FROM schema_migrations WHERE id = 2"))
    store.close()

    upgraded = Store.open(url)
    try:
        assert upgraded.pending_outbox_count() == 1 and upgraded.failed_outbox_count() == 0
        upgraded.outbox_given_up(old_id, error="channel_not_found")
        assert (upgraded.pending_outbox_count(), upgraded.failed_outbox_count()) == (0, 1)
        with upgraded.engine.connect() as conn:
            assert [r[0] for r in conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id"))] == [1, 2]
    finally:
        upgraded.close()
