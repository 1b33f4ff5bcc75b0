"""bot.db under concurrency: two gunicorn workers share one SQLite file (two Store instances here)."""

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from bot.db import AcceptedFeedback, OutboxCall, Store
from bot.db.feedback import FEEDBACK_BATCH_ROWS
from bot.db.migrations import MIGRATIONS
from bot.db.schema import processed_events
from bot.db.timestamps import utc_now
from bot.errors import NotFoundError, StoreError
from tests.support.outbox import claim_all
from tests.support.quotes import NEW_QUOTE

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL

STAFF_POST = OutboxCall(
    method="chat.postMessage", payload={"channel": "C0QUOTES", "text": "hi"}, purpose="quote_staff_post"
)


def create_quote(store, key, *, attempts=20):
    """Store NEW_QUOTE under `key` as the quote service does: one transaction, retried when a reference races."""
    return store.transact(lambda tx: tx.quotes.create(NEW_QUOTE, submission_key=key), attempts=attempts)


@pytest.fixture
def workers(db_url):
    stores = [Store.open(db_url), Store.open(db_url)]
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
        except Exception as exc:  # noqa: BLE001 - collected and asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_simultaneous_different_submissions_are_all_stored_with_distinct_references(workers):
    for round_ in range(4):
        jobs = [lambda store=workers[i % 2], key=f"view:V{round_}-{i}": create_quote(store, key) for i in range(8)]
        results = run_together(jobs)
        assert not [r for r in results if isinstance(r, Exception)], results
        assert all(created for _, created in results)
    quotes = workers[0].quotes.find()
    assert len(quotes) == 32
    refs = sorted(q.ref for q in quotes)
    year = refs[0].split("-")[1]
    assert refs == [f"Q-{year}-{n:04d}" for n in range(1, 33)]


