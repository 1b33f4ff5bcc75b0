"""bot.store under concurrency: two gunicorn workers share one SQLite file (two Store instances here)."""

import threading
import time

import pytest

from bot.store import Store

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
            (lambda store=workers[i % 2], key=f"view:V{round_}-{i}": store.create_quote(submission_key=key, **QUOTE_FIELDS))
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
    results = run_together([lambda store=workers[i % 2]: store.create_quote(submission_key="view:VSAME", **QUOTE_FIELDS) for i in range(6)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(created for _, created in results) == 1
    assert {quote.ref for quote, _ in results} == {workers[1].quotes()[0].ref}
    assert len(workers[0].quotes()) == 1


def test_an_outbox_call_claimed_by_one_worker_is_not_due_for_another_during_its_lease(workers):
    first, second = workers
    # Sub-second leases, at different points of the clock's second (whole-second timestamps once cut them to zero).
    for _ in range(6):
        item_id = first.enqueue(method="chat.postMessage", payload={"channel": "C0QUOTES", "text": "hi"}, purpose="quote_staff_post")
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
    item_id = store.enqueue(method="chat.postMessage", payload={"channel": "C0QUOTES"}, purpose="quote_staff_post", purpose_id=3)
    item = store.claim_outbox_item(item_id, lease_seconds=30)
    store.outbox_failed(item.id, error="fatal_error", retry_in=30)
    assert store.claim_due_outbox(lease_seconds=30) == []
    assert store.pending_outbox_count() == 1
    store.outbox_failed(item.id, error="fatal_error", retry_in=0)
    retried = store.claim_due_outbox(lease_seconds=30)
    assert [(i.id, i.attempts, i.purpose_id, i.payload) for i in retried] == [(item_id, 2, 3, {"channel": "C0QUOTES"})]
