"""bot.db.quotes: a status change is a compare-and-set on the status the clicker saw (real SQLite, and two
Store instances on one file for simultaneous clicks, as two gunicorn workers have)."""

import threading

import pytest

from bot.db import Store
from bot.errors import StoreError
from tests.support.quotes import NEW_QUOTE

pytestmark = pytest.mark.postgres  # each test that uses a database runs on SQLite and on PostgreSQL


@pytest.fixture
def workers(db_url):
    stores = [Store.open(db_url), Store.open(db_url)]
    yield stores
    for store in stores:
        store.close()


def create_quote(store, key="view:V1"):
    quote, _ = store.transact(lambda tx: tx.quotes.create(NEW_QUOTE, submission_key=key), attempts=20)
    return quote


def test_a_change_applies_only_while_the_status_is_the_expected_one(store):
    quote = create_quote(store)
    decided, changed = store.quotes.set_status(quote.ref, status="feasible", user_id="U0A", expected="new")
    assert changed and (decided.status, decided.decided_by) == ("feasible", "U0A")
    current, changed = store.quotes.set_status(quote.ref, status="declined", user_id="U0B", expected="new")
    assert not changed and (current.status, current.decided_by) == ("feasible", "U0A")
    _, changed = store.quotes.set_status(quote.ref, status="feasible", user_id="U0B", expected="feasible")
    assert not changed  # the status it already has
    decided, changed = store.quotes.set_status(quote.ref, status="declined", user_id="U0B", expected="feasible")
    assert changed and (decided.status, decided.decided_by) == ("declined", "U0B")
    assert [(h.status, h.user_id) for h in store.quotes.history(quote.id)] == [
        ("new", "U0REQ"),
        ("feasible", "U0A"),
        ("declined", "U0B"),
    ]


@pytest.mark.parametrize("expected", [None, "feasible"])
def test_nothing_sets_a_request_back_to_new(expected, store):
    quote = create_quote(store)
    store.quotes.set_status(quote.ref, status="feasible", user_id="U0A")
    with pytest.raises(StoreError, match="never set back to 'new'"):
        store.quotes.set_status(quote.ref, status="new", user_id="U0A", expected=expected)
    assert store.quotes.get(quote.ref).status == "feasible"


def test_an_unknown_expected_status_is_refused(store):
    quote = create_quote(store)
    with pytest.raises(StoreError, match="unknown quote status 'maybe'"):
        store.quotes.set_status(quote.ref, status="feasible", user_id="U0A", expected="maybe")
    assert store.quotes.get(quote.ref).status == "new"


def click_together(stores, ref, statuses):
    """Every status clicked at the same moment on a post that showed "new"; (request, changed) or the exception."""
    barrier = threading.Barrier(len(statuses))
    results: list = [None] * len(statuses)

    def click(i, status):
        barrier.wait()
        try:
            results[i] = stores[i % 2].quotes.set_status(ref, status=status, user_id=f"U0S{i}", expected="new")
        except Exception as exc:  # noqa: BLE001 - asserted on by the caller
            results[i] = exc

    threads = [threading.Thread(target=click, args=(i, s)) for i, s in enumerate(statuses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_of_simultaneous_clicks_on_different_buttons_of_one_post_only_one_applies(workers):
    for round_ in range(5):
        quote = create_quote(workers[0], f"view:VRACE{round_}")
        results = click_together(workers, quote.ref, ["feasible", "quote_sent", "declined"] * 2)
        assert not [r for r in results if isinstance(r, Exception)], results
        [(winner, _)] = [r for r in results if r[1]]
        # Every click saw "new"; the first to arrive decided, the others found it decided and changed nothing.
        assert [h.status for h in workers[1].quotes.history(quote.id)] == ["new", winner.status]
        assert {q.status for q, _ in results} == {winner.status}
        assert workers[1].quotes.get(quote.ref).decided_by == winner.decided_by