def test_simultaneous_repeats_of_one_submission_store_it_once(workers):
    results = run_together([lambda store=workers[i % 2]: create_quote(store, "view:VSAME") for i in range(6)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(created for _, created in results) == 1
    assert {quote.ref for quote, _ in results} == {workers[1].quotes.find()[0].ref}
    assert len(workers[0].quotes.find()) == 1


def test_a_conflict_that_persists_is_a_store_error_after_the_attempts(workers):
    store = workers[0]
    assert store.events.receive("event:dup", {})
    tries = []

    def work(tx):
        tries.append(1)
        tx.conn.execute(processed_events.insert().values(event_key="event:dup", received_at=utc_now()))

    with pytest.raises(StoreError, match="gave up after 3 attempt"):
        store.transact(work, attempts=3)
    assert len(tries) == 3


def test_an_outbox_call_claimed_by_one_worker_is_not_due_for_another_during_its_lease(workers):
    first, second = workers
    # Sub-second leases, at different points of the clock's second (whole-second timestamps once cut them to zero).
    for _ in range(6):
        item_id = first.outbox.enqueue(STAFF_POST)
        claimed = first.outbox.claim(item_id, lease_seconds=0.3)
        assert claimed is not None and claimed.id == item_id
        assert second.outbox.claim(item_id, lease_seconds=0.3) is None
        assert item_id not in [item.id for item in claim_all(second.outbox, lease_seconds=0.3)]
        first.outbox.done(item_id)
        time.sleep(0.17)
    assert second.outbox.pending_count() == 0


def test_an_outbox_call_whose_sender_vanished_is_taken_over_after_the_lease(workers):
    first, second = workers
    item_id = first.outbox.enqueue(STAFF_POST)
    assert first.outbox.claim(item_id, lease_seconds=0.2) is not None
    deadline = time.monotonic() + 10
    taken_over = []
    while not taken_over and time.monotonic() < deadline:
        taken_over = claim_all(second.outbox, lease_seconds=30)
        time.sleep(0.05)
    assert [item.id for item in taken_over] == [item_id]
    assert claim_all(second.outbox, lease_seconds=30) == []


def test_a_failed_outbox_call_counts_the_attempt_and_waits_for_its_retry(workers):
    store = workers[0]
    item_id = store.outbox.enqueue(STAFF_POST, purpose_id=3)
    item = store.outbox.claim(item_id, lease_seconds=30)
    store.outbox.not_sent(item.id, error="fatal_error", retry_in=30)
    assert claim_all(store.outbox, lease_seconds=30) == []
    assert store.outbox.pending_count() == 1
    store.outbox.not_sent(item.id, error="fatal_error", retry_in=0)
    retried = claim_all(store.outbox, lease_seconds=30)
    assert [(i.id, i.attempts, i.purpose_id, i.payload) for i in retried] == [(item_id, 2, 3, STAFF_POST.payload)]


# --- one transaction: a quote request and its queued calls are committed together or not at all --------------------


def test_what_one_transaction_writes_is_committed_together(workers):
    store = workers[0]

    def work(tx):
        quote, _ = tx.quotes.create(NEW_QUOTE, submission_key="view:VTX")
        tx.outbox.enqueue_many([STAFF_POST, STAFF_POST], purpose_id=quote.id)
        return quote

    quote = store.transact(work)
    assert [(i.purpose, i.purpose_id) for i in claim_all(workers[1].outbox, lease_seconds=30)] == [
        ("quote_staff_post", quote.id),
        ("quote_staff_post", quote.id),
    ]


def test_a_transaction_that_fails_half_way_leaves_nothing_behind(workers):
    store = workers[0]
    unserializable = OutboxCall(method="chat.postMessage", payload={"ts": {"a set"}}, purpose="quote_staff_post")

    def work(tx):
        quote, _ = tx.quotes.create(NEW_QUOTE, submission_key="view:VBROKEN")
        tx.outbox.enqueue_many([STAFF_POST, unserializable], purpose_id=quote.id)

    with pytest.raises(TypeError):
        store.transact(work)
    assert store.quotes.find() == []
    assert store.outbox.pending_count() == 0


def test_after_commit_actions_run_once_and_only_for_the_attempt_that_committed(workers):
    store, ran, attempts = workers[0], [], []

    def work(tx):
        attempts.append(1)
        tx.after_commit(lambda: ran.append(len(attempts)))
        tx.quotes.create(NEW_QUOTE, submission_key=f"view:VAFTER{len(attempts)}")
        if len(attempts) == 1:  # the first attempt loses a unique-key race, as concurrent quotes can
            raise IntegrityError("INSERT INTO quote_requests", {}, Exception("raced"))
        return "done"

    assert store.transact(work, attempts=2) == "done"
    assert ran == [2]  # the rolled-back attempt's action was dropped with it
    assert len(store.quotes.find()) == 1  # and its quote request with it

    def failing(tx):
        tx.after_commit(lambda: ran.append("rolled back"))
        raise ValueError("half way")

    with pytest.raises(ValueError):
        store.transact(failing)
    assert ran == [2]
    store.after_commit(lambda: ran.append("store"))  # the store's own writes are committed already
    assert ran == [2, "store"]


def test_simultaneous_clicks_on_one_status_change_it_once(workers):
    for round_ in range(5):
        quote, _ = create_quote(workers[0], f"view:VCLICK{round_}")
        results = run_together(
            [
                lambda store=workers[i % 2], user=f"U0STAFF{i}", ref=quote.ref: store.quotes.set_status(
                    ref, status="feasible", user_id=user
                )
                for i in range(6)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(changed for _, changed in results) == 1, f"round {round_}: {results}"
        assert [h.status for h in workers[1].quotes.history(quote.id)] == ["new", "feasible"]
        [winner] = [q.decided_by for q, changed in results if changed]
        assert workers[1].quotes.get(quote.ref).decided_by == winner
        # Six different users clicked: the stored decision names the one whose click changed the row.
        assert {q.decided_by for q, _ in results} == {winner}
        assert winner in {f"U0STAFF{i}" for i in range(6)}


def test_a_status_change_is_logged_once_and_an_unknown_reference_is_not_found(workers):
    store = workers[0]
    quote, _ = create_quote(store, "view:VSTATUS")
    decided, changed = store.quotes.set_status(quote.ref.lower(), status="declined", user_id="U0STAFF")
    assert changed and (decided.status, decided.decided_by) == ("declined", "U0STAFF")
    _, again = store.quotes.set_status(quote.ref, status="declined", user_id="U0OTHER")
    assert not again
    assert [(h.status, h.user_id) for h in store.quotes.history(quote.id)] == [
        ("new", "U0REQ"),
        ("declined", "U0STAFF"),
    ]
    with pytest.raises(NotFoundError):
        store.quotes.set_status("Q-1999-0001", status="declined", user_id="U0STAFF")
    with pytest.raises(StoreError, match="unknown quote status"):
        store.quotes.set_status(quote.ref, status="maybe", user_id="U0STAFF")


def test_quote_count_counts_the_recent_requests(workers):
    store = workers[0]
    assert store.quotes.count(days=7) == 0
    for n in range(3):
        create_quote(store, f"view:VCOUNT{n}")
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE quote_requests SET created_at = '2020-01-01T00:00:00+00:00' "
                "WHERE submission_key = 'view:VCOUNT0'"
            )
        )
    assert store.quotes.count(days=7) == 2
    assert workers[1].quotes.count(days=365 * 100) == 3


# --- feedback ----------------------------------------------------------------------------------------------------


def test_simultaneous_reviews_of_one_item_change_it_once(workers):
    for round_ in range(5):
        item, _ = workers[0].feedback.add(
            text=f"install ollama {round_}", label="cloudgpu.custom_code", source="slack", status="pending"
        )
        results = run_together(
            [
                lambda store=workers[i % 2], i=i, item_id=item.id: store.feedback.review(
                    item_id, accept=i % 2 == 0, reviewer=f"U0REV{i}"
                )
                for i in range(6)
            ]
        )
        assert not [r for r in results if isinstance(r, Exception)], results
        assert sum(changed for _, changed in results) == 1, f"round {round_}: {results}"
        [(winner, _)] = [(fb, changed) for fb, changed in results if changed]
        stored = workers[1].feedback.get(item.id)
        assert (stored.status, stored.reviewed_by) == (winner.status, winner.reviewed_by)


def test_a_big_feedback_import_commits_batch_by_batch(workers):
    importer, other_worker = workers
    seen_by_other_worker = {}

    def items():
        for n in range(2 * FEEDBACK_BATCH_ROWS + 500):
            if n == FEEDBACK_BATCH_ROWS + 500:
                # Mid-import, another worker already sees the first batch: the write lock was released in between.
                seen_by_other_worker["count"] = len(other_worker.feedback.find())
            yield AcceptedFeedback(
                text=f"text {n}", label="cstack.account", source="import", user_id="cli", reviewed_by="cli"
            )

    assert importer.feedback.add_many(items()) == 2 * FEEDBACK_BATCH_ROWS + 500
    assert seen_by_other_worker == {"count": FEEDBACK_BATCH_ROWS}
    assert len(other_worker.feedback.accepted()) == 2 * FEEDBACK_BATCH_ROWS + 500
    assert importer.feedback.add_many([]) == 0


# --- processed events ------------------------------------------------------------------------------------------


def test_old_processed_events_are_pruned_and_recent_ones_kept(workers):
    store = workers[0]
    for key in ("event:old1", "event:old2", "event:recent"):
        assert store.events.receive(key, {})
    with store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE processed_events SET received_at = '2020-01-01T00:00:00+00:00' "
                "WHERE event_key LIKE 'event:old%'"
            )
        )
    assert workers[1].events.prune(older_than_days=7) == 2
    assert store.events.receive("event:old1", {})  # forgotten
    assert not store.events.receive("event:recent", {})  # still a repeat
    assert store.events.prune(older_than_days=7) == 0


# --- outbox calls given up for good ----------------------------------------------------------------------------


def test_a_call_given_up_is_neither_pending_nor_claimed_again(workers):
    store = workers[0]
    gone = store.outbox.enqueue(STAFF_POST)
    kept = store.outbox.enqueue(STAFF_POST)
    store.outbox.claim(gone, lease_seconds=30)
    store.outbox.give_up(gone, error="channel_not_found")
    assert (store.outbox.pending_count(), store.outbox.failed_count()) == (1, 1)
    assert workers[1].outbox.claim(gone, lease_seconds=0) is None
    assert [i.id for i in claim_all(workers[1].outbox, lease_seconds=30)] == [kept]


def test_claims_can_be_limited_to_one_records_calls(workers):
    store = workers[0]
    confirmation = OutboxCall(method="chat.postMessage", payload={}, purpose="quote_confirmation")
    mine = store.outbox.enqueue(confirmation, purpose_id=7)
    store.outbox.enqueue(confirmation, purpose_id=8)
    store.outbox.enqueue(OutboxCall(method="chat.postMessage", payload={}, purpose="other"), purpose_id=7)
    claimed = claim_all(store.outbox, lease_seconds=30, purpose_id=7, purposes=["quote_confirmation"])
    assert [i.id for i in claimed] == [mine]


# --- the inbox: events stored before their acknowledgement, handled once ----------------------------------------


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_an_event_is_stored_over_a_pooled_connection_the_server_closed(workers):
    store = workers[0]
    assert store.events.receive("event:Ev1", {})  # leaves a connection in the acknowledgement's pool
    with store.engine.connect() as conn:  # what a server restart or failover does to it
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    assert store.events.receive("event:Ev2", {})  # on a new connection, not an error
    assert not store.events.receive("event:Ev2", {})
    assert [e.key for e in store.events.unhandled(older_than_seconds=-60)] == ["event:Ev1", "event:Ev2"]


def test_a_received_event_is_handled_once_and_one_left_unhandled_is_found_later(workers):
    first, second = workers
    assert first.events.receive("event:Ev1", {"event": {"type": "app_mention", "text": "hi"}})
    assert not second.events.receive("event:Ev1", {})  # Slack's retry, on the other worker
    assert first.events.receive("event:Ev2", {"event": {"type": "app_mention"}})
    assert first.events.mark_handled("event:Ev1")
    assert not second.events.mark_handled("event:Ev1")  # the recovery task, late: nothing to do
    assert second.events.unhandled(older_than_seconds=60) == []  # Ev2 may still be in its worker's hands
    time.sleep(0.05)
    [orphan] = second.events.unhandled(older_than_seconds=0.01)
    assert (orphan.key, orphan.payload) == ("event:Ev2", {"event": {"type": "app_mention"}})


# --- PostgreSQL replicas: row locks, and migrations one at a time -------------------------------------------------


@pytest.mark.parametrize("db_backend", ["postgres"], indirect=True)
def test_replicas_claiming_at_once_never_claim_one_outbox_row_twice(db_url):
    replicas = [Store.open(db_url) for _ in range(4)]
    try:
        ids = set(replicas[0].outbox.enqueue_many([STAFF_POST] * 120))

        def drain(store):
            return [item.id for item in claim_all(store.outbox, lease_seconds=60)]

        claimed = run_together([lambda store=store: drain(store) for store in replicas])
        assert not [c for c in claimed if isinstance(c, Exception)], claimed
        every = [item_id for ids_of_one in claimed for item_id in ids_of_one]
        assert sorted(every) == sorted(ids)  # each row claimed once, none left behind
        assert sum(1 for ids_of_one in claimed if ids_of_one) > 1  # the replicas really claimed side by side
    finally:
        for store in replicas:
            store.close()


def test_replicas_starting_at_once_on_an_empty_database_migrate_it_once(postgres_databases):
    name, url = postgres_databases.create(empty=True)
    try:
        opened = run_together([lambda: Store.open(url) for _ in range(4)])
        assert not [s for s in opened if isinstance(s, Exception)], opened
        with opened[0].engine.connect() as conn:
            numbers = conn.execute(sa.text("SELECT id FROM schema_migrations ORDER BY id")).scalars().all()
        assert numbers == [m.number for m in MIGRATIONS]
        for store in opened:
            store.close()
    finally:
        postgres_databases.drop(name)


def test_simultaneous_first_heartbeats_of_one_worker_all_succeed(workers):
    # Two health checks of a worker that has no row yet, at once: one statement each, no duplicate-key error.
    for round_ in range(5):
        name = f"host:{round_}"
        results = run_together([lambda s=workers[i % 2], n=name: s.heartbeats.beat(n) for i in range(6)])
        assert [r for r in results if isinstance(r, Exception)] == [], f"round {round_}: {results}"
    with workers[0].engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT worker FROM heartbeats ORDER BY worker")).scalars().all()
    assert rows == [f"host:{r}" for r in range(5)]
